package csv

import (
	"bytes"
	"fmt"
	"io"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// splitter cuts delimited text into records without allocating per record:
// fields are slices of its buffer (or of a scratch buffer when "" escapes had
// to be undone), valid until the next call. encoding/csv allocates a string
// per record and cannot bound a record's size before reading it; this one
// refuses a record longer than connector.MaxRecordBytes or wider than
// connector.MaxColumns while holding at most about that much.
type splitter struct {
	src     io.Reader
	buf     []byte
	r, w    int
	eof     bool
	err     error
	comma   byte
	nl      byte // '\n', or '\r' for files with bare CR line ends (old Mac Excel)
	line    int  // the line of buf[r]
	fields  [][]byte
	scratch []byte
}

const (
	initialBuffer = 64 << 10
	maxBuffer     = connector.MaxRecordBytes + initialBuffer
	// sniffSize is how much text delimiter detection wants to look at.
	sniffSize = 32 << 10
)

func newSplitter(src io.Reader) *splitter {
	return &splitter{src: src, buf: make([]byte, initialBuffer), comma: ',', nl: '\n', line: 1}
}

// fill compacts the buffer, grows it when full, and reads more input.
func (s *splitter) fill() error {
	if s.err != nil {
		return s.err
	}
	if s.r > 0 {
		copy(s.buf, s.buf[s.r:s.w])
		s.w -= s.r
		s.r = 0
	}
	if s.w == len(s.buf) {
		grown := make([]byte, min(2*len(s.buf), maxBuffer))
		copy(grown, s.buf[:s.w])
		s.buf = grown
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		if err == io.EOF {
			s.eof = true
			return nil
		}
		if err != nil {
			s.err = err
			return err
		}
		if n > 0 {
			return nil
		}
	}
	s.err = io.ErrNoProgress
	return s.err
}

// prime reads until there is enough text to detect the delimiter.
func (s *splitter) prime() error {
	for !s.eof && s.w-s.r < sniffSize {
		if err := s.fill(); err != nil {
			return err
		}
	}
	return nil
}

// recordError is a record that cannot be split; the reader adds the file name.
type recordError struct {
	line int
	err  error
}

func (e *recordError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *recordError) Unwrap() error { return e.err }

// next returns the next record, the line it starts on, and whether a line
// terminator ended it (only the last record of a file may lack one). It
// returns io.EOF after the last record.
func (s *splitter) next() (fields [][]byte, line int, terminated bool, err error) {
	for {
		if s.r == s.w {
			if s.eof {
				return nil, 0, false, io.EOF
			}
			if err := s.fill(); err != nil {
				return nil, 0, false, err
			}
			continue
		}
		fields, used, lines, terminated, err := s.split(s.buf[s.r:s.w], s.eof)
		if err != nil {
			return nil, 0, false, &recordError{line: s.line, err: err}
		}
		if fields != nil {
			line = s.line
			s.r += used
			s.line += lines
			return fields, line, terminated, nil
		}
		if s.w-s.r >= connector.MaxRecordBytes {
			return nil, 0, false, &recordError{line: s.line, err: fmt.Errorf("%w: longer than %d bytes", connector.ErrTooLarge, connector.MaxRecordBytes)}
		}
		if err := s.fill(); err != nil {
			return nil, 0, false, err
		}
	}
}

// split reads one record from data; nil fields (and no error) means the record
// may continue past data, so more input is needed.
func (s *splitter) split(data []byte, atEOF bool) (fields [][]byte, used, lines int, terminated bool, err error) {
	end := bytes.IndexByte(data, s.nl)
	if end < 0 && !atEOF {
		return nil, 0, 0, false, nil
	}
	terminated = end >= 0
	if !terminated {
		end = len(data)
	}
	line := data[:end]
	if bytes.IndexByte(line, '"') >= 0 {
		return s.splitQuoted(data, atEOF)
	}
	// The fast path: a line without quotes is one record.
	used = end
	if terminated {
		used++
	}
	if s.nl == '\n' && len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	fields = s.fields[:0]
	for {
		i := bytes.IndexByte(line, s.comma)
		if i < 0 {
			fields = append(fields, line)
			break
		}
		fields = append(fields, line[:i])
		line = line[i+1:]
		if len(fields) >= connector.MaxColumns {
			return nil, 0, 0, false, errTooWide
		}
	}
	s.fields = fields
	return fields, used, 1, terminated, nil
}

var errTooWide = fmt.Errorf("%w: more than %d columns", connector.ErrTooLarge, connector.MaxColumns)

// splitQuoted reads a record holding quotes: a field starting with '"' runs to
// the next lone '"', may span lines, and has "" for a quote. Text after a
// closing quote and before the delimiter is kept (Excel writes such fields
// only when a file was edited by hand; refusing them helps nobody).
func (s *splitter) splitQuoted(data []byte, atEOF bool) (fields [][]byte, used, lines int, terminated bool, err error) {
	fields = s.fields[:0]
	s.scratch = s.scratch[:0]
	pos := 0
	for {
		var field []byte
		if pos < len(data) && data[pos] == '"' {
			start := len(s.scratch)
			copied := false
			seg := pos + 1
			j := seg
			for {
				k := bytes.IndexByte(data[j:], '"')
				if k < 0 {
					if atEOF {
						return nil, 0, 0, false, connector.ErrTruncated
					}
					return nil, 0, 0, false, nil
				}
				q := j + k
				if q+1 == len(data) && !atEOF {
					return nil, 0, 0, false, nil // is it "" or the end? more input decides
				}
				if q+1 < len(data) && data[q+1] == '"' {
					s.scratch = append(s.scratch, data[seg:q+1]...)
					copied = true
					j = q + 2
					seg = j
					continue
				}
				lines += bytes.Count(data[pos:q], []byte{s.nl})
				if copied {
					s.scratch = append(s.scratch, data[seg:q]...)
					field = s.scratch[start:]
				} else {
					field = data[pos+1 : q]
				}
				pos = q + 1
				break
			}
			// Stray text between the closing quote and the delimiter.
			k := s.indexEnd(data[pos:])
			if k < 0 && !atEOF {
				return nil, 0, 0, false, nil
			}
			if k < 0 {
				k = len(data) - pos
			}
			if stray := s.trimCR(data[pos:pos+k], pos+k, data); len(stray) > 0 {
				s.scratch = append(append(s.scratch, field...), stray...)
				field = s.scratch[len(s.scratch)-len(field)-len(stray):]
			}
			pos += k
		} else {
			k := s.indexEnd(data[pos:])
			if k < 0 && !atEOF {
				return nil, 0, 0, false, nil
			}
			if k < 0 {
				k = len(data) - pos
			}
			field = s.trimCR(data[pos:pos+k], pos+k, data)
			pos += k
		}
		fields = append(fields, field)
		if len(fields) > connector.MaxColumns {
			return nil, 0, 0, false, errTooWide
		}
		if pos == len(data) { // only at EOF: the last record has no terminator
			s.fields = fields
			return fields, pos, lines + 1, false, nil
		}
		if data[pos] == s.comma {
			pos++
			if pos == len(data) && !atEOF {
				return nil, 0, 0, false, nil
			}
			if pos == len(data) {
				fields = append(fields, data[pos:])
				s.fields = fields
				return fields, pos, lines + 1, false, nil
			}
			continue
		}
		// data[pos] is the line terminator.
		s.fields = fields
		return fields, pos + 1, lines + 1, true, nil
	}
}

// indexEnd finds the end of an unquoted field: the delimiter or the line end.
func (s *splitter) indexEnd(b []byte) int {
	for i, c := range b {
		if c == s.comma || c == s.nl {
			return i
		}
	}
	return -1
}

// trimCR drops the '\r' of a CRLF that ends the record at end (or of a CR
// that ends the file).
func (s *splitter) trimCR(field []byte, end int, data []byte) []byte {
	if s.nl == '\n' && len(field) > 0 && field[len(field)-1] == '\r' && (end == len(data) || data[end] == '\n') {
		return field[:len(field)-1]
	}
	return field
}
