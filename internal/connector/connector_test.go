package connector

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

func TestParseLocation(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		in     string
		kind   Kind
		ext    string
		scheme string
		str    string
	}{
		{"stock.csv", KindFile, "csv", "", "stock.csv"},
		{"data/Залишки.XLSX", KindFile, "xlsx", "", "data/Залишки.XLSX"},
		{"prices.tsv", KindFile, "tsv", "", "prices.tsv"},
		{"feed.xml", KindFile, "xml", "", "feed.xml"},
		{"exchange.zip", KindFile, "zip", "", "exchange.zip"},
		{"report.json", KindFile, "json", "", "report.json"},
		{"stock.ndjson", KindFile, "ndjson", "", "stock.ndjson"},
		{"old.xls", KindFile, "xls", "", "old.xls"},
		{`C:\1c\stock.csv`, KindFile, "csv", "", `C:\1c\stock.csv`},
		{"file:///srv/stock.csv", KindFile, "csv", "", "/srv/stock.csv"},
		{"-", KindStdin, "", "", "-"},
		{dir, KindDir, "", "", dir},
		{"/srv/1c/exchange/", KindDir, "", "", "/srv/1c/exchange/"},
		{"woocommerce://shop:s3cr%40t@db.local:3306/wp?prefix=FzNj9tB_", KindURL, "", "woocommerce", "woocommerce://shop:****@db.local:3306/wp?prefix=FzNj9tB_"},
		{"opencart://oc:pw123@127.0.0.1/shop?prefix=oc_&key=model", KindURL, "", "opencart", "opencart://oc:****@127.0.0.1/shop?key=model&prefix=oc_"},
		{"prestashop://ps@db/ps?prefix=ps_&shop=1", KindURL, "", "prestashop", "prestashop://ps@db/ps?prefix=ps_&shop=1"},
		{"MySQL://root:toor@localhost/erp", KindURL, "", "mysql", "mysql://root:****@localhost/erp"},
		{"postgres://erp@db:5432/erp?sslmode=disable&password=hunter22", KindURL, "", "postgres", "postgres://erp@db:5432/erp?password=****&sslmode=disable"},
		{"postgresql://u:p@db/erp", KindURL, "", "postgresql", "postgresql://u:****@db/erp"},
	}
	for _, tt := range tests {
		loc, err := ParseLocation(tt.in)
		if err != nil {
			t.Errorf("ParseLocation(%q): %v", tt.in, err)
			continue
		}
		if loc.Kind != tt.kind || loc.Ext != tt.ext || loc.Scheme != tt.scheme || loc.String() != tt.str {
			t.Errorf("ParseLocation(%q) = kind %d ext %q scheme %q %q; want %d %q %q %q", tt.in, loc.Kind, loc.Ext, loc.Scheme, loc.String(), tt.kind, tt.ext, tt.scheme, tt.str)
		}
		// No way of printing a Location shows the password.
		j, _ := json.Marshal(struct{ L Location }{loc})
		for _, s := range []string{fmt.Sprint(loc), fmt.Sprintf("%v %s %+v", loc, loc, loc), string(j)} {
			for _, secret := range []string{"s3cr", "pw123", "toor", "hunter22"} {
				if strings.Contains(s, secret) {
					t.Errorf("%q printed as %q", tt.in, s)
				}
			}
		}
	}
	for _, in := range []string{"", "ftp://host/stock.csv", "https://shop/feed.xml", "mysql://u:p@ss w@/db", "mysql:///db"} {
		if _, err := ParseLocation(in); err == nil {
			t.Errorf("ParseLocation(%q) accepted", in)
		} else if strings.Contains(err.Error(), "p@ss") {
			t.Errorf("ParseLocation(%q) error leaks the password: %v", in, err)
		}
	}
}

func TestLocationURL(t *testing.T) {
	loc, err := ParseLocation("woocommerce://shop@db:3306/wp?prefix=wp_")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(DBPasswordEnv, "from-env")
	if pw, _ := loc.URL().User.Password(); pw != "from-env" {
		t.Errorf("password %q, want the one from %s", pw, DBPasswordEnv)
	}
	if strings.Contains(loc.String(), "from-env") {
		t.Errorf("String() = %q", loc.String())
	}
	loc, _ = ParseLocation("mysql://u:in-url@db/erp")
	if pw, _ := loc.URL().User.Password(); pw != "in-url" {
		t.Errorf("password %q, want the URL's", pw)
	}
	if loc, _ := ParseLocation("stock.csv"); loc.URL() != nil {
		t.Error("a file has a URL")
	}
}

