//go:build unix

package commerceml

import (
	"archive/zip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// A folder package reads regular files only: a FIFO or a device named like a
// part would block the read (holding the lock) forever, and a symbolic link,
// to a file or to a folder of parts, may lead outside the package. Each is
// refused by name before anything is opened; the read must not hang, so it
// runs against a deadline.
func TestFolderRefusesSpecialFiles(t *testing.T) {
	imp, off := demoCML(nil).pair()
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "offers.xml"), off)
	for name, mk := range map[string]func(string) error{
		"goods/offers.xml": func(p string) error { return os.Symlink(filepath.Join(outside, "offers.xml"), p) },
		"goods/rests.xml":  func(p string) error { return syscall.Mkfifo(p, 0o600) },
		"goods/more":       func(p string) error { return os.Symlink(outside, p) },
	} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "import.xml"), imp)
		writeFile(t, filepath.Join(dir, "offers.xml"), off)
		if err := os.MkdirAll(filepath.Join(dir, "goods"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := mk(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		loc, err := connector.ParseLocation(dir)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			r, err := Format{}.Open(t.Context(), loc, demoOptions)
			if err == nil {
				err = r.Read(t.Context(), collect{&result{}})
				r.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, connector.ErrNotRegular) || !strings.Contains(err.Error(), filepath.FromSlash(name)) {
				t.Errorf("%s: err = %v, want it refused by name", name, err)
			}
		case <-time.After(10 * time.Second):
			// The FIFO has no writer: opening it blocks for good.
			t.Fatalf("%s: the read blocked", name)
		}
	}
}

// A symbolic link stored in a zip package is refused by name, not read as
// the path it holds.
func TestZipRefusesSymlink(t *testing.T) {
	imp, _ := demoCML(nil).pair()
	p := filepath.Join(t.TempDir(), "exchange.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{"import.xml": imp, "offers.xml": "/etc/passwd"} {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if name == "offers.xml" {
			h.SetMode(fs.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	res := readAll(t, p, demoOptions)
	if !errors.Is(res.err, connector.ErrNotRegular) || !strings.Contains(res.err.Error(), "offers.xml") || !strings.Contains(res.err.Error(), "symbolic link") {
		t.Errorf("err = %v, want offers.xml refused as a symbolic link", res.err)
	}
}
