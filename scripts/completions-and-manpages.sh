#!/usr/bin/env bash
# Generates shell completions and gzipped man pages for release archives and
# packages (goreleaser's before hook, which passes the version as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf completions manpages
mkdir -p completions manpages
for sh in bash zsh fish powershell; do
  go run ./cmd/keycrm-sync completion "$sh" > "completions/keycrm-sync.$sh"
done
go run ./internal/tools/manpages -version "${1:-}" manpages
gzip -9 -n manpages/*.1