func TestInput(t *testing.T) {
	data := []byte(strings.Repeat("sku;qty\nA;1\n", 1000))
	p := filepath.Join(t.TempDir(), "stock.csv")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	loc, _ := ParseLocation(p)
	var last [2]int64
	in, err := OpenInput(loc, ReadOptions{Progress: func(done, total int64) { last = [2]int64{done, total} }})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	head, err := in.Head()
	if err != nil || string(head) != string(data[:headSize]) {
		t.Fatalf("Head() = %d bytes, %v", len(head), err)
	}
	got, err := io.ReadAll(in)
	if err != nil || string(got) != string(data) {
		t.Fatalf("Read after Head: %d bytes, %v", len(got), err)
	}
	sum := sha256.Sum256(data)
	if in.SHA256() != hex.EncodeToString(sum[:]) || last != [2]int64{int64(len(data)), int64(len(data))} || in.Size() != int64(len(data)) {
		t.Errorf("digest %s progress %v", in.SHA256(), last)
	}

	if _, err := OpenInput(Location{Kind: KindStdin}, ReadOptions{}); err == nil {
		t.Error("stdin without a reader opened")
	}
	dir, _ := ParseLocation(t.TempDir())
	if _, err := OpenInput(dir, ReadOptions{}); err == nil {
		t.Error("a directory opened as input")
	}
	missing, _ := ParseLocation(filepath.Join(t.TempDir(), "missing.csv"))
	if _, err := OpenInput(missing, ReadOptions{}); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCheckText(t *testing.T) {
	if err := CheckText([]byte("sku;qty")); err != nil {
		t.Error(err)
	}
	for _, head := range []string{"PK\x03\x04rest", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"} {
		if err := CheckText([]byte(head)); !errors.Is(err, ErrNotText) {
			t.Errorf("CheckText(%q) = %v", head, err)
		}
	}
}

func TestCheckOptions(t *testing.T) {
	if err := CheckOptions("csv", ReadOptions{Encoding: "cp1251", Mapping: map[string]string{"sku": "A"}}, "--encoding", "--map"); err != nil {
		t.Error(err)
	}
	if err := CheckOptions("csv", ReadOptions{Key: "code"}, "--encoding"); err == nil || !strings.Contains(err.Error(), "--key does not apply to csv sources; choose the SKU column with --map sku=HEADER") {
		t.Errorf("err = %v", err)
	}
	if err := CheckOptions("jsonl", ReadOptions{Sheet: "Price"}); err == nil || !strings.Contains(err.Error(), "--sheet") {
		t.Errorf("err = %v", err)
	}
	// The config file's mapping describes the usual (tabular) source; a
	// CommerceML run with it must work, while --map itself is still refused.
	mapping := map[string]string{"quantity": "Залишок"}
	if err := CheckOptions("commerceml", ReadOptions{Mapping: mapping, MapFromConfig: true}, "--key"); err != nil {
		t.Errorf("config mapping refused: %v", err)
	}
	if err := CheckOptions("commerceml", ReadOptions{Mapping: mapping}, "--key"); err == nil || !strings.Contains(err.Error(), "--map does not apply to commerceml") {
		t.Errorf("--map: err = %v", err)
	}
}

// fake is a format detected by a predicate.
type fake struct {
	name   string
	detect func(Location, []byte) bool
}

func (f fake) Name() string                          { return f.name }
func (f fake) Detect(loc Location, head []byte) bool { return f.detect(loc, head) }
func (f fake) Open(context.Context, Location, ReadOptions) (Reader, error) {
	return nil, errors.New("opened " + f.name)
}

var _ Format = fake{}

func TestRegistryDetect(t *testing.T) {
	p := filepath.Join(t.TempDir(), "feed.xml")
	if err := os.WriteFile(p, []byte("\ufeff<?xml version=\"1.0\"?>\n<yml_catalog date=\"2025-01-01\">"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(
		fake{"commerceml", func(l Location, h []byte) bool {
			return l.Ext == "xml" && strings.Contains(string(h), "<КоммерческаяИнформация")
		}},
		fake{"yml", func(l Location, h []byte) bool { return l.Ext == "xml" && strings.Contains(string(h), "<yml_catalog") }},
		fake{"woocommerce", func(l Location, _ []byte) bool { return l.Scheme == "woocommerce" }},
	)
	for loc, want := range map[string]string{p: "opened yml", "woocommerce://u:p@h/db": "opened woocommerce"} {
		if _, err := r.Open(context.Background(), loc, ReadOptions{}); err == nil || err.Error() != want {
			t.Errorf("Open(%q) = %v, want %q", loc, err, want)
		}
	}
	if _, err := r.Open(context.Background(), p, ReadOptions{Format: "commerceml"}); err == nil || err.Error() != "opened commerceml" {
		t.Errorf("--format: %v", err)
	}
	if f, ok := r.Lookup("yml"); !ok || f.Name() != "yml" || len(r.Formats()) != 3 {
		t.Error("Lookup/Formats")
	}
	if _, err := r.Open(context.Background(), "", ReadOptions{}); err == nil {
		t.Error("empty location opened")
	}
}

func TestXMLRoot(t *testing.T) {
	root, ok := XMLRoot([]byte("\ufeff<?xml version=\"1.0\"?>\n<!DOCTYPE x SYSTEM \"x.dtd\">\n<!-- c --><?pi x?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\" version=\"2.0\">"))
	if !ok || root.Name.Local != "rss" || len(root.Attr) != 2 {
		t.Errorf("Root = %+v, %v", root, ok)
	}
	for _, head := range []string{"", "<?xml version=\"1.0\"?>", "<!-- unterminated", "not xml at all"} {
		if root, ok := XMLRoot([]byte(head)); ok {
			t.Errorf("XMLRoot(%q) = %+v", head, root)
		}
	}
}

// A missing path says so in the same words whatever it looks like, rather
// than "no format reads .zip files" for a mistyped package name.
func TestRegistryMissingPath(t *testing.T) {
	dir := t.TempDir()
	r := NewRegistry(fake{"csv", func(l Location, _ []byte) bool { return l.Ext == "csv" }})
	for _, name := range []string{"stock.csv", "exchange.zip", "exchange/", "stock", "feed.xml"} {
		loc := filepath.Join(dir, name)
		_, err := r.Open(context.Background(), loc, ReadOptions{})
		if err == nil || !errors.Is(err, fs.ErrNotExist) || err.Error() != "read "+loc+": no such file or directory" {
			t.Errorf("Open(%q) = %v", name, err)
		}
	}
	p := filepath.Join(dir, "stock.foo")
	if err := os.WriteFile(p, []byte("sku\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := r.Open(context.Background(), p, ReadOptions{})
	if err == nil || !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "known formats: csv") || !strings.Contains(err.Error(), "--format") {
		t.Errorf("unknown extension: %v", err)
	}
}

// An empty file, of any format, is a source without items: the empty-source
// guard refuses it as it refuses empty standard input.
func TestRegistryEmptyFile(t *testing.T) {
	dir := t.TempDir()
	r := NewRegistry(
		fake{"csv", func(l Location, _ []byte) bool { return l.Ext == "csv" }},
		fake{"yml", func(l Location, h []byte) bool { return l.Ext == "xml" && len(h) > 0 }},
	)
	for name, format := range map[string]string{"stock.csv": "csv", "feed.xml": "xml", "odd.foo": ""} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		rd, err := r.Open(context.Background(), p, ReadOptions{})
		if format == "" {
			if !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("%s: err %v, want an unknown format", name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var sink countSink
		if err := rd.Read(context.Background(), &sink); err != nil || sink != (countSink{}) {
			t.Errorf("%s: read %v, %+v; want nothing", name, err, sink)
		}
		sum := sha256.Sum256(nil)
		if info := rd.Info(); info.Format != format || info.SHA256 != hex.EncodeToString(sum[:]) || len(info.Notes) != 1 {
			t.Errorf("%s: info %+v", name, info)
		}
	}
}

type countSink struct{ items, problems int }

func (c *countSink) Item(*catalog.Item) error { c.items++; return nil }
func (c *countSink) Problem(catalog.Problem)  { c.problems++ }

func TestCheckZipEntry(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, mode := range map[string]fs.FileMode{"import.xml": 0o644, "offers.xml": fs.ModeSymlink | 0o777, "sub/": fs.ModeDir | 0o755} {
		h := &zip.FileHeader{Name: name}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if mode.IsRegular() || mode&fs.ModeSymlink != 0 {
			io.WriteString(w, "/etc/passwd")
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		err := CheckZipEntry(f)
		if refused := f.Name == "offers.xml"; refused != errors.Is(err, ErrNotRegular) || refused && !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
}
