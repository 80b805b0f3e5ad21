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

func TestWriterMasksFragmentsAndEscapes(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Add("kc-7f3a9e21/SECRET+d41d8cd98f00")
	fmt.Fprintln(w, `error: 400 bad header Bearer kc-7f3a9e21\/SECRET…`)
	fmt.Fprintln(w, "url kc-7f3a9e21%2FSECRET%2Bd41d8cd98f00 done")
	want := "error: 400 bad header Bearer ****…\nurl **** done\n"
	if got := buf.String(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
