package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every runnable command gets a page, and the root page names the version and
// the commands operators look for.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir, "v9.9.9"); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"keycrm-sync.1", "keycrm-sync-push-stock.1", "keycrm-sync-pull-stock.1", "keycrm-sync-diff.1", "keycrm-sync-revert.1"} {
		if _, err := os.Stat(filepath.Join(dir, page)); err != nil {
			t.Errorf("no page %s: %v", page, err)
		}
	}
	root, err := os.ReadFile(filepath.Join(dir, "keycrm-sync.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH "KEYCRM-SYNC" "1"`, "keycrm-sync v9.9.9", "залишки"} {
		if !strings.Contains(string(root), want) {
			t.Errorf("keycrm-sync.1 lacks %q", want)
		}
	}
}
