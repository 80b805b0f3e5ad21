package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// planNames are the plans package plan pins as JSON golden files; rendering them here
// keeps the two packages' golden files about the same plans.
var planNames = []string{"push-stock", "diff", "diff-against", "applied"}

func planPath(name string) string {
	return filepath.Join("..", "plan", "testdata", name+".json")
}

func loadPlan(t *testing.T, name string) *plan.Plan {
	t.Helper()
	b, err := os.ReadFile(planPath(name))
	if err != nil {
		t.Fatal(err)
	}
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

// TestPlanFormats renders each pinned plan in each format against golden files.
func TestPlanFormats(t *testing.T) {
	for _, name := range planNames {
		for _, format := range []string{FormatTable, FormatJSON, FormatCSV} {
			t.Run(name+"."+format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Plan(&buf, loadPlan(t, name), format, 80); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", name+"."+format+".golden"), buf.Bytes())
			})
		}
	}
}

// TestJSONIsTheContract proves -o json prints exactly the pinned contract JSON.
func TestJSONIsTheContract(t *testing.T) {
	for _, name := range planNames {
		var buf bytes.Buffer
		if err := Plan(&buf, loadPlan(t, name), FormatJSON, 80); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(planPath(name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: -o json differs from the plan's JSON:\n%s", name, buf.Bytes())
		}
	}
}

// Not on a terminal (width 0) nothing wraps: every entry is one line, for grep.
func TestTableUnwrappedWhenPiped(t *testing.T) {
	p := loadPlan(t, "push-stock")
	var wrapped, piped bytes.Buffer
	if err := Plan(&wrapped, p, FormatTable, 40); err != nil {
		t.Fatal(err)
	}
	if err := Plan(&piped, p, FormatTable, 0); err != nil {
		t.Fatal(err)
	}
	entries := len(p.Changes) + len(p.MissingInTarget) + len(p.MissingInSource) + len(p.Duplicates) + len(p.Problems) + 1 // and the header
	if n := strings.Count(piped.String(), "\n"); n != entries {
		t.Errorf("piped table has %d lines for %d entries and the header:\n%s", n, entries, piped.String())
	}
	if strings.Count(wrapped.String(), "\n") <= entries {
		t.Errorf("a 40-column terminal wrapped nothing:\n%s", wrapped.String())
	}
}

func TestTableFitsEightyColumns(t *testing.T) {
	for _, name := range planNames {
		var buf bytes.Buffer
		if err := Plan(&buf, loadPlan(t, name), FormatTable, 80); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(buf.String(), "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("%s: line of %d columns: %q", name, n, line)
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("%s: trailing blanks: %q", name, line)
			}
		}
	}
}

func TestEmptyPlan(t *testing.T) {
	p := &plan.Plan{Version: plan.Version, Command: plan.CmdPushStock}
	var table, csv bytes.Buffer
	if err := Plan(&table, p, FormatTable, 80); err != nil || table.Len() != 0 {
		t.Errorf("table of an empty plan: %q, %v; want nothing", table.String(), err)
	}
	if err := Plan(&csv, p, FormatCSV, 80); err != nil || csv.String() != "kind,sku,offer_id,warehouse_id,field,from,to,row,column,error\n" {
		t.Errorf("CSV of an empty plan: %q, %v; want the header only", csv.String(), err)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Plan(&bytes.Buffer{}, &plan.Plan{}, "yaml", 80); err == nil {
		t.Error("yaml: no error")
	}
}

// TestDecimalsShortest proves decimals print in shortest plain form in every format.
func TestDecimalsShortest(t *testing.T) {
	p := &plan.Plan{Command: plan.CmdPushStock, Changes: []plan.Change{{
		SKU: "A", OfferID: 1, WarehouseID: 1, Field: "quantity",
		From: plan.NumberValue(decimal.MustParse("1234.50")), To: plan.NumberValue(decimal.MustParse("20.250")),
	}, {
		SKU: "B", OfferID: 2, WarehouseID: 1, Field: "quantity",
		From: plan.NumberValue(decimal.MustParse("5.000")), To: plan.NumberValue(decimal.MustParse("1e2")),
	}}}
	for _, format := range []string{FormatTable, FormatJSON, FormatCSV} {
		var buf bytes.Buffer
		if err := Plan(&buf, p, format, 80); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, want := range []string{"1234.5", "20.25", "5", "100"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: %s missing in\n%s", format, want, out)
			}
		}
		for _, bad := range []string{"1234.50", "20.250", "5.0", "1e2", "e+"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: %s printed in\n%s", format, bad, out)
			}
		}
	}
}

