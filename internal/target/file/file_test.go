package file

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/filetarget"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// A write cut off (a signal, a cancelled context) leaves the old file as it was, and
// Refused says the batch applied nothing; Keep and Restore put a file back byte for
// byte.
func TestInterruptedWriteLeavesTheOldFile(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "stock.csv")
	old := []byte("sku,quantity\nA-1,3\n")
	if err := os.WriteFile(dst, old, 0o644); err != nil {
		t.Fatal(err)
	}
	f := New(dst, "", filetarget.Options{}, nil, []filetarget.Row{{SKU: "A-1", Quantity: decimal.FromInt(7)}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.Write(ctx, target.Batch{})
	if _, all := f.Refused(err, target.Batch{}); err == nil || !all {
		t.Fatalf("write under a cancelled context: %v", err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, old) {
		t.Fatalf("old file changed:\n%s", b)
	}

	var kept bytes.Buffer
	if err := f.Keep(&kept); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(context.Background(), target.Batch{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Restore(context.Background(), &kept); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, old) {
		t.Fatalf("restored file:\n%s", b)
	}
	if err := f.Restore(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, exists, err := f.Size(); exists || err != nil {
		t.Fatalf("a file the run created is removed by revert: exists %v, %v", exists, err)
	}
}
