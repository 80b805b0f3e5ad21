package csv

import "bytes"

// delimiters are the candidates, in the order that breaks ties: ';' first,
// because a ';' file with decimal commas can count as many ',' as ';'.
var delimiters = [...]byte{';', '\t', ',', '|'}

// sniffRecords is how many records detection looks at.
const sniffRecords = 50

// sniff chooses the line end and the delimiter from the start of a file. The
// delimiter is the candidate that occurs the same number of times (outside
// quotes) on the most records — title lines and blank lines do not vote; then
// the larger count; then the order of delimiters. prefer (tab for .tsv) wins
// whenever it occurs at all. A file with none of them is one column.
func sniff(sample []byte, complete bool, prefer byte) (comma, nl byte) {
	nl = '\n'
	if bytes.IndexByte(sample, '\n') < 0 && bytes.IndexByte(sample, '\r') >= 0 {
		nl = '\r'
	}
	if !complete {
		// Drop the record cut by the end of the sample.
		if i := bytes.LastIndexByte(sample, nl); i >= 0 {
			sample = sample[:i+1]
		}
	}
	var tally [len(delimiters)]map[int]int
	for i := range tally {
		tally[i] = map[int]int{}
	}
	var counts [len(delimiters)]int
	quoted := false
	records := 0
	flush := func() {
		for i, n := range counts {
			if n > 0 {
				tally[i][n]++
			}
			counts[i] = 0
		}
		records++
	}
	for _, c := range sample {
		if records == sniffRecords {
			break
		}
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == nl:
			flush()
		default:
			for i, d := range delimiters {
				if c == d {
					counts[i]++
				}
			}
		}
	}
	if records < sniffRecords {
		flush()
	}
	comma = ','
	bestScore, bestMode := 0, 0
	for i, d := range delimiters {
		score, mode := 0, 0
		for n, k := range tally[i] {
			if k > score || k == score && n > mode {
				score, mode = k, n
			}
		}
		if d == prefer && score > 0 {
			return d, nl
		}
		if score > bestScore || score == bestScore && mode > bestMode {
			comma, bestScore, bestMode = d, score, mode
		}
	}
	return comma, nl
}
