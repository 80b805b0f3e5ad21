//go:build unix

package moysklad

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

// A folder source reads regular files only: a FIFO would block the read (and
// hold the lock) forever, and a symbolic link may lead outside the folder.
func TestFolderRefusesOtherFiles(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.json")
	kittest.Write(t, filepath.Dir(outside), "secret.json", []byte(`{"rows":[{"article":"A","stock":1}]}`))
	for name, make := range map[string]func(string) error{
		"link.json": func(p string) error { return os.Symlink(outside, p) },
		"fifo.json": func(p string) error { return syscall.Mkfifo(p, 0o600) },
	} {
		dir := folder(t, nil, map[string]string{"a.json": `{"rows":[{"article":"B","stock":2}]}`})
		if err := make(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		loc, _ := connector.ParseLocation(dir)
		_, err := (Format{}).Open(t.Context(), loc, connector.ReadOptions{})
		if !errors.Is(err, connector.ErrNotRegular) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want it refused by name", name, err)
		}
	}
}
