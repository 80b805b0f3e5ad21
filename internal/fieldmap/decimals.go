package fieldmap

import (
	"errors"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
)

// Sink receives a reader's rows (connector.Sink has these methods, and its
// rule: the item is lent for the call).
type Sink interface {
	Item(*catalog.Item) error
	Problem(catalog.Problem)
}

// MaxHeld bounds the rows Decimals holds back while their columns show no
// decimal mark: a row is an item of a few hundred bytes, so this is about ten
// megabytes however long the file is. Past it the oldest held row is settled
// by the fallback mark (see Decimals).
const MaxHeld = 20000

// Decimals decides the decimal mark of each number column from its values
// that show one ("12.5", "1 234,5", "1,234,567"), and reads by it the values
// that only a mark can settle: "1,250" is 1.25 in a column of "12,5"s and a
// problem in a column of "12.5"s, never a guess (cli.md section 3).
//
// Readers stream, and the value that settles a column may come after the
// ones it settles: a row holding such a value is held back until its column
// shows a mark, then read and sent on. At the end of the table (Flush), or
// when more than MaxHeld rows wait, a row still waiting is read with the
// fallback mark (see fallback). Rows therefore reach the sink out of file
// order; every consumer orders by position.
type Decimals struct {
	marks       []numparse.Mark // per column: Dot or Comma once shown, else AnyMark
	first       numparse.Mark   // the first mark any column showed
	spreadsheet bool
	pending     []heldValue // the current row's values that wait
	held        []heldRow
	settled     bool // a column was decided since the held rows were looked at
}

// heldValue is a number that waits for its column's mark.
type heldValue struct {
	col, kind int
	column    string // the header or key, for a problem
	text      string
}

type heldRow struct {
	it     catalog.Item
	values []heldValue
}

// NewDecimals returns the decimal marks of one table; spreadsheet selects the
// number rules of spreadsheet cells and "." as the fallback mark.
func NewDecimals(spreadsheet bool) *Decimals { return &Decimals{spreadsheet: spreadsheet} }

func (d *Decimals) mark(col int) numparse.Mark {
	if col < len(d.marks) && d.marks[col] != numparse.AnyMark {
		return d.marks[col]
	}
	return numparse.Undecided
}

// show records the mark a value of col showed; the first one decides.
func (d *Decimals) show(col int, m numparse.Mark) {
	if m == numparse.AnyMark || d.mark(col) != numparse.Undecided {
		return
	}
	for len(d.marks) <= col {
		d.marks = append(d.marks, numparse.AnyMark)
	}
	d.marks[col] = m
	if d.first == numparse.AnyMark {
		d.first = m
	}
	d.settled = true
}

// fallback is the mark a column that showed none is read with at the end:
// the file's, for text (one file is written in one convention). A
// spreadsheet's columns are told apart by their text cells alone, since a
// stored number always shows "."; there, and in a text file that shows no
// mark anywhere, a lone mark is the decimal mark, as the contract reads
// "1234,5".
func (d *Decimals) fallback() numparse.Mark {
	if d.spreadsheet {
		return numparse.AnyMark
	}
	return d.first
}

// number reads a number cell of column col into it. An ambiguous value in a
// column that has not shown its mark is held when hold is set (the row must
// then go through emit), else read with the fallback mark at once.
func number[T Text](d *Decimals, it *catalog.Item, kind, col int, column string, cell T, hold bool) error {
	mark := d.mark(col)
	shown, err := setNumber(it, kind, cell, d.spreadsheet, mark)
	d.show(col, shown)
	if !errors.Is(err, numparse.ErrAmbiguous) {
		return err
	}
	if mark != numparse.Undecided {
		return markError(err, "column", mark)
	}
	v := heldValue{col: col, kind: kind, column: column, text: string(cell)}
	if hold {
		d.pending = append(d.pending, v)
		return nil
	}
	return d.settle(it, v, d.fallback(), "file")
}

// markError says whose decimal mark (the column's, the file's) made a value
// ambiguous.
func markError(err error, whose string, mark numparse.Mark) error {
	return fmt.Errorf("%w (the %s writes decimals with %q)", err, whose, string(rune(mark)))
}

// settle reads a held value with mark (AnyMark reads a lone mark as the
// decimal mark).
func (d *Decimals) settle(it *catalog.Item, v heldValue, mark numparse.Mark, whose string) error {
	_, err := setNumber(it, v.kind, v.text, d.spreadsheet, mark)
	if errors.Is(err, numparse.ErrAmbiguous) {
		return markError(err, whose, mark)
	}
	return err
}

// Number reads a number written as text (a JSON string) into field of it,
// from column (a key), the one column the source gives field in; a value
// waiting for its column's mark is held until the row goes through Emit.
func (d *Decimals) Number(it *catalog.Item, field, column, text string) error {
	text = trimmed(text)
	if text == "" {
		return nil // unknown, as an empty cell is
	}
	kind := fieldIndex[field]
	return number(d, it, kind, kind, column, text, true)
}

// Emit sends a converted row on: its problems, or its item, or neither yet
// while a value of it waits for its column's mark; then the held rows that
// this row's columns have settled.
func (d *Decimals) Emit(it *catalog.Item, problems []catalog.Problem, sink Sink) error {
	var err error
	switch {
	case len(problems) > 0:
		// The row is out of the plan already; its waiting values need no mark.
		for _, p := range problems {
			sink.Problem(p)
		}
	case len(d.pending) > 0:
		d.held = append(d.held, heldRow{it: *it, values: append([]heldValue(nil), d.pending...)})
		if len(d.held) > MaxHeld {
			first := d.held[0]
			d.held = d.held[1:]
			err = d.release(first, true, sink)
		}
	default:
		err = sink.Item(it)
	}
	d.pending = d.pending[:0]
	if err != nil || !d.settled {
		return err
	}
	d.settled = false
	kept := d.held[:0]
	for _, h := range d.held {
		if err == nil && d.ready(h) {
			err = d.release(h, false, sink)
			continue
		}
		kept = append(kept, h)
	}
	clear(d.held[len(kept):])
	d.held = kept
	return err
}

// Flush sends the rows still held at the end of the table, reading their
// values with the fallback mark where the column never showed one.
func (d *Decimals) Flush(sink Sink) error {
	held := d.held
	d.held = nil
	for _, h := range held {
		if err := d.release(h, true, sink); err != nil {
			return err
		}
	}
	return nil
}

func (d *Decimals) ready(h heldRow) bool {
	for _, v := range h.values {
		if d.mark(v.col) == numparse.Undecided {
			return false
		}
	}
	return true
}

// release reads a held row's values and sends it on; final allows the
// fallback mark for columns still undecided.
func (d *Decimals) release(h heldRow, final bool, sink Sink) error {
	var problems []catalog.Problem
	for _, v := range h.values {
		mark, whose := d.mark(v.col), "column"
		if mark == numparse.Undecided && final {
			mark, whose = d.fallback(), "file"
		}
		if err := d.settle(&h.it, v, mark, whose); err != nil {
			problems = append(problems, catalog.Problem{
				File: h.it.Pos.File, Row: h.it.Pos.Row, Column: v.column, Field: catalog.Fields[v.kind],
				SKU: h.it.SKU, Value: v.text, Error: err.Error(),
			})
		}
	}
	if len(problems) == 0 {
		return sink.Item(&h.it)
	}
	for _, p := range problems {
		sink.Problem(p)
	}
	return nil
}
