# median(list): the median of the numbers in a space-separated list, for the
# summaries of bench/*.sh (awk "$(cat bench/median.awk)" 'PROGRAM').
function median(list,   a, n, i, j, x) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { x = a[j]; a[j] = a[j-1]; a[j-1] = x }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
