#!/bin/sh
# The XML reader benchmarks of docs/performance.md, with their baselines in
# the same run: the CommerceML reader on a generated 100k-offer offers.xml
# (3 warehouses an offer) and the YML reader on a generated feed, against
# encoding/xml's RawToken and xmlscan alone over the same bytes (Go
# benchmarks), and against Python's iterparse (bench/xml_iterparse.py) on
# the files the benchmarks leave in bench/out.
#
#   sh bench/xml.sh            # 5 counts, as in the docs
#   COUNT=1 sh bench/xml.sh    # a quick look
set -eu
COUNT=${COUNT:-5}
OUT=bench/out
mkdir -p "$OUT"
export KEYCRM_SYNC_BENCH_DIR="$PWD/$OUT"
go test -p 1 -cpu 1 -run '^$' -count "$COUNT" -benchmem \
	-bench 'Offers|Read' ./internal/connector/commerceml ./internal/connector/yml ./internal/connector/googlemerchant \
	| tee "$OUT/xml-bench.txt"
go run golang.org/x/perf/cmd/benchstat@latest "$OUT/xml-bench.txt"
python3 bench/xml_iterparse.py "$OUT/offers.xml" Предложение "$COUNT"
python3 bench/xml_iterparse.py "$OUT/feed.yml.xml" offer "$COUNT"
