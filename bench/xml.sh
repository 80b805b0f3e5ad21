#!/bin/sh
# The XML reader benchmarks of docs/performance.md, with their baselines in
# the same run: the CommerceML reader on a generated 100k-offer offers.xml
# (3 warehouses an offer) and the YML and Google Merchant readers on
# generated feeds, against encoding/xml's RawToken and xmlscan alone over the
# same bytes (Go benchmarks), and against Python's iterparse
# (bench/xml_iterparse.py) on the files the benchmarks leave in bench/out.
# Each round runs the Go benchmarks once and then Python once on each file,
# so that a machine whose load drifts slows both sides of a ratio alike.
# Every rate is reported in wall time and in CPU time (cpu-MB/s).
#
#   sh bench/xml.sh            # 5 rounds, as in the docs
#   COUNT=1 sh bench/xml.sh    # a quick look
set -eu
COUNT=${COUNT:-5}
OUT=bench/out
mkdir -p "$OUT"
export KEYCRM_SYNC_BENCH_DIR="$PWD/$OUT"
: >"$OUT/xml-bench.txt"
: >"$OUT/xml-python.txt"
for round in $(seq "$COUNT"); do
	echo "round $round of $COUNT" >&2
	go test -p 1 -cpu 1 -run '^$' -count 1 -benchmem \
		-bench 'Offers|Read' ./internal/connector/commerceml ./internal/connector/yml ./internal/connector/googlemerchant \
		>>"$OUT/xml-bench.txt"
	python3 bench/xml_iterparse.py "$OUT/offers.xml" Предложение 1 >>"$OUT/xml-python.txt"
	python3 bench/xml_iterparse.py "$OUT/feed.yml.xml" offer 1 >>"$OUT/xml-python.txt"
done
go run golang.org/x/perf/cmd/benchstat@latest "$OUT/xml-bench.txt"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for file in offers.xml feed.yml.xml; do
	wall=$(grep " $file:" "$OUT/xml-python.txt" | sed 's/.*median \([0-9.]*\) MB\/s, .*/\1/' | median)
	cpu=$(grep " $file:" "$OUT/xml-python.txt" | sed 's/.*, \([0-9.]*\) MB\/s of CPU time.*/\1/' | median)
	echo "python iterparse $file: median $wall MB/s, $cpu MB/s of CPU time, of $COUNT rounds"
done
