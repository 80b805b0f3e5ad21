#!/bin/sh
# Writes the two stock files the diff benchmark compares: N rows of sku,quantity
# each, in different orders; 5% of the SKUs differ in quantity, and a few
# hundred are only on one side. Usage: sh bench/diff_gen.sh N DIR
set -eu
n=$1
dir=$2
mkdir -p "$dir"
awk -v n="$n" 'BEGIN {
	print "sku,quantity"
	for (i = 0; i < n; i++) printf "SKU-%08d,%d\n", (i * 7919) % n, i % 97
}' > "$dir/diff-a.csv"
awk -v n="$n" 'BEGIN {
	print "sku,quantity"
	for (i = n - 1; i >= 300; i--) {
		k = (i * 7919) % n
		q = i % 97
		if (i % 20 == 0) q = q + 1
		printf "SKU-%08d,%d\n", k, q
	}
	for (i = 0; i < 300; i++) printf "NEW-%08d,%d\n", i, i
}' > "$dir/diff-b.csv"
