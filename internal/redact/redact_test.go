package redact

import (
	"bytes"
	"fmt"
	"testing"
)

func TestWriterMasksSecrets(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Add("sk-live-123456")
	w.Add("ab") // too short to mask
	n, err := fmt.Fprintf(w, "key sk-live-123456 in %s; ab stays\n", "sk-live-123456")
	if err != nil {
		t.Fatal(err)
	}
	if n != len("key sk-live-123456 in sk-live-123456; ab stays\n") {
		t.Fatalf("n = %d", n)
	}
	if got, want := buf.String(), "key **** in ****; ab stays\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
