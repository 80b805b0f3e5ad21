package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// encode writes a plan the way the CLI prints it: two-space indent, no HTML escaping,
// a trailing newline.
func encode(t testing.TB, p *Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func strp(s string) *string { return &s }

// goldenPlans are representative plans, computed from sources and snapshots; their
// JSON is pinned in testdata and rendered by package render's tests.
func goldenPlans(t testing.TB) map[string]*Plan {
	compute := func(cmd string, iopt IndexOptions, rows []row, target Snapshot, opt Options) *Plan {
		opt.Command = cmd
		p, err := Compute(feed(t, iopt, rows...), target, opt)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	keycrm := Target{Location: "keycrm", APIURL: strp("https://openapi.keycrm.app/v1")}
	csv := Source{Location: "stock.csv", Format: "csv", SHA256: strp("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")}

	push := compute(CmdPushStock, IndexOptions{Warehouse: 1}, []row{
		{sku: "A-1", qty: "5"}, {sku: "A-2", qty: "20.25"}, {sku: "B-9", qty: "3"}, {sku: "D-1", qty: "1"},
		{sku: "E-7", qty: "abc", problem: "not a number"}, {sku: "F-1", qty: "2"}, {sku: "D-1", qty: "4"},
		{sku: "T-1", qty: "1"},
	}, Snapshot{Complete: true, Offers: []Offer{
		offer(17, "A-1", "1:3"), offer(18, "A-2", "1:1234.5"), offer(19, "F-1", "1:2"), offer(44, "C-2", "1:7"),
		offer(51, "T-1", "1:1"), offer(50, "T-1"), offer(45, "E-7", "1:1"), offer(46, "D-1", "1:9"), offer(60, ""),
	}}, Options{Source: csv, Target: keycrm, DryRun: true})
	push.CheckGuards(DefaultLimits(), Checks{Source: true})

	a1 := offer(17, "A-1", "1:5/2", "2:4/1")
	a1.Price, a1.Name = num("12.5"), "Чай"
	diff := compute(CmdDiff, IndexOptions{WarehouseMap: map[string]int64{"Київ": 1, "Львів": 2}, Fields: []string{"price", "name"}}, []row{
		{sku: "A-1", wh: "Київ", qty: "3", price: "10", name: "Чай & кава"}, {sku: "A-1", wh: "Львів", qty: "2", price: "10.00"},
		{sku: "B-2", wh: "Київ", qty: "1"}, {sku: "Z-1", wh: "Одеса", qty: "1"},
	}, Snapshot{Offers: []Offer{a1}}, Options{Source: csv, Target: keycrm, Fields: []string{"quantity", "price", "name"}, Stock: Available})

	againstIdx := feed(t, IndexOptions{}, row{sku: "A", qty: "2"}, row{sku: "B", qty: "1"}, row{sku: "B", qty: "1"}, row{sku: "C", qty: "5"})
	againstTarget, err := againstIdx.AsTarget()
	if err != nil {
		t.Fatal(err)
	}
	against := compute(CmdDiff, IndexOptions{}, []row{{sku: "A", qty: "1"}, {sku: "B", qty: "2"}},
		againstTarget, Options{Source: Source{Location: "woocommerce://shop:****@db:3306/wp", Format: "woocommerce"},
			Target: Target{Location: "feed.xml"}})

	applied := compute(CmdPushStock, IndexOptions{WarehouseMap: map[string]int64{"Київ": 1, "Склад 2": 3}}, []row{
		{sku: "A", wh: "Київ", qty: "5"}, {sku: "A", wh: "Склад 2", qty: "1"},
	}, Snapshot{Complete: true, Offers: []Offer{offer(17, "A", "1:3", "3:1"), offer(44, "C", "1:2", "3:0")}},
		Options{Source: csv, Target: keycrm, MissingZero: true})
	applied.CheckGuards(Limits{MaxChanges: limit100(t), MaxZeroed: limit100(t), MinCoverage: Limit{}}, Checks{Source: true, Coverage: true})
	applied.Result = &Result{RunID: "20260301T120000Z-a1b2", Applied: 2, Failed: 0, Requests: 3}

	return map[string]*Plan{"push-stock": push, "diff": diff, "diff-against": against, "applied": applied}
}

func limit100(t testing.TB) Limit {
	l, err := ParseLimit("100%")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestGoldenPlans pins the JSON of representative plans (go test -update rewrites) and
// proves marshal → unmarshal → marshal is byte-identical, as apply PLAN.json needs.
func TestGoldenPlans(t *testing.T) {
	for name, p := range goldenPlans(t) {
		t.Run(name, func(t *testing.T) {
			got := encode(t, p)
			path := filepath.Join("testdata", name+".json")
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
				t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", path, got)
			}
			var back Plan
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if again := encode(t, &back); !bytes.Equal(again, got) {
				t.Errorf("round trip changed the plan:\n%s", again)
			}
		})
	}
}

// TestContractExample reads the example plan of cli.md section 8 and writes it back
// token for token: same keys in the same order, same values.
func TestContractExample(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("testdata", "contract-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p Plan
	if err := json.Unmarshal(example, &p); err != nil {
		t.Fatal(err)
	}
	got, want := tokens(t, encode(t, &p)), tokens(t, example)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("plan JSON differs from the contract example:\n got %v\nwant %v", got, want)
	}
}

// TestComputedPlanHasContractShape compares the shape of a computed plan, field by
// field, with the contract example: the same paths, in the same order, of the same
// JSON types.
func TestComputedPlanHasContractShape(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("testdata", "contract-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, want := shape(t, encode(t, goldenPlans(t)["push-stock"])), shape(t, example)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("shape differs from the contract example:\n got %v\nwant %v", got, want)
	}
}

// tokens lists a JSON document's tokens with their types, numbers compared as written.
func tokens(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		out = append(out, fmt.Sprintf("%T:%v", tok, tok))
	}
	return out
}

// shape lists each path of a JSON document with its type; lists show their first
// element only.
func shape(t *testing.T, b []byte) []string {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("invalid JSON:\n%s", b)
	}
	// Tokens, not a decoded map: a map would lose the key order being checked.
	var out []string
	walkShape(json.NewDecoder(bytes.NewReader(b)), "", &out)
	return out
}

