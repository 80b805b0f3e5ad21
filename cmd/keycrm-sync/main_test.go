package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/keycrm-sync/keycrm-sync/internal/cli"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/lock"
	"github.com/keycrm-sync/keycrm-sync/internal/mockcli"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

var update = flag.Bool("update", false, "rewrite the cmp files of the scripts")

// testKey is the emulator key the scripts use; TestScripts fails if any output of
// any script contains it.
const testKey = "test-key-Zq8v3"

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"keycrm-sync": func() { os.Exit(mainGuardingKey()) },
		"keycrm-mock": func() { os.Exit(mockcli.Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar: the binary as a user runs it, against
// the emulator over real HTTP.
func TestScripts(t *testing.T) {
	root := testenv.ModuleRoot(t)
	fixtures := cmp.Or(os.Getenv(testenv.FixturesEnv), filepath.Join(root, "..", "shared", "fixtures"))
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join(root, "testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		// [fixtures] holds when the shared fixtures are there, and [mariadb] when
		// the database answers; both always hold under KEYCRM_SYNC_NO_SKIP, so
		// that CI fails on a missing dependency instead of skipping the script.
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "fixtures":
				_, err := os.Stat(fixtures)
				return err == nil || os.Getenv(testenv.NoSkipEnv) != "", nil
			case "mariadb":
				return mariaDBReachable(fixtures), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(e *testscript.Env) error {
			// No real KeyCRM settings may leak into a script.
			for _, k := range []string{"KEYCRM_API_URL", "KEYCRM_API_KEY", "KEYCRM_SYNC_PROFILE", "NO_COLOR"} {
				e.Setenv(k, "")
			}
			e.Setenv("HOME", filepath.Join(e.WorkDir, "home"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(e.WorkDir, "home", ".config"))
			e.Setenv("XDG_STATE_HOME", filepath.Join(e.WorkDir, "home", ".state"))
			e.Setenv("DEMO", filepath.Join(root, "testdata", "demo"))
			e.Setenv("ROOT", root)
			e.Setenv("FIXTURES", fixtures)
			e.Values[mockKey{}] = &mockHolder{}
			e.Values[shopDBKey{}] = map[string]*sql.DB{}
			e.Defer(func() {
				if s := e.Values[mockKey{}].(*mockHolder).server; s != nil {
					s.Close()
				}
			})
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mock":      cmdMock,
			"mockstat":  cmdMockStat,
			"mockdump":  cmdMockDump,
			"mockreset": cmdMockReset,
			"mockmark":  cmdMockMark,
			"exitcode":  cmdExitCode,
			"mockgen":   cmdMockGen,
			"genstock":  cmdGenStock,
			"planjson":  cmdPlanJSON,
			"holdlock":  cmdHoldLock,
			"lastrun":   cmdLastRun,
			"killedrun": cmdKilledRun,
			"genwide":   cmdGenWide,
			"genxlsx":   cmdGenXLSX,
			"shopdb":    cmdShopDB,
			"sql":       cmdSQL,
		},
	})
}

type mockKey struct{}

type mockHolder struct {
	server *httptest.Server
	mock   *keycrmmock.Server
	mark   keycrmmock.Stats // counts at the last mockmark
}

func holder(ts *testscript.TestScript) *mockHolder {
	return ts.Value(mockKey{}).(*mockHolder)
}

// mock SEED [--faults SPEC] [--fault-seed N] [--rate-limit N]
// starts an in-process emulator seeded from SEED (a file in the script's work
// directory or $DEMO/...), logging its requests to $WORK/mock.log, and points
// KEYCRM_API_URL and KEYCRM_API_KEY at it.
func cmdMock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mock SEED [--faults SPEC] [--fault-seed N] [--rate-limit N]")
	}
	st, err := keycrmmock.LoadSeed(ts.MkAbs(args[0]))
	ts.Check(err)
	// Like the keycrm-mock binary: KeyCRM's 60 a minute unless a script says
	// otherwise (--rate-limit 0 turns it off).
	opt := keycrmmock.Options{APIKey: testKey, RateLimit: 60}
	for i := 1; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--faults":
			opt.Faults, err = keycrmmock.ParseFaults(args[i+1])
			ts.Check(err)
		case "--fault-seed":
			opt.FaultSeed, err = strconv.ParseInt(args[i+1], 10, 64)
			ts.Check(err)
		case "--rate-limit":
			opt.RateLimit, err = strconv.Atoi(args[i+1])
			ts.Check(err)
		default:
			ts.Fatalf("mock: unknown option %s", args[i])
		}
	}
	h := holder(ts)
	if h.server != nil {
		h.server.Close()
	}
	// The emulator's request log goes to $WORK/mock.log, for scripts that check
	// which faults were injected.
	logFile, err := os.OpenFile(ts.MkAbs("mock.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	ts.Defer(func() { _ = logFile.Close() })
	var logMu sync.Mutex
	opt.Logf = func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(logFile, format+"\n", args...)
	}
	h.mock = keycrmmock.New(st, opt)
	h.server = httptest.NewServer(h.mock)
	h.mark = keycrmmock.Stats{}
	ts.Setenv("KEYCRM_API_URL", h.server.URL+"/v1")
	ts.Setenv("KEYCRM_API_KEY", testKey)
}

