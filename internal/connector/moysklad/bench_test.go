package moysklad

import (
	"io"
	"strconv"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

const (
	benchHeader = `{"context":{"employee":{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/context/employee","type":"employee","mediaType":"application/json"}}},` +
		`"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/report/stock/all?filter=quantityMode=all","type":"stock","mediaType":"application/json"},"rows":[` + "\n"
	benchFooter = `{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/service/s","type":"service"},"code":"svc"}]}` + "\n"
)

// appendRow writes the i-th generated report/stock/all row as MoySklad
// pretty-prints nothing: one row per line, with its uom and folder.
func appendRow(b []byte, i int) []byte {
	b = append(b, `{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/product/c02e3a5c-007e-11e6-9464-`...)
	b = strconv.AppendInt(b, int64(100000000000+i), 10)
	b = append(b, `?expand=supplier","metadataHref":"https://api.moysklad.ru/api/remap/1.2/entity/product/metadata","type":"product","mediaType":"application/json"},"stock":`...)
	b = strconv.AppendInt(b, int64(i%97), 10)
	b = append(b, `,"inTransit":0,"reserve":1,"quantity":`...)
	b = strconv.AppendInt(b, int64(i%97-1), 10)
	b = append(b, `,"name":"Кросівки бігові легкі","code":"`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","article":"SHOE-`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","price":50260.86956521739,"salePrice":`...)
	b = strconv.AppendInt(b, int64(50000+i%3000*100), 10)
	b = append(b, `.0,"uom":{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/uom/c6bc9273","type":"uom"},"name":"шт"},"folder":{"name":"Взуття","pathName":""},"externalCode":"ibWbdtWWhXiIwfZVEal6z2","stockDays":3},`+"\n"...)
	return b
}

// BenchmarkRead measures the reader on 20,000 generated report rows
// (go test -bench Read -cpu 1).
func BenchmarkRead(b *testing.B) {
	const rows = 20_000
	kittest.Bench(b, Format{}, connector.ReadOptions{}, kittest.Bytes(benchHeader, benchFooter, rows, appendRow), rows)
}

// TestMemoryFlat reads 20,000 and 200,000 generated rows: allocation per
// row and the live heap must not grow with the report.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() || kittest.RaceEnabled {
		t.Skip("reads 200,000 rows")
	}
	kittest.MemoryFlat(t, Format{}, connector.ReadOptions{}, 20_000, func(n int) io.Reader {
		return kittest.NewGenerator(benchHeader, benchFooter, n, appendRow)
	})
}
