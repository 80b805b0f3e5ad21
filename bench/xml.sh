#!/bin/sh
# The XML reader benchmarks of docs/performance.md, with their baselines in
# the same run: the CommerceML reader on a generated 100k-offer offers.xml
# (3 warehouses an offer) and the YML and Google Merchant readers on
# generated feeds, against encoding/xml's RawToken and xmlscan alone over the
# same bytes (Go benchmarks), and against Python's iterparse
# (bench/xml_iterparse.py) on the files the benchmarks leave in bench/out.
# Each round runs the Go benchmarks once and then Python once on each file,
# so that a machine whose load drifts slows both sides of a ratio alike.
# Every rate is reported in wall time and in CPU time (cpu-MB/s); the last
# table is each reader's ratios to RawToken and to Python, as the docs quote them.
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
# The ratios of docs/performance.md: each reader's median rate against the
# median rates of RawToken (same bytes, same run) and of Python iterparse.
awk "$(cat bench/median.awk)"'
	FILENAME ~ /xml-bench/ && /^pkg:/ { pkg = $2; sub(/.*\//, "", pkg) }
	FILENAME ~ /xml-bench/ && /^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		for (i = 2; i < NF; i++) {
			if ($(i+1) == "MB/s") wall[pkg " " name] = wall[pkg " " name] " " $i
			if ($(i+1) == "cpu-MB/s") cpu[pkg " " name] = cpu[pkg " " name] " " $i
		}
	}
	FILENAME ~ /xml-python/ {
		f = $3; sub(/:$/, "", f)
		for (i = 1; i < NF; i++) {
			if ($i == "median") pw[f] = pw[f] " " $(i+1)
			if ($(i+1) == "MB/s" && $(i+2) == "of") pc[f] = pc[f] " " $i
		}
	}
	function row(label, key, base, py,   w, c) {
		w = median(wall[key]); c = median(cpu[key])
		printf "| %s | %.1f | %.1f | %.1fx / %.1fx |", label, w, c, w / median(wall[base]), c / median(cpu[base])
		if (py != "") printf " %.1fx / %.1fx |\n", w / median(pw[py]), c / median(pc[py]); else printf " |\n"
	}
	END {
		print "| reader, medians of the rounds | wall MB/s | CPU MB/s | vs RawToken, wall / CPU | vs Python iterparse, wall / CPU |"
		print "|---|---:|---:|---:|---:|"
		row("CommerceML offers.xml", "commerceml BenchmarkOffers", "commerceml BenchmarkOffersBaseline/RawToken", "offers.xml")
		row("YML feed", "yml BenchmarkRead", "yml BenchmarkReadBaseline/RawToken", "feed.yml.xml")
		row("Google Merchant feed", "googlemerchant BenchmarkRead", "googlemerchant BenchmarkReadBaseline/RawToken", "")
		printf "Python iterparse: offers.xml %.1f MB/s (%.1f of CPU time), feed.yml.xml %.1f MB/s (%.1f)\n", median(pw["offers.xml"]), median(pc["offers.xml"]), median(pw["feed.yml.xml"]), median(pc["feed.yml.xml"])
	}' "$OUT/xml-bench.txt" "$OUT/xml-python.txt"