// mockstat requests N | ROUTE N | throttled N: since the last mockmark, the emulator
// saw exactly N requests (in all, on one route as "PUT /offers/stocks", or refused by
// its rate limit).
func cmdMockStat(ts *testscript.TestScript, neg bool, args []string) {
	h := holder(ts)
	if h.mock == nil || len(args) != 2 {
		ts.Fatalf("usage: mockstat requests|throttled|'METHOD /path' N (after mock)")
	}
	want, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	s := h.mock.Stats()
	var got int64
	switch args[0] {
	case "requests":
		got = s.Requests - h.mark.Requests
	case "throttled":
		got = s.Throttled - h.mark.Throttled
	default:
		got = s.ByRoute[args[0]] - h.mark.ByRoute[args[0]]
	}
	if (got == want) == neg {
		ts.Fatalf("mockstat %s: got %d, want %s%d (by route: %v)", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want, s.ByRoute)
	}
}

// mockdump FILE writes the emulator's state as JSON, for cmp.
func cmdMockDump(ts *testscript.TestScript, neg bool, args []string) {
	h := holder(ts)
	if neg || h.mock == nil || len(args) != 1 {
		ts.Fatalf("usage: mockdump FILE (after mock)")
	}
	b, err := json.MarshalIndent(h.mock.State(), "", "  ")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), append(b, '\n'), 0o644))
}

// mockmark starts counting requests afresh for mockstat; the state stays.
func cmdMockMark(ts *testscript.TestScript, neg bool, args []string) {
	h := holder(ts)
	if neg || h.mock == nil || len(args) != 0 {
		ts.Fatalf("usage: mockmark (after mock)")
	}
	h.mark = h.mock.Stats()
}

// mockreset puts the emulator back to its seed and zeroes its counters.
func cmdMockReset(ts *testscript.TestScript, neg bool, args []string) {
	h := holder(ts)
	if neg || h.mock == nil || len(args) != 0 {
		ts.Fatalf("usage: mockreset (after mock)")
	}
	h.mock.Reset()
	h.mark = keycrmmock.Stats{}
}

