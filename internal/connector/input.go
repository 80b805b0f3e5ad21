package connector

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// headSize is how much of a file Detect and Input.Head see: enough for an XML
// declaration, a DOCTYPE and the root element.
const headSize = 4 << 10

// Input is a file or standard input as a format reads it: streamed, counted
// for ReadOptions.Progress, and hashed for SourceInfo.SHA256 — every format
// opens its bytes through here, so every source reports the same digest of the
// same bytes.
type Input struct {
	name     string
	f        *os.File
	src      io.Reader
	sum      hash.Hash
	done     int64
	total    int64
	progress func(done, total int64)
	head     []byte
	headRead bool
	headPos  int
}

// OpenInput opens a file location, or standard input (opt.Stdin) for "-".
func OpenInput(loc Location, opt ReadOptions) (*Input, error) {
	in := &Input{name: loc.String(), sum: sha256.New(), total: -1, progress: opt.Progress}
	switch loc.Kind {
	case KindStdin:
		if opt.Stdin == nil {
			return nil, errors.New("read -: no standard input")
		}
		in.src = opt.Stdin
	case KindFile:
		f, err := os.Open(loc.Path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
		if fi.IsDir() {
			f.Close()
			return nil, fmt.Errorf("read %s: is a directory", loc)
		}
		in.f, in.src, in.total = f, f, fi.Size()
	default:
		return nil, fmt.Errorf("read %s: not a file", loc)
	}
	return in, nil
}

// Name is the location as problems and messages name it.
func (in *Input) Name() string { return in.name }

// Size is the file's size, or -1 for standard input.
func (in *Input) Size() int64 { return in.total }

// Head returns up to the first 4 KiB without consuming them: Read still
// returns them first.
func (in *Input) Head() ([]byte, error) {
	if !in.headRead {
		in.headRead = true
		buf := make([]byte, headSize)
		n, err := io.ReadFull(in.src, buf)
		in.account(buf[:n])
		in.head = buf[:n]
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return in.head, fmt.Errorf("read %s: %w", in.name, err)
		}
	}
	return in.head[in.headPos:], nil
}

// Read reads the source, counting and hashing what it returns.
func (in *Input) Read(p []byte) (int, error) {
	if in.headPos < len(in.head) {
		n := copy(p, in.head[in.headPos:])
		in.headPos += n
		return n, nil
	}
	n, err := in.src.Read(p)
	in.account(p[:n])
	return n, err
}

func (in *Input) account(b []byte) {
	if len(b) == 0 {
		return
	}
	in.sum.Write(b)
	in.done += int64(len(b))
	if in.progress != nil {
		in.progress(in.done, in.total)
	}
}

// Drain reads the rest of the input, so that SHA256 covers all of it.
func (in *Input) Drain() error {
	_, err := io.Copy(io.Discard, in)
	return err
}

// SHA256 is the hex digest of the bytes read so far.
func (in *Input) SHA256() string { return hex.EncodeToString(in.sum.Sum(nil)) }

// Close closes the file; standard input is left open.
func (in *Input) Close() error {
	if in.f == nil {
		return nil
	}
	err := in.f.Close()
	in.f = nil
	return err
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// CheckText refuses a spreadsheet or archive given to a text format, with a
// message that says what the file is, rather than a decoding error about a
// NUL byte.
func CheckText(head []byte) error {
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return fmt.Errorf("%w: it is a ZIP archive (an .xlsx workbook?); name it .xlsx or pass --format xlsx", ErrNotText)
	case bytes.HasPrefix(head, oleMagic):
		return fmt.Errorf("%w: it is an Excel 97-2003 workbook; save it as .xlsx", ErrNotText)
	}
	return nil
}

// IsZip reports whether head starts like a ZIP archive (XLSX, a CommerceML
// package).
func IsZip(head []byte) bool { return bytes.HasPrefix(head, zipMagic) }

// IsOLE reports whether head starts like an OLE compound file (.xls, and
// encrypted .xlsx workbooks).
func IsOLE(head []byte) bool { return bytes.HasPrefix(head, oleMagic) }

// TextHead is how every text format starts reading: the context still alive, the
// first bytes of the input, and those bytes checked to be text rather than a
// spreadsheet, an archive or binary data (errors name the input).
func (in *Input) TextHead(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	head, err := in.Head()
	if err != nil {
		return nil, err
	}
	if err := CheckText(head); err != nil {
		return nil, fmt.Errorf("read %s: %w", in.Name(), err)
	}
	return head, nil
}

// PackageDigest is the SHA-256 of a folder or zip package (cli.md section 8): the
// digest of its files' hex digests, sorted, one per line. It does not depend on the
// order the files were read in.
func PackageDigest(fileDigests []string) string {
	sorted := slices.Clone(fileDigests)
	slices.Sort(sorted)
	h := sha256.New()
	for _, d := range sorted {
		io.WriteString(h, d+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// XMLRoot returns the root element of the document whose first bytes are head,
// for Detect; false when head holds no complete start tag.
func XMLRoot(head []byte) (xml.StartElement, bool) {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})))
	d.Strict = false
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Copy(), true
		}
	}
}

// ErrNotRegular: a folder or zip package holds something other than a regular
// file where a file would be read.
var ErrNotRegular = errors.New("not a regular file")

// CheckFolderEntry refuses an entry of a folder source that is not a regular
// file, before it is opened: a FIFO or a device can block the read forever
// while the run holds the lock, and a symbolic link can lead anywhere outside
// the folder. Directories are the caller's to skip or walk.
func CheckFolderEntry(dir string, e fs.DirEntry) error {
	if e.IsDir() || e.Type().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s: %w: %s", filepath.Join(dir, e.Name()), ErrNotRegular, describeMode(e.Type()))
}

// CheckZipEntry refuses a symbolic link stored in a zip package: its content
// is a path, and following it would read outside the package.
func CheckZipEntry(f *zip.File) error {
	if m := f.Mode(); m&fs.ModeType != 0 && !m.IsDir() {
		return fmt.Errorf("%s: %w: %s", f.Name, ErrNotRegular, describeMode(m))
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link, which is not followed; copy the file it points to into its place"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO), which is not read"
	case m&fs.ModeDevice != 0:
		return "a device, which is not read"
	case m&fs.ModeSocket != 0:
		return "a socket, which is not read"
	}
	return "not a regular file, so it is not read"
}
