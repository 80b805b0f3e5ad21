package main

import (
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/filetarget"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// writerChildEnv makes the bench binary a child that writes one file and
// exits, so that each writer's peak RSS is its own process's.
const writerChildEnv = "KEYCRM_SYNC_BENCH_WRITE"

// writerKinds are the writers measured, and the libraries alone as
// baselines, with the extension of the file each writes.
var writerKinds = []struct{ name, ext string }{
	{"csv", "csv"}, {"encoding-csv", "csv"}, {"xlsx", "xlsx"}, {"excelize-stream", "xlsx"}, {"yml", "xml"},
}

// runWriters writes n rows with each writer runs times, each in a child
// process, and prints the median wall time, rows/s and peak RSS. The writers
// take turns within each round, so that a change in the machine's load
// between rounds weighs on all of them alike.
func runWriters(out string, n, runs int) {
	walls := make([][]time.Duration, len(writerKinds))
	rss := make([][]int64, len(writerKinds))
	for range runs {
		for k, kind := range writerKinds {
			path := filepath.Join(out, "written-"+kind.name+"."+kind.ext)
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d,%s", writerChildEnv, kind.name, n, path))
			cmd.Stderr = os.Stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				log.Fatalf("write %s: %v", kind.name, err)
			}
			walls[k] = append(walls[k], time.Since(start))
			ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if !ok {
				log.Fatal("no resource usage on this system")
			}
			rss[k] = append(rss[k], ru.Maxrss<<10)
		}
	}
	fmt.Println("| rows | writer | median wall | rows/s | median peak RSS |")
	fmt.Println("|---:|---|---:|---:|---:|")
	for k, kind := range writerKinds {
		w := median(walls[k])
		fmt.Printf("| %d | %s | %s | %.0f | %d MB |\n", n, kind.name, w.Round(time.Millisecond), float64(n)/w.Seconds(), median(rss[k])>>20)
	}
}

// writerChild runs in the child process: spec is "KIND,N,PATH".
func writerChild(spec string) error {
	parts := strings.SplitN(spec, ",", 3)
	if len(parts) != 3 {
		return fmt.Errorf("%s=%q: want KIND,N,PATH", writerChildEnv, spec)
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return err
	}
	kind, path := parts[0], parts[2]
	rows := make([]filetarget.Row, n)
	for i := range rows {
		rows[i] = filetarget.Row{SKU: sku(i), Quantity: decimal.FromInt(int64(quantity(i))),
			Price: catalog.Known(decimal.FromInt(int64(100 + i%900))), Currency: "UAH", Name: fmt.Sprintf("Товар №%d «Стандарт»", i)}
	}
	switch kind {
	case "csv", "xlsx":
		return filetarget.Write(context.Background(), path, nil, rows, filetarget.Options{})
	case "yml":
		return filetarget.Write(context.Background(), path, nil, rows, filetarget.Options{Dialect: filetarget.DialectRozetka})
	case "encoding-csv":
		return writeWithEncodingCSV(path, rows)
	case "excelize-stream":
		return writeWithStreamWriter(path, rows)
	}
	return errors.New("unknown writer " + kind)
}

// writeWithEncodingCSV is the baseline: the standard library's writer alone.
func writeWithEncodingCSV(path string, rows []filetarget.Row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := stdcsv.NewWriter(f)
	w.Write([]string{"sku", "quantity", "price", "currency", "name"})
	for _, r := range rows {
		w.Write([]string{r.SKU, r.Quantity.String(), r.Price.String(), r.Currency, r.Name})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeWithStreamWriter is the baseline: excelize's StreamWriter alone.
func writeWithStreamWriter(path string, rows []filetarget.Row) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"sku", "quantity", "price", "currency", "name"}); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{r.SKU, r.Quantity.Float64(), r.Price.V.Float64(), r.Currency, r.Name}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
