// Command bench is the end-to-end benchmark harness: it generates catalogues and
// stock files of 10k, 100k and 1M items, starts keycrm-mock seeded with the
// catalogue, runs `keycrm-sync push-stock --dry-run` on each file several times, and
// reports the median wall time, rows per second, peak RSS of the keycrm-sync process
// and the API requests each run cost. Go benchmarks (go test -bench) measure the
// parts; this measures the binary as an operator runs it.
//
//	go run ./bench                         # 10k and 100k, 3 runs each
//	go run ./bench -sizes 1000000 -runs 5  # the million-row file
//	go run ./bench -writers 100000          # pull-stock's file writers, against encoding/csv and excelize alone
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func main() {
	sizes := flag.String("sizes", "10000,100000", "comma-separated item counts of the stock files")
	runs := flag.Int("runs", 3, "runs per file; the median is reported")
	out := flag.String("out", "bench/out", "working directory for binaries and generated files")
	maxCatalogue := flag.Int("catalogue", 100000, "most offers in the emulator's catalogue")
	maxXLSX := flag.Int("xlsx", 100000, "largest XLSX file to generate (XLSX writing is slow)")
	writers := flag.Int("writers", 0, "instead, write this many rows with each file writer and report rows/s and peak RSS")
	startup := flag.Int("startup", 0, "instead, time this many starts of `keycrm-sync version` against /bin/true and bare Go binaries")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	if spec := os.Getenv(writerChildEnv); spec != "" {
		if err := writerChild(spec); err != nil {
			log.Fatal(err)
		}
		return
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if *writers > 0 {
		runWriters(*out, *writers, *runs)
		return
	}
	if *startup > 0 {
		runStartup(*out, *startup)
		return
	}
	bin := filepath.Join(*out, "bin")
	build := exec.Command("go", "build", "-o", bin+"/", "./cmd/keycrm-sync", "./cmd/keycrm-mock")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("build: %v", err)
	}

	fmt.Println("| items | format | catalogue | median wall | rows/s | median peak RSS | requests |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|")
	for _, field := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n <= 0 {
			log.Fatalf("bad size %q", field)
		}
		offers := min(n, *maxCatalogue)
		seed := filepath.Join(*out, fmt.Sprintf("seed-%d.csv", offers))
		if err := writeSeed(seed, offers); err != nil {
			log.Fatal(err)
		}
		files := map[string]string{
			"csv":        filepath.Join(*out, fmt.Sprintf("stock-%d.csv", n)),
			"csv-cp1251": filepath.Join(*out, fmt.Sprintf("stock-%d-cp1251.csv", n)),
			"xlsx":       filepath.Join(*out, fmt.Sprintf("stock-%d.xlsx", n)),
		}
		if err := writeCSV(files["csv"], n, false); err != nil {
			log.Fatal(err)
		}
		if err := writeCSV(files["csv-cp1251"], n, true); err != nil {
			log.Fatal(err)
		}
		if n <= *maxXLSX {
			if err := writeXLSX(files["xlsx"], n); err != nil {
				log.Fatal(err)
			}
		} else {
			delete(files, "xlsx")
		}
		mock, url, err := startMock(bin, seed)
		if err != nil {
			log.Fatal(err)
		}
		for _, format := range []string{"csv", "csv-cp1251", "xlsx"} {
			path, ok := files[format]
			if !ok {
				continue
			}
			var walls []time.Duration
			var rss []int64
			var requests int64
			for range *runs {
				before, err := stats(url)
				if err != nil {
					log.Fatal(err)
				}
				wall, peak, err := pushStock(bin, url, path)
				if err != nil {
					log.Fatalf("%s: %v", path, err)
				}
				after, err := stats(url)
				if err != nil {
					log.Fatal(err)
				}
				walls, rss, requests = append(walls, wall), append(rss, peak), after-before
			}
			w := median(walls)
			fmt.Printf("| %d | %s | %d | %s | %.0f | %d MB | %d |\n", n, format, offers, w.Round(time.Millisecond),
				float64(n)/w.Seconds(), median(rss)>>20, requests)
			if format == "xlsx" {
				floor, err := unzipFloor(path, *runs)
				if err != nil {
					log.Fatalf("%s: %v", path, err)
				}
				fmt.Printf("| %d | xlsx floor: `unzip -p` of every part | | %s | | | |\n", n, floor.Round(time.Millisecond))
			}
		}
		_ = mock.Process.Signal(os.Interrupt)
		_ = mock.Wait()
	}
}