func walkShape(dec *json.Decoder, path string, out *[]string) {
	tok, err := dec.Token()
	if err != nil {
		return
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			key, _ := dec.Token()
			walkShape(dec, path+"."+key.(string), out)
		}
		_, _ = dec.Token()
	case json.Delim('['):
		first := true
		for dec.More() {
			if first {
				walkShape(dec, path+"[]", out)
				first = false
				continue
			}
			var skip json.RawMessage
			_ = dec.Decode(&skip)
		}
		_, _ = dec.Token()
		if first {
			*out = append(*out, path+": empty list")
		}
	default:
		*out = append(*out, fmt.Sprintf("%s: %T", path, tok))
	}
}

// TestJSONListsNeverNull proves that even a plan built by hand prints [] for every
// list, and null only for missing_in_source (not computed) and result.
func TestJSONListsNeverNull(t *testing.T) {
	got := string(encode(t, &Plan{Version: Version, Command: CmdPushStock}))
	for _, want := range []string{
		`"warehouse_ids": []`, `"changes": []`, `"missing_in_target": []`, `"missing_in_source": null`,
		`"duplicates": []`, `"problems": []`, `"guards": []`, `"result": null`, `"sha256": null`,
		`"api_url": null`, `"missing_in_source": null,`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Count(got, "null") != 5 {
		t.Errorf("want exactly 5 nulls (sha256, api_url, both missing_in_source, result):\n%s", got)
	}
	computed := string(encode(t, &Plan{MissingInSource: []Missing{}}))
	if !strings.Contains(computed, `"missing_in_source": []`) {
		t.Errorf("an empty computed missing_in_source must print []:\n%s", computed)
	}
}

func TestValueJSON(t *testing.T) {
	for _, tt := range []struct {
		v    Value
		json string
	}{
		{NumberValue(decimal.MustParse("20.25")), `20.25`},
		{NumberValue(decimal.MustParse("5.000")), `5`},
		{NumberValue(decimal.MustParse("-0.5")), `-0.5`},
		{NumberValue(decimal.MustParse("1234.5")), `1234.5`},
		{TextValue("5"), `"5"`},
		{TextValue("Чай & кава <1 л>"), `"Чай & кава <1 л>"`},
		{Value{}, `null`},
	} {
		b, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatal(err)
		}
		// json.Marshal escapes HTML itself; compare after undoing that.
		var back Value
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !back.Equal(tt.v) {
			t.Errorf("%s read back as %v", b, back)
		}
		direct, _ := tt.v.MarshalJSON()
		if string(direct) != tt.json {
			t.Errorf("MarshalJSON = %s, want %s", direct, tt.json)
		}
	}
	for _, bad := range []string{`true`, `{}`, `[1]`, `"unterminated`} {
		var v Value
		if err := v.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error", bad, v)
		}
	}
	if NumberValue(decimal.FromInt(5)).Equal(TextValue("5")) {
		t.Error("the number 5 equals the text 5")
	}
}

// TestProblemsKeepContractShape guards the one list whose element type lives in
// package catalog.
func TestProblemsKeepContractShape(t *testing.T) {
	b, err := json.Marshal(catalog.Problem{File: "f", Row: 1, Column: "c", Field: "quantity", Value: "x", Error: "e"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"file":"f","row":1,"column":"c","field":"quantity","value":"x","error":"e"}`; string(b) != want {
		t.Errorf("problem JSON %s, want %s", b, want)
	}
}