// TestProblemsInPackages names the file of a problem only when it is not the source.
func TestProblemsInPackages(t *testing.T) {
	p := &plan.Plan{Command: plan.CmdPushStock, Source: plan.Source{Location: "exchange.zip"}, Problems: []catalog.Problem{
		{File: "offers.xml", Row: 40, Column: "Предложение/Количество", Field: "quantity", SKU: "A", Value: "x", Error: "not a number"},
		{File: "exchange.zip", Row: 3, Field: "sku", Error: "empty SKU"},
	}}
	var buf bytes.Buffer
	if err := Plan(&buf, p, FormatCSV, 80); err != nil {
		t.Fatal(err)
	}
	want := "kind,sku,offer_id,warehouse_id,field,from,to,row,column,error\n" +
		"problem,A,,,quantity,,,40,offers.xml: Предложение/Количество,\"not a number: \"\"x\"\"\"\n" +
		"problem,,,,sku,,,3,,empty SKU\n"
	if buf.String() != want {
		t.Errorf("CSV\n got %s\nwant %s", buf.String(), want)
	}
}

func TestSummary(t *testing.T) {
	dryRun := loadPlan(t, "push-stock")
	dryRun.CheckGuards(plan.Limits{MaxChanges: limit(t, "100%"), MaxZeroed: limit(t, "10%")}, plan.Checks{Source: true})
	forced := loadPlan(t, "push-stock")
	forced.CheckGuards(plan.Limits{MaxZeroed: limit(t, "10%")}, plan.Checks{Source: true})
	forced.Forced = true
	for _, tt := range []struct {
		name string
		p    *plan.Plan
		want string
	}{
		{"refused", loadPlan(t, "push-stock"),
			"push-stock: 3 matched, 2 to change, 1 not in KeyCRM, 2 duplicates, 1 problems (refused by max-changes)"},
		{"dry run", dryRun,
			"push-stock: 3 matched, 2 to change, 1 not in KeyCRM, 2 duplicates, 1 problems (dry run)"},
		{"forced past max-changes, not yet applied", forced,
			"push-stock: 3 matched, 2 to change, 1 not in KeyCRM, 2 duplicates, 1 problems (dry run)"},
		{"applied", loadPlan(t, "applied"),
			"push-stock: 2 matched, 2 to change, 0 not in KeyCRM, 0 duplicates, 0 problems (applied 2, failed 0)"},
		{"diff, missing_in_source not computed", loadPlan(t, "diff"),
			"diff: 2 matched, 2 to change, 1 not in KeyCRM, 0 duplicates, 0 problems (dry run)"},
		{"diff against another location", loadPlan(t, "diff-against"),
			"diff: 1 matched, 1 to change, 0 not in target, 1 duplicates, 0 problems (dry run)"},
	} {
		if got := Summary(tt.p); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	if got := MissingInSourceLine(loadPlan(t, "diff-against")); got != "diff: 1 items of the target are not in the source" {
		t.Errorf("missing in source line: %q", got)
	}
	if got := MissingInSourceLine(loadPlan(t, "diff")); got != "" {
		t.Errorf("not computed: %q", got)
	}
}

func limit(t *testing.T, s string) plan.Limit {
	t.Helper()
	l, err := plan.ParseLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestStreamTableMatchesTablewriter proves a large plan's table looks as tablewriter
// would draw it without a terminal width: the pinned plans and a generated one with
// Cyrillic names, notes and every kind of entry, rendered both ways.
func TestStreamTableMatchesTablewriter(t *testing.T) {
	plans := map[string]*plan.Plan{"generated": generatedPlan(300)}
	for _, name := range planNames {
		plans[name] = loadPlan(t, name)
	}
	for name, p := range plans {
		var want, got bytes.Buffer
		if err := writeTable(&want, p, 0, len(p.Changes)+1<<20); err != nil {
			t.Fatal(err)
		}
		if err := writeTable(&got, p, 0, 0); err != nil {
			t.Fatal(err)
		}
		if want.Len() == 0 || !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: streamed table differs; tablewriter:\n%s\nstreamed:\n%s", name, want.Bytes(), got.Bytes())
		}
	}
}

// generatedPlan has n changes of varied widths, Cyrillic names among them, and one of
// each other kind of entry.
func generatedPlan(n int) *plan.Plan {
	p := &plan.Plan{Source: plan.Source{Location: "stock.csv"}}
	for i := range n {
		c := plan.Change{SKU: strings.Repeat("A", i%13) + "-" + strconv.Itoa(i), OfferID: int64(i * 37), Field: catalog.FieldQuantity,
			From: plan.NumberValue(decimal.FromInt(int64(i))), To: plan.NumberValue(decimal.MustParse(strconv.Itoa(i*i) + ".5"))}
		if i%5 == 0 {
			c.Field, c.From, c.To = catalog.FieldName, plan.TextValue("Футболка "+strconv.Itoa(i)), plan.TextValue("Сорочка")
		}
		p.Changes = append(p.Changes, c)
	}
	p.MissingInTarget = []plan.Missing{{SKU: "NEW-1", WarehouseID: 2}}
	p.MissingInSource = []plan.Missing{{SKU: "A-3", OfferID: 111}}
	p.Duplicates = []plan.Duplicate{{SKU: "DUP", Rows: []int{4, 9}, Warehouse: "Склад Київ"}}
	p.Problems = []catalog.Problem{{File: "stock.csv", Row: 12, Column: "Кількість", Field: catalog.FieldQuantity, SKU: "BAD", Value: "багато", Error: "not a number"}}
	return p
}

// A file's new rows are changes from nothing and items missing in the target: the
// table shows each once, as a new row; the CSV keeps every entry of the plan. An
// empty stock cell filled (D) is a change of a row the file has, not a new row.
func TestNewRowsOnce(t *testing.T) {
	p := &plan.Plan{Command: plan.CmdPullStock, Target: plan.Target{Location: "feed.xml"},
		Changes: []plan.Change{
			{SKU: "A", Field: "quantity", To: plan.NumberValue(decimal.FromInt(3))},
			{SKU: "B", Field: "quantity", From: plan.NumberValue(decimal.FromInt(1)), To: plan.NumberValue(decimal.FromInt(2))},
			{SKU: "D", Field: "quantity", To: plan.NumberValue(decimal.FromInt(4))},
		},
		MissingInTarget: []plan.Missing{{SKU: "A"}, {SKU: "C"}}}
	var table, csv bytes.Buffer
	if err := Plan(&table, p, FormatTable, 0); err != nil {
		t.Fatal(err)
	}
	want := "KIND           SKU  FIELD     FROM  TO  NOTE\n" +
		"change         A    quantity        3   new row\n" +
		"change         B    quantity  1     2\n" +
		"change         D    quantity        4\n" +
		"not in target  C\n"
	if table.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", table.String(), want)
	}
	if err := Plan(&csv, p, FormatCSV, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), "\nmissing_in_target,A,") {
		t.Errorf("CSV lost the missing entry of A:\n%s", csv.String())
	}
}

// Near matches get rows of their own in every row format, naming both SKUs quoted,
// since the difference is often a blank or a look-alike hyphen.
func TestNearMatchRows(t *testing.T) {
	api := "https://openapi.keycrm.app/v1"
	p := &plan.Plan{Command: plan.CmdPushStock, DryRun: true, Source: plan.Source{Location: "stock.csv"},
		Target:          plan.Target{Location: plan.KeyCRM, APIURL: &api},
		Summary:         plan.Summary{MissingInTarget: 2},
		MissingInTarget: []plan.Missing{{SKU: "X-1"}, {SKU: "abc"}},
		NearMatches:     []plan.NearMatch{{SKU: "ABC ", OfferID: 1, SourceSKU: "abc"}, {SKU: "X\u20111", OfferID: 2, SourceSKU: "X-1"}},
	}
	for _, format := range []string{FormatTable, FormatCSV, FormatMarkdown} {
		var buf bytes.Buffer
		if err := Plan(&buf, p, format, 0); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "near."+format+".golden"), buf.Bytes())
	}
}
