package csv

// Sniff chooses the delimiter and the line end of delimited text the way the
// reader does, so that a writer editing a file in place (package filetarget)
// splits it exactly as it will later be read. sample is the start of the file;
// complete says it is the whole file; prefer (tab for .tsv, or 0) wins when it
// occurs at all.
func Sniff(sample []byte, complete bool, prefer byte) (comma, nl byte) {
	return sniff(sample, complete, prefer)
}

// IsFormulaStart reports whether a cell starting with c is read by spreadsheets
// as a formula when opened, so that writers escape it with a leading
// apostrophe, which this reader removes again.
func IsFormulaStart(c byte) bool { return isFormulaStart(c) }
