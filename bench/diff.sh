#!/bin/sh
# The diff --against benchmark of docs/performance.md: two generated N-row CSVs
# (bench/diff_gen.sh), compared by keycrm-sync and by the baselines in the same
# rounds — Python csv+dict (bench/diff_dict.py), awk (bench/diff_awk.sh), sort
# and join (bench/diff_join.sh) — taking turns. Prints the median wall time and
# peak RSS of each, and the ratios. (Start-up is timed by `go run ./bench
# -startup`.)
#
#   sh bench/diff.sh              # 1M rows, 5 rounds, as in the docs
#   N=100000 RUNS=1 sh bench/diff.sh
set -eu
N=${N:-1000000}
RUNS=${RUNS:-5}
OUT=bench/out
mkdir -p "$OUT"
go build -o "$OUT/bin/" ./cmd/keycrm-sync
[ -s "$OUT/diff-$N-a.csv" ] || { sh bench/diff_gen.sh "$N" "$OUT" &&
	mv "$OUT/diff-a.csv" "$OUT/diff-$N-a.csv" && mv "$OUT/diff-b.csv" "$OUT/diff-$N-b.csv"; }
a=$OUT/diff-$N-a.csv
b=$OUT/diff-$N-b.csv
ks=$OUT/bin/keycrm-sync
times=$OUT/diff-times.txt
: > "$times"
# measure NAME CMD...: one run, its wall seconds and peak RSS (KB) appended to
# $times. diff exits 1 when the files differ, which they do.
measure() {
	name=$1
	shift
	/usr/bin/time -f "$name %e %M" -a -o "$times" "$@" > /dev/null 2>&1 || true
}
i=0
while [ "$i" -lt "$RUNS" ]; do
	measure keycrm-sync "$ks" diff --from "$a" --against "$b" -o csv
	measure python3 python3 bench/diff_dict.py "$a" "$b"
	measure awk sh bench/diff_awk.sh "$a" "$b"
	measure sort+join sh bench/diff_join.sh "$a" "$b"
	i=$((i + 1))
done
awk "$(cat bench/median.awk)"'
	{ t[$1] = t[$1] " " $2; m[$1] = m[$1] " " $3 }
	END {
		ks = median(t["keycrm-sync"])
		printf "| workload | median wall | median peak RSS | keycrm-sync speed-up |\n|---|---:|---:|---:|\n"
		printf "| keycrm-sync diff --against | %.2f s | %d MB | |\n", ks, median(m["keycrm-sync"]) / 1024
		split("python3 awk sort+join", names, " ")
		for (k = 1; k <= 3; k++) {
			x = median(t[names[k]])
			printf "| %s | %.2f s | %d MB | %.2fx |\n", names[k], x, median(m[names[k]]) / 1024, x / ks
		}
	}' "$times"
