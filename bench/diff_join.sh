#!/bin/sh
# Baseline for `keycrm-sync diff --against`: sort both files, then join them.
# Usage: sh bench/diff_join.sh a.csv b.csv > /dev/null
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tail -n +2 "$1" | LC_ALL=C sort -t, -k1,1 > "$tmp/a"
tail -n +2 "$2" | LC_ALL=C sort -t, -k1,1 > "$tmp/b"
LC_ALL=C join -t, -a1 -a2 -e '' -o 0,1.2,2.2 "$tmp/a" "$tmp/b" | awk -F, '$2 != $3'