// exitcode N PROG ARGS... runs PROG and checks its exit status exactly; testscript's
// "! exec" only knows "non-zero", and codes 1 to 4 mean different things here.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		got = exit.ExitCode()
	default:
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// mainGuardingKey runs the CLI as the scripts' keycrm-sync with stdout and stderr
// passed through a check: if the emulator's key ever appears in either, the run
// exits 99 whatever it would have returned, so every script is also a leak test.
func mainGuardingKey() int {
	stdout, stderr := os.Stdout, os.Stderr
	leaked := make(chan bool, 2)
	pipe := func(dst *os.File) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		go func() {
			var seen bytes.Buffer
			_, _ = io.Copy(io.MultiWriter(dst, &seen), r)
			leaked <- bytes.Contains(seen.Bytes(), []byte(testKey))
		}()
		return w
	}
	os.Stdout, os.Stderr = pipe(stdout), pipe(stderr)
	code := cli.Main(os.Args[1:], iostreams.System(), cmdutil.BuildInfo{Version: "v0.0.0-test", Commit: "abc1234", Date: "2026-11-27"})
	_ = os.Stdout.Close()
	_ = os.Stderr.Close()
	outLeaked, errLeaked := <-leaked, <-leaked
	if outLeaked || errLeaked {
		fmt.Fprintln(stderr, "TEST FAILURE: the API key was printed")
		return 99
	}
	return code
}

// mockgen N [--rate-limit N] starts an emulator holding N one-offer products: offer
// id i+1, SKU G-%06d, quantity i%100 in warehouse 1.
func cmdMockGen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mockgen N [--rate-limit N]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	st := keycrmmock.State{Warehouses: []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}}}
	for i := range n {
		sku := fmt.Sprintf("G-%06d", i)
		st.Products = append(st.Products, keycrmmock.Product{ID: int64(i + 1), Name: sku, CurrencyCode: "UAH",
			Offers: []keycrmmock.Offer{{ID: int64(i + 1), SKU: &sku, Price: decimal.FromInt(100),
				Stock: map[string]keycrmmock.Stock{"1": {Quantity: decimal.FromInt(int64(i % 100))}}}}})
	}
	b, err := json.Marshal(st)
	ts.Check(err)
	seed := ts.MkAbs("mockgen-seed.json")
	ts.Check(os.WriteFile(seed, b, 0o644))
	cmdMock(ts, false, append([]string{seed}, args[1:]...))
}

// genstock FILE FROM N CHANGED writes a CSV of the SKUs G-FROM .. G-(FROM+N-1) of a
// mockgen catalogue with their quantity, the first CHANGED of them one higher.
func cmdGenStock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: genstock FILE FROM N CHANGED")
	}
	var b bytes.Buffer
	b.WriteString("sku,quantity\n")
	for _, r := range stockRows(ts, args[1:]) {
		fmt.Fprintf(&b, "%s,%d\n", r.sku, r.quantity)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b.Bytes(), 0o644))
}

type stockRow struct {
	sku      string
	quantity int
}

// stockRows are the rows genstock and genxlsx write, from FROM N CHANGED.
func stockRows(ts *testscript.TestScript, args []string) []stockRow {
	from, err := strconv.Atoi(args[0])
	ts.Check(err)
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	changed, err := strconv.Atoi(args[2])
	ts.Check(err)
	rows := make([]stockRow, 0, n)
	for i := from; i < from+n; i++ {
		q := i % 100
		if i-from < changed {
			q++
		}
		rows = append(rows, stockRow{fmt.Sprintf("G-%06d", i), q})
	}
	return rows
}

// genxlsx FILE FROM N CHANGED intact|flip|cut writes genstock's rows as an XLSX
// workbook: intact; with one byte of the deflated sheet flipped at 95% of it (the
// damage excelize read as a shorter sheet); or with the sheet's XML cut after the
// row at 95%, before </sheetData>, in an intact ZIP entry.
func cmdGenXLSX(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: genxlsx FILE FROM N CHANGED intact|flip|cut")
	}
	const sheetPart = "xl/worksheets/sheet1.xml"
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	sheet.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c><c r="B1" t="inlineStr"><is><t>quantity</t></is></c></row>`)
	rows := stockRows(ts, args[1:4])
	for i, r := range rows {
		if args[4] == "cut" && i == len(rows)*95/100 {
			break
		}
		fmt.Fprintf(&sheet, `<row r="%[1]d"><c r="A%[1]d" t="inlineStr"><is><t>%[2]s</t></is></c><c r="B%[1]d"><v>%[3]d</v></c></row>`, i+2, r.sku, r.quantity)
	}
	if args[4] != "cut" {
		sheet.WriteString(`</sheetData></worksheet>`)
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/` + sheetPart + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Залишки" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{sheetPart, sheet.String()},
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := z.Create(p.name)
		ts.Check(err)
		_, err = io.WriteString(w, p.body)
		ts.Check(err)
	}
	ts.Check(z.Close())
	b := buf.Bytes()
	switch args[4] {
	case "flip":
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		ts.Check(err)
		f := zr.File[len(zr.File)-1]
		off, err := f.DataOffset()
		ts.Check(err)
		b[off+int64(f.CompressedSize64)*95/100] ^= 0x20
	case "intact", "cut":
	default:
		ts.Fatalf("genxlsx: intact, flip or cut, not %s", args[4])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
}

