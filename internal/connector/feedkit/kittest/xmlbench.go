package kittest

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/xmlscan"
)

// BenchDirEnv names a directory where the XML benchmarks leave the documents
// they generate, for the Python baseline (bench/xml.sh) to read the same bytes.
const BenchDirEnv = "KEYCRM_SYNC_BENCH_DIR"

// XMLBaselines measures, over the same bytes as a reader benchmark, the
// floors it is quoted against in docs/performance.md: encoding/xml's RawToken
// walking every token (the reader's former engine, without its namespace and
// end-tag bookkeeping) and xmlscan alone. name is the file the bytes are
// saved as under $KEYCRM_SYNC_BENCH_DIR.
func XMLBaselines(b *testing.B, name string, data []byte) {
	if dir := os.Getenv(BenchDirEnv); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("RawToken", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu := StartCPU()
		for b.Loop() {
			d := xml.NewDecoder(bytes.NewReader(data))
			d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
			for {
				if _, err := d.RawToken(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
		cpu.Report(b, int64(len(data)))
	})
	b.Run("Scan", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu := StartCPU()
		for b.Loop() {
			s := xmlscan.New(bytes.NewReader(data), xmlscan.Options{})
			for {
				if _, err := s.Next(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
		cpu.Report(b, int64(len(data)))
	})
}
