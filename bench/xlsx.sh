#!/bin/sh
# The XLSX benchmark of docs/performance.md, with its baselines in the same
# rounds: keycrm-sync's reader and the floor (archive/zip unpacking the sheet
# and the shared strings, as `unzip -p` does) as Go benchmarks on a generated
# 100,000-row workbook, then openpyxl in read-only mode (bench/xlsx_openpyxl.py)
# and `unzip -p` itself on the same file. Prints the medians and the ratios.
#
#   sh bench/xlsx.sh            # 5 rounds, as in the docs
#   ROUNDS=1 sh bench/xlsx.sh   # a quick look
#
# openpyxl: `apt-get install python3-openpyxl` (Debian's python3) or `pip install
# openpyxl`; PYTHON names the interpreter that has it.
set -eu
ROUNDS=${ROUNDS:-5}
OUT=bench/out
mkdir -p "$OUT"
PY=${PYTHON:-}
if [ -z "$PY" ]; then
	for p in python3 /usr/bin/python3; do
		if "$p" -c 'import openpyxl' 2>/dev/null; then PY=$p; break; fi
	done
fi
[ -n "$PY" ] || { echo "xlsx.sh: no python3 with openpyxl (apt-get install python3-openpyxl)" >&2; exit 1; }
go test -c -o "$OUT/xlsx.test" ./internal/connector/xlsx
times=$OUT/xlsx-times.txt
: > "$times"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	KEYCRM_SYNC_BENCH_DIR=$PWD/$OUT "$OUT/xlsx.test" -test.run '^$' -test.bench 'Read/(reader|baseline-unzip)$' \
		-test.benchtime 3x -test.cpu 1 | awk '/^BenchmarkRead\// { sub(/^BenchmarkRead\//, ""); print $1, $3 / 1e9 }' >> "$times"
	"$PY" bench/xlsx_openpyxl.py "$OUT/stock-100k.xlsx" Залишки | sed 's/^/openpyxl /' >> "$times"
	start=$(date +%s.%N)
	unzip -p "$OUT/stock-100k.xlsx" xl/worksheets/sheet1.xml xl/sharedStrings.xml > /dev/null
	echo "unzip-p $(echo "$(date +%s.%N) - $start" | bc)" >> "$times"
	i=$((i + 1))
done
awk "$(cat bench/median.awk)"'
	{ t[$1] = t[$1] " " $2 }
	END {
		r = median(t["reader"])
		printf "| read of 100,000 rows | median wall | vs keycrm-sync |\n|---|---:|---:|\n"
		printf "| keycrm-sync XLSX reader (cells to items) | %.3f s | |\n", r
		printf "| openpyxl read_only | %.3f s | keycrm-sync %.1fx faster |\n", median(t["openpyxl"]), median(t["openpyxl"]) / r
		printf "| floor: archive/zip unpacking the two parts | %.3f s | reader at %.1fx the floor |\n", median(t["baseline-unzip"]), r / median(t["baseline-unzip"])
		printf "| floor: unzip -p of the two parts | %.3f s | reader at %.1fx |\n", median(t["unzip-p"]), r / median(t["unzip-p"])
	}' "$times"
