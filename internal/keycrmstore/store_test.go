package keycrmstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/keycrmstore"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

func sku(i int) string { return fmt.Sprintf("SKU-%05d", i) }

// catalogue is n one-offer products (offer ids 1..n) with stock in warehouse 1 and,
// for every third offer, warehouse 2.
func catalogue(n int, skuOf func(int) string) keycrmmock.State {
	st := keycrmmock.State{Warehouses: []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}, {ID: 2, Name: "Склад Київ"}}}
	for i := range n {
		s := skuOf(i)
		stock := map[string]keycrmmock.Stock{"1": {Quantity: decimal.FromInt(int64(i)), Reserve: decimal.FromInt(1)}}
		if i%3 == 0 {
			stock["2"] = keycrmmock.Stock{Quantity: decimal.MustParse("0.5")}
		}
		st.Products = append(st.Products, keycrmmock.Product{ID: int64(i + 1), Name: s, CurrencyCode: "UAH",
			Offers: []keycrmmock.Offer{{ID: int64(i + 1), SKU: &s, Price: decimal.FromInt(100), Stock: stock}}})
	}
	return st
}

func skus(from, n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = sku(from + i)
	}
	return out
}

// The read costs min(ceil(N/50), 1+ceil(S/50)) requests, a full read whenever the
// plan needs the whole catalogue, and ties go to the full read.
func TestSnapshotUsesTheFewestRequests(t *testing.T) {
	tests := []struct {
		name         string
		offers       int
		source       []string
		full         bool
		wantRequests int64
		wantComplete bool
		wantOffers   int
	}{
		{"empty catalogue", 0, skus(0, 5), false, 1, true, 0},
		{"one page", 50, skus(0, 5), false, 1, true, 50},
		{"full catalogue asked", 1000, skus(0, 5), true, 20, true, 1000},
		{"small source, large catalogue", 1000, skus(500, 10), false, 2, false, 10},
		{"51 SKUs need two filtered pages", 1000, skus(500, 51), false, 3, false, 51},
		{"filtered no cheaper: full read", 1000, skus(0, 950), false, 20, true, 1000},
		{"tie goes to the full read", 150, skus(0, 100), false, 3, true, 150},
		{"source SKUs unknown to KeyCRM", 1000, []string{"NOPE-1", "NOPE-2"}, false, 2, false, 0},
		{"a comma in a SKU forces a full read", 1000, []string{"A,B", sku(3)}, false, 20, true, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mock, client := testenv.StartMock(t, catalogue(tt.offers, sku), keycrmmock.Options{})
			var calls int
			snap, whs, err := keycrmstore.New(client).Snapshot(context.Background(),
				keycrmstore.Need{SKUs: tt.source, Full: tt.full}, func(done, total int) { calls++ })
			if err != nil {
				t.Fatal(err)
			}
			if got := mock.Stats().Requests; got != tt.wantRequests {
				t.Errorf("%d requests, want %d", got, tt.wantRequests)
			}
			if snap.Complete != tt.wantComplete || len(snap.Offers) != tt.wantOffers {
				t.Errorf("complete %v with %d offers, want %v with %d", snap.Complete, len(snap.Offers), tt.wantComplete, tt.wantOffers)
			}
			if calls == 0 {
				t.Error("progress never reported")
			}
			if tt.offers > 0 && whs[1] != "Основний склад" {
				t.Errorf("warehouses %v", whs)
			}
		})
	}
}

func TestSnapshotConvertsStock(t *testing.T) {
	_, client := testenv.StartMock(t, catalogue(4, sku), keycrmmock.Options{})
	snap, _, err := keycrmstore.New(client).Snapshot(context.Background(), keycrmstore.Need{Full: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := snap.Offers[3] // offer 4: quantity 3 in warehouse 1, 0.5 in warehouse 2
	if o.ID != 4 || o.SKU != sku(3) {
		t.Fatalf("offer %+v", o)
	}
	if o.Stock[1].Quantity.String() != "3" || o.Stock[1].Reserve.String() != "1" || o.Stock[2].Quantity.String() != "0.5" {
		t.Fatalf("stock %+v", o.Stock)
	}
	if o.Total.Quantity.String() != "3.5" || o.Price.V.String() != "100" || !o.Price.Known {
		t.Fatalf("total %+v price %+v", o.Total, o.Price)
	}
}

// A SKU held by two offers, one on the first page and one far after it, must reach
// the plan twice even through a filtered read, so the plan leaves it out instead of
// writing to one of them.
func TestFilteredReadFindsTargetDuplicates(t *testing.T) {
	st := catalogue(1000, sku)
	dup := sku(0) // offer 1, on page 1
	st.Products[900].Offers[0].SKU = &dup
	mock, client := testenv.StartMock(t, st, keycrmmock.Options{})
	snap, _, err := keycrmstore.New(client).Snapshot(context.Background(), keycrmstore.Need{SKUs: []string{dup}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, o := range snap.Offers {
		if o.SKU == dup {
			held++
		}
	}
	if held != 2 || mock.Stats().Requests != 2 {
		t.Fatalf("%d offers hold %s after %d requests", held, dup, mock.Stats().Requests)
	}
}

func TestReadByIDCostsOneRequestPerFifty(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(200, sku), keycrmmock.Options{})
	ids := make([]int64, 120)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	snap, err := keycrmstore.New(client).ReadByID(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Offers) != 120 || snap.Complete || mock.Stats().Requests != 3 {
		t.Fatalf("%d offers, complete %v, %d requests", len(snap.Offers), snap.Complete, mock.Stats().Requests)
	}
}
