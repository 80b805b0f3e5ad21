#!/usr/bin/env bash
# The README quick start: runs keycrm-sync against the bundled KeyCRM emulator and
# the demo data in testdata/demo. Nothing leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
DEMO=testdata/demo
work=$(mktemp -d)
trap 'kill "$mock_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# The emulator prints its URL as the first line on stdout.
"$BIN/keycrm-mock" --listen 127.0.0.1:0 --seed "$DEMO/seed.json" >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
for _ in $(seq 50); do
  url=$(sed -n 's/^keycrm-mock listening on //p' "$work/mock.out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "keycrm-mock did not start:" >&2; cat "$work/mock.err" >&2; exit 1; }

export KEYCRM_API_URL=$url KEYCRM_API_KEY=test-key
export XDG_STATE_HOME=$work/state
echo "KeyCRM emulator at $url, seeded from $DEMO/seed.json"

say keycrm-sync doctor
"$BIN/keycrm-sync" doctor


# The ERP's stock file (an XLSX with a title block above the header, as 1C and BAS
# exports often have) against the emulator's catalogue: what would change?
say keycrm-sync push-stock --from $DEMO/stock.xlsx --warehouse 1 --dry-run
"$BIN/keycrm-sync" push-stock --from "$DEMO/stock.xlsx" --warehouse 1 --dry-run

# Apply it: the plan again, the writes in one request, the read-back.
say keycrm-sync push-stock --from $DEMO/stock.xlsx --warehouse 1 --yes
"$BIN/keycrm-sync" push-stock --from "$DEMO/stock.xlsx" --warehouse 1 --yes

# Now KeyCRM's warehouse 1 holds what the file says (diff exits 0).
say keycrm-sync diff --from $DEMO/stock.xlsx --warehouse 1 --ignore missing-in-source,missing-in-target
"$BIN/keycrm-sync" diff --from "$DEMO/stock.xlsx" --warehouse 1 --ignore missing-in-source,missing-in-target
echo "in sync (exit $?)"

# KeyCRM as the master: what it can sell (on hand minus reserve, rounded down to
# whole units) into a Prom.ua YML feed and an XLSX file.
say keycrm-sync pull-stock --to prom.xml --yes
"$BIN/keycrm-sync" pull-stock --to "$work/prom.xml" --yes
say keycrm-sync pull-stock --to stock-out.xlsx --yes
"$BIN/keycrm-sync" pull-stock --to "$work/stock-out.xlsx" --yes

# The feed follows KeyCRM: diff compares it as available stock, which is what a feed
# carries, and exits 0.
say keycrm-sync diff --from prom.xml --stock available
"$BIN/keycrm-sync" diff --from "$work/prom.xml" --stock available
echo "feed in sync (exit $?)"

# Every write is journaled and can be put back.
say keycrm-sync runs
"$BIN/keycrm-sync" runs