// planjson checks that stdout is one JSON document valid against
// docs/plan-schema.json, the plan's contract shape.
func cmdPlanJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: planjson")
	}
	schema := planSchema(ts)
	var v any
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile("stdout")))
	ts.Check(dec.Decode(&v))
	if dec.More() {
		ts.Fatalf("stdout holds more than one JSON document")
	}
	if err := schema.VisitJSON(v); err != nil {
		ts.Fatalf("the plan breaks docs/plan-schema.json: %v", err)
	}
}

func planSchema(ts *testscript.TestScript) *openapi3.Schema {
	b, err := os.ReadFile(filepath.Join(ts.Getenv("ROOT"), "docs", "plan-schema.json"))
	ts.Check(err)
	var s openapi3.Schema
	ts.Check(json.Unmarshal(b, &s))
	return &s
}

// holdlock takes the state directory's lock in this (the test) process until the
// script ends, to show that a second writer is refused.
func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: holdlock")
	}
	l, err := lock.Acquire(filepath.Join(ts.Getenv("XDG_STATE_HOME"), "keycrm-sync"))
	ts.Check(err)
	ts.Defer(func() { _ = l.Release() })
}

// lastrun VAR sets $VAR to the id of the newest journaled run.
func cmdLastRun(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: lastrun VAR")
	}
	runs, err := journal.List(filepath.Join(ts.Getenv("XDG_STATE_HOME"), "keycrm-sync"))
	ts.Check(err)
	if len(runs) == 0 {
		ts.Fatalf("lastrun: no run journaled")
	}
	ts.Setenv(args[0], runs[0].RunID)
}

// killedrun RUN_ID cuts the run's journal after its last "sending" record: what a
// run killed while waiting for a write's answer leaves behind.
func cmdKilledRun(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: killedrun RUN_ID")
	}
	path := filepath.Join(ts.Getenv("XDG_STATE_HOME"), "keycrm-sync", "runs", args[0]+".jsonl")
	b, err := os.ReadFile(path)
	ts.Check(err)
	lines := strings.SplitAfter(string(b), "\n")
	last := -1
	for i, l := range lines {
		if strings.HasPrefix(l, `{"type":"sending"`) {
			last = i
		}
	}
	if last < 0 {
		ts.Fatalf("killedrun: run %s sent no batch", args[0])
	}
	ts.Check(os.WriteFile(path, []byte(strings.Join(lines[:last+1], "")), 0o600))
}

// genwide FILE columns N | FILE line BYTES writes a CSV with a header row of N
// columns, or with one data line of BYTES bytes, to show such files are refused
// with bounded memory.
func cmdGenWide(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: genwide FILE columns N | FILE line BYTES")
	}
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	w := bufio.NewWriter(f)
	switch args[1] {
	case "columns":
		w.WriteString("sku,quantity")
		for i := 2; i < n; i++ {
			fmt.Fprintf(w, ",c%d", i)
		}
		w.WriteString("\nA-1,1\n")
	case "line":
		w.WriteString("sku,quantity\nA-1,")
		for i := 0; i < n; i++ {
			w.WriteByte('9')
		}
		w.WriteString("\n")
	default:
		ts.Fatalf("genwide: columns or line, not %s", args[1])
	}
	ts.Check(w.Flush())
}
