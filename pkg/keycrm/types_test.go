package keycrm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestDecimalsSurviveJSON(t *testing.T) {
	in := `{"id":7,"sku":"A-1","price":"1999.90","purchased_price":null,"quantity":20.25,"reserve":0.125,` +
		`"warehouse":[{"id":1,"name":"Основний склад","quantity":"20.250","reserve":1e-1}],"extra":{"ignored":true}}`
	var s OfferStock
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.Quantity != decimal.MustParse("20.25") || s.Price != decimal.MustParse("1999.9") || s.PurchasedPrice != nil ||
		s.Reserve.String() != "0.125" || s.Warehouse[0].Quantity.String() != "20.25" || s.Warehouse[0].Reserve.String() != "0.1" {
		t.Errorf("decoded %+v", s)
	}
	out, err := json.Marshal(StockTarget{ID: 7, Quantity: s.Quantity})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"id":7,"quantity":20.25}` {
		t.Errorf("StockTarget = %s", out)
	}
	out, _ = json.Marshal(StockTarget{SKU: "A-1", Quantity: decimal.MustParse("0.1")})
	if string(out) != `{"sku":"A-1","quantity":0.1}` {
		t.Errorf("StockTarget by SKU = %s", out)
	}
}

func TestPartialUpdatesSendOnlyWhatIsSet(t *testing.T) {
	price := decimal.MustParse("120.50")
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"product update with a price", ProductUpdate{ProductFields: ProductFields{Price: &price}}, `{"price":120.5}`},
		{"product update clearing the description", ProductUpdate{ProductFields: ProductFields{Description: new("")}}, `{"description":""}`},
		{"product update renaming", ProductUpdate{Name: new("Кросівки")}, `{"name":"Кросівки"}`},
		{"empty update", ProductUpdate{}, `{}`},
		{"product create", ProductCreate{Name: "Шарф", ProductFields: ProductFields{SKU: new("S-1"), CategoryID: new(int64(3))}},
			`{"name":"Шарф","sku":"S-1","category_id":3}`},
		{"offer update by sku", OfferUpdate{SKU: "A-1", PurchasedPrice: &price}, `{"sku":"A-1","purchased_price":120.5}`},
		{"offer create", OfferCreate{SKU: "A-2", Price: &price, Properties: []OfferProperty{{"Розмір", "42"}}},
			`{"sku":"A-2","price":120.5,"properties":[{"name":"Розмір","value":"42"}]}`},
		{"category", CategoryCreate{Name: "Взуття"}, `{"name":"Взуття"}`},
		{"sub-category", CategoryCreate{Name: "Кеди", ParentID: new(int64(1))}, `{"name":"Кеди","parent_id":1}`},
		{"custom field scalar", CustomFieldInput{UUID: "CT_1", Value: "x"}, `{"uuid":"CT_1","value":"x"}`},
		{"custom field select", CustomFieldInput{UUID: "CT_2", Values: []string{"a", "b"}}, `{"uuid":"CT_2","value":["a","b"]}`},
	}
	for _, tt := range tests {
		out, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(out) != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, out, tt.want)
		}
	}
}

func TestTolerantDecoding(t *testing.T) {
	// Laravel writes per_page as a string when the limit came from the query;
	// nulls stand for absent strings and numbers; unknown fields appear.
	in := `{"current_page":"2","data":[{"id":1,"product_id":"x-ignored-is-not-allowed"}],"per_page":"50","total":51,` +
		`"last_page":2,"from":51,"to":null,"next_page_url":null,"links":[]}`
	var p Page[Offer]
	err := json.Unmarshal([]byte(in), &p)
	if err == nil {
		t.Fatal("a non-numeric id was accepted")
	}
	in = strings.Replace(in, `"x-ignored-is-not-allowed"`, `5`, 1)
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	if p.CurrentPage != 2 || p.PerPage != 50 || p.Total != 51 || p.LastPage != 2 || *p.From != 51 || p.To != nil || p.HasNext() {
		t.Errorf("decoded %+v", p)
	}
	var o Offer
	if err := json.Unmarshal([]byte(`{"id":4998,"sku":null,"barcode":null,"price":690,"purchased_price":370.67,`+
		`"quantity":1,"in_reserve":0,"weight":null,"properties":[{"name":"Колір","value":"білий"}],`+
		`"created_at":"2023-06-20T12:27:55.000000Z","updated_at":"2020-05-16 17:00:07",`+
		`"product":{"id":1331,"name":"X","quantity":17,"in_reserve":1,"min_price":690,"max_price":690,"has_offers":true,`+
		`"category_id":303,"properties_agg":{"Колір":["білий"]},"sources":[]}}`), &o); err != nil {
		t.Fatal(err)
	}
	if o.SKU != "" || o.Weight != nil || o.PurchasedPrice.String() != "370.67" || o.Product.ID != 1331 ||
		*o.Product.CategoryID != 303 || o.Product.PropertiesAgg["Колір"][0] != "білий" || o.UpdatedAt.Year() != 2020 {
		t.Errorf("decoded %+v", o)
	}
	if err := json.Unmarshal([]byte(`{"current_page":1.5,"data":[]}`), &p); err == nil {
		t.Error("a fractional page number was accepted")
	}
}

func TestPageRoundTrip(t *testing.T) {
	next := "http://x/v1/offers?page=2"
	from, to := 1, 1
	in := Page[Category]{Data: []Category{{ID: 1, Name: "Взуття"}}, CurrentPage: 1, LastPage: 2, PerPage: 50,
		Total: 51, From: &from, To: &to, NextPageURL: &next}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Page[Category]
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Total != 51 || *out.NextPageURL != next || out.Data[0].Name != "Взуття" || out.Data[0].ParentID != nil || !out.HasNext() {
		t.Errorf("round trip: %s -> %+v", b, out)
	}
	if b, _ := json.Marshal(Page[Category]{}); !strings.Contains(string(b), `"data":[]`) {
		t.Errorf("empty page marshals data as %s", b)
	}
}

func TestHasNext(t *testing.T) {
	next := "u"
	tests := []struct {
		name string
		p    Page[int]
		want bool
	}{
		{"next url", Page[int]{Data: []int{1}, NextPageURL: &next, CurrentPage: 1, LastPage: 2}, true},
		{"no next url", Page[int]{Data: []int{1}, CurrentPage: 1, LastPage: 2}, false},
		{"empty data", Page[int]{NextPageURL: &next, CurrentPage: 1, LastPage: 2}, false},
		{"at last page", Page[int]{Data: []int{1}, NextPageURL: &next, CurrentPage: 2, LastPage: 2}, false},
		{"no last_page field", Page[int]{Data: []int{1}, NextPageURL: &next, CurrentPage: 1}, true},
	}
	for _, tt := range tests {
		if got := tt.p.HasNext(); got != tt.want {
			t.Errorf("%s: HasNext = %v", tt.name, got)
		}
	}
}