// unzipFloor is the median wall time of `unzip -p` unpacking the workbook
// to nowhere: no reader of the file can be faster than that.
func unzipFloor(path string, runs int) (time.Duration, error) {
	var walls []time.Duration
	for range runs {
		cmd := exec.Command("unzip", "-p", path)
		cmd.Stdout = io.Discard
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("unzip -p: %w", err)
		}
		walls = append(walls, time.Since(start))
	}
	return median(walls), nil
}

// sku is the SKU of item i in every generated file and catalogue.
func sku(i int) string { return fmt.Sprintf("BENCH-%07d", i) }

// writeSeed writes a CSV seed of n offers with quantity i%50 in warehouse 1.
func writeSeed(path string, n int) error {
	return writeFile(path, func(w *bufio.Writer) {
		w.WriteString("sku,name,price,quantity\n")
		for i := range n {
			fmt.Fprintf(w, "%s,Товар %d,%d.50,%d\n", sku(i), i, 100+i%900, i%50)
		}
	})
}

// writeCSV writes a 1C-style stock list: ';', decimal comma, Ukrainian headers;
// every tenth quantity differs from the catalogue.
func writeCSV(path string, n int, cp1251 bool) error {
	return writeFile(path, func(w *bufio.Writer) {
		var out io.Writer = w
		if cp1251 {
			out = charmap.Windows1251.NewEncoder().Writer(w)
		}
		bw := bufio.NewWriter(out)
		bw.WriteString("Артикул;Найменування;Кількість;Ціна;Склад\r\n")
		for i := range n {
			fmt.Fprintf(bw, "%s;Товар №%d «Стандарт»;%d;%d,50;Основний склад\r\n", sku(i), i, quantity(i), 100+i%900)
		}
		bw.Flush()
	})
}

func quantity(i int) int {
	if i%10 == 0 {
		return i%50 + 1
	}
	return i % 50
}

// writeXLSX writes the same list as an XLSX sheet through excelize's stream writer.
func writeXLSX(path string, n int) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"Артикул", "Найменування", "Кількість", "Ціна", "Склад"}); err != nil {
		return err
	}
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{sku(i), fmt.Sprintf("Товар №%d", i), quantity(i), float64(100+i%900) + 0.5, "Основний склад"}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

func writeFile(path string, fill func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fill(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startMock runs keycrm-mock without a rate limit and returns its API URL.
func startMock(bin, seed string) (*exec.Cmd, string, error) {
	cmd := exec.Command(filepath.Join(bin, "keycrm-mock"), "--listen", "127.0.0.1:0", "--seed", seed, "--rate-limit", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return nil, "", fmt.Errorf("keycrm-mock did not start: %w", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "keycrm-mock listening on ")
	if !ok {
		return nil, "", fmt.Errorf("keycrm-mock said %q", line)
	}
	return cmd, url, nil
}

// pushStock runs one dry run and returns its wall time and peak RSS in bytes.
func pushStock(bin, url, path string) (time.Duration, int64, error) {
	cmd := exec.Command(filepath.Join(bin, "keycrm-sync"), "push-stock", "--from", path, "--warehouse", "1",
		"--dry-run", "-q", "-o", "json", "--rate", "100000000", "--max-changes", "100%")
	cmd.Env = append(os.Environ(), "KEYCRM_API_URL="+url, "KEYCRM_API_KEY=test-key")
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, errors.New("no resource usage on this system")
	}
	return wall, ru.Maxrss << 10, nil // Linux reports kilobytes
}

func stats(url string) (int64, error) {
	resp, err := http.Get(strings.TrimSuffix(url, "/v1") + "/__mock/stats")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var s struct {
		Requests int64 `json:"requests"`
	}
	return s.Requests, json.NewDecoder(resp.Body).Decode(&s)
}

func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
