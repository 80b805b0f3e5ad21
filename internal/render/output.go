package render

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// FormatMarkdown is -o markdown: tables a CI job summary shows as tables.
const FormatMarkdown = "markdown"

// Formats are the -o values every command prints, as help lists them.
var Formats = []string{FormatTable, FormatJSON, FormatCSV, FormatMarkdown}

// CheckFormat refuses an -o value no command prints.
func CheckFormat(format string) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("output format %q: want %s", format, strings.Join(Formats, ", "))
	}
	return nil
}

// A View is what a command prints on stdout, in every -o format: JSON is the value
// itself; CSV and Markdown are the rows under the header; the table is the rows too,
// unless Text prints it another way (a report, one run's details).
type View struct {
	JSON   any
	Header []string
	Rows   [][]string
	Text   func(w io.Writer) error
}

// Write prints v in format.
func Write(w io.Writer, format string, v View) error {
	var err error
	switch format {
	case FormatJSON:
		err = JSON(w, v.JSON)
	case FormatCSV:
		err = writeRowsCSV(w, v.Header, v.Rows)
	case FormatMarkdown:
		err = Markdown(w, v.Header, v.Rows)
	case FormatTable:
		if v.Text != nil {
			err = v.Text(w)
		} else {
			err = Table(w, v.Header, v.Rows)
		}
	default:
		return CheckFormat(format)
	}
	if err != nil {
		return fmt.Errorf("write output as %s: %w", format, err)
	}
	return nil
}

// JSON writes v as every command writes JSON: two-space indent, a trailing newline,
// and & < > as typed, since SKUs and names hold them and \u0026 is hard to grep.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func writeRowsCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// Markdown writes a GitHub-flavoured Markdown table. Pipes are escaped and line
// breaks become spaces, so a cell never breaks the table.
func Markdown(w io.Writer, header []string, rows [][]string) error {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(markdownCell(c))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	line(header)
	b.WriteString("|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var markdownEscapes = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")

func markdownCell(s string) string { return markdownEscapes.Replace(s) }
