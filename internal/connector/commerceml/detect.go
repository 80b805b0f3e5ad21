package commerceml

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// detectHead is how much of a file detection reads: the registry's head size.
const detectHead = 4 << 10

// Bounds on detection's look into a package, so that detecting a large
// folder or archive stays quick.
const (
	detectEntries = 10_000 // directory entries walked
	detectFiles   = 32     // .xml files opened
)

// rootCP1251 is the root element's name in Windows-1251 bytes, as a file that
// declares that encoding has it.
var rootCP1251, _ = charmap.Windows1251.NewEncoder().Bytes([]byte(rootName))

// isCommerceML reports whether head starts a document whose root element is
// КоммерческаяИнформация (in any namespace), after a byte-order mark, the XML
// declaration, comments and a DOCTYPE.
func isCommerceML(head []byte) bool {
	b := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		var end []byte
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(b, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(b, []byte("<!")):
			end = []byte(">")
			if i, j := bytes.IndexByte(b, '['), bytes.IndexByte(b, '>'); i >= 0 && i < j {
				end = []byte("]>") // a DOCTYPE with an internal subset
			}
		case bytes.HasPrefix(b, []byte("<")):
			name := b[1:]
			if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
				name = name[:i]
			}
			if i := bytes.LastIndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			return string(name) == rootName || bytes.Equal(name, rootCP1251)
		default:
			return false
		}
		i := bytes.Index(b, end)
		if i < 0 {
			return false
		}
		b = b[i+len(end):]
	}
}

// readHead returns the first bytes of r.
func readHead(r io.Reader) []byte {
	buf := make([]byte, detectHead)
	n, _ := io.ReadFull(r, buf)
	return buf[:n]
}

// zipHoldsCommerceML reports whether a zip archive has a CommerceML document
// among its first .xml entries.
func zipHoldsCommerceML(p string) bool {
	z, err := zip.OpenReader(p)
	if err != nil {
		return false
	}
	defer z.Close()
	tried := 0
	for _, f := range z.File {
		if f.FileInfo().IsDir() || !isXMLName(f.Name) || connector.CheckZipEntry(f) != nil {
			continue
		}
		if tried++; tried > detectFiles {
			return false
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		head := readHead(rc)
		rc.Close()
		if isCommerceML(head) {
			return true
		}
	}
	return false
}

// errFound ends a directory walk early.
var errFound = fs.ErrExist

// dirHoldsCommerceML reports whether a folder (or a folder below it) has a
// CommerceML document.
func dirHoldsCommerceML(root string) bool {
	seen, tried := 0, 0
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fs.SkipDir
		}
		if seen++; seen > detectEntries || tried >= detectFiles {
			return fs.SkipAll
		}
		// Detection never opens a FIFO or a device (it would block) nor
		// follows a link; the read refuses them by name.
		if e.IsDir() || !isXMLName(p) || !e.Type().IsRegular() {
			return nil
		}
		tried++
		f, err := os.Open(p)
		if err != nil {
			return nil
		}
		head := readHead(f)
		f.Close()
		if isCommerceML(head) {
			return errFound
		}
		return nil
	})
	return err == errFound
}
