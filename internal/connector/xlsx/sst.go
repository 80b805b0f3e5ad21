package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// sharedStrings is the workbook's table of shared strings, held as one byte
// arena: a few words per string however many there are, and never more than
// Limits.SharedStringBytes of text.
type sharedStrings struct {
	arena []byte
	spans []span
	max   int // Limits.CellBytes, for the message about a long string
}

// span locates one string in the arena; a string longer than a cell may be
// is not kept (start is tooLong) and fails only the cell that uses it.
type span struct{ start, end uint32 }

const tooLong = math.MaxUint32

// at returns string i.
func (t *sharedStrings) at(i int) ([]byte, error) {
	if t == nil || i >= len(t.spans) {
		n := 0
		if t != nil {
			n = len(t.spans)
		}
		return nil, fmt.Errorf("shared string %d is beyond the table of %d", i, n)
	}
	sp := t.spans[i]
	if sp.start == tooLong {
		return nil, fmt.Errorf("%w: shared string %d holds more than %d bytes (limits: xlsx_cell_bytes in the config file); no SKU or quantity is that long", connector.ErrTooLarge, i, t.max)
	}
	return t.arena[sp.start:sp.end], nil
}

var (
	tOpen  = []byte("<t>")
	tClose = []byte("</t></si>")
	siName = []byte("si")
)

// readSharedStrings reads the shared strings part to its end. maxItems is how
// many strings the workbook's sheets could refer to at all (every reference
// takes bytes of a sheet): a table claiming more is refused rather than held.
func readSharedStrings(src io.Reader, part string, lim Limits, maxItems int) (*sharedStrings, error) {
	t := &sharedStrings{max: lim.CellBytes}
	sc := newScanner(src, lim.CellBytes+64<<10)
	it := items{sc: sc, max: lim.CellBytes}
	fail := func(err error) (*sharedStrings, error) {
		if len(t.spans) > 0 {
			return nil, fmt.Errorf("%s: string item %d: %w", part, len(t.spans), err)
		}
		return nil, fmt.Errorf("%s: %w", part, err)
	}
	for {
		kind, err := sc.next()
		if err != nil {
			return fail(err)
		}
		if kind == tokEOF {
			return t, nil
		}
		if kind != tokStart || !bytes.Equal(sc.name, []byte("si")) {
			continue
		}
		if sc.depth() != 2 && !(sc.empty && sc.depth() == 1) {
			return fail(errors.New("a string item outside the table"))
		}
		if len(t.spans) >= maxItems {
			return fail(fmt.Errorf("%w: more strings than the sheets could use (%d)", connector.ErrTooLarge, maxItems))
		}
		s, ok := sc.simple(tOpen, tClose, siName)
		if ok {
			if err := checkChars(s); err != nil {
				return fail(err)
			}
			if bytes.Contains(s, bstrMark) {
				it.direct = unescapeBSTR(append(it.direct[:0], s...))
				s = it.direct
			}
			it.long = len(s) > lim.CellBytes
		} else {
			it.long = false
			if err := it.richText(); err != nil {
				return fail(err)
			}
			s = it.item()
		}
		if it.long {
			t.spans = append(t.spans, span{tooLong, tooLong})
			continue
		}
		if len(t.arena)+len(s) > lim.SharedStringBytes {
			return fail(fmt.Errorf("%w: the shared strings hold more than %d bytes (limits: xlsx_shared_strings_bytes in the config file)", connector.ErrTooLarge, lim.SharedStringBytes))
		}
		start := uint32(len(t.arena))
		t.arena = append(t.arena, s...)
		t.spans = append(t.spans, span{start, uint32(len(t.arena))})
	}
}
