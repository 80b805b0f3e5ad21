#!/bin/sh
# Baseline for `keycrm-sync diff --against`: awk holding the second file in an
# array. Usage: sh bench/diff_awk.sh a.csv b.csv > /dev/null
exec awk -F, '
	FNR == 1 { next }
	NR == FNR { b[$1] = $2; next }
	!($1 in b) { print "missing_in_target," $1; next }
	b[$1] != $2 { print "change," $1 "," b[$1] "," $2 }
	{ delete b[$1] }
	END { for (s in b) print "missing_in_source," s }
' "$2" "$1"
