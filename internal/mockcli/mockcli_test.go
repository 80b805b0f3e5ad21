package mockcli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/apispec"
)

// syncBuffer is a stderr the server's goroutines and the test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is keycrm-mock started by run in a goroutine.
type running struct {
	url    string // http://HOST:PORT/v1 from the first stdout line
	stderr *syncBuffer
	stop   context.CancelFunc
	exit   chan int
	// client checks every /v1 exchange against the contract.
	client *http.Client
}

var listening = regexp.MustCompile(`^keycrm-mock listening on (http://127\.0\.0\.1:[0-9]+/v1)\n$`)

func launch(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	r := &running{stderr: &syncBuffer{}, stop: cancel, exit: make(chan int, 1)}
	go func() {
		r.exit <- run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), outW, r.stderr)
		outW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.exit:
		case <-time.After(10 * time.Second):
			t.Error("keycrm-mock did not stop")
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	m := listening.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("first stdout line %q (%v), stderr:\n%s", line, err, r.stderr)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	r.url = m[1]
	v, err := apispec.NewValidator(r.url)
	if err != nil {
		t.Fatal(err)
	}
	r.client = &http.Client{Transport: &apispec.Transport{Validator: v, Report: func(err error) { t.Errorf("contract: %v", err) }}}
	return r
}

// stopped cancels the run and returns its exit code.
func (r *running) stopped(t *testing.T) int {
	t.Helper()
	r.stop()
	select {
	case code := <-r.exit:
		r.exit <- code // for the cleanup
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("keycrm-mock did not stop")
		return -1
	}
}

func (r *running) get(t *testing.T, url, key string, v any) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func TestServesUntilStopped(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.csv")
	if err := os.WriteFile(seed, []byte("sku,name,price,quantity\nA-1,Яблуко,12.5,0.25\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := launch(t, "--seed", seed, "--api-key", "k-123", "--rate-limit", "5")
	admin := strings.TrimSuffix(r.url, "/v1")

	var stats struct {
		Requests int64 `json:"requests"`
	}
	if code := r.get(t, admin+"/__mock/stats", "", &stats); code != http.StatusOK || stats.Requests != 0 {
		t.Fatalf("stats: %d %+v", code, stats)
	}
	var page struct {
		Data []struct {
			SKU      string      `json:"sku"`
			Quantity json.Number `json:"quantity"`
		} `json:"data"`
	}
	if code := r.get(t, r.url+"/offers/stocks", "k-123", &page); code != http.StatusOK || len(page.Data) != 1 || page.Data[0].SKU != "A-1" || page.Data[0].Quantity != "0.25" {
		t.Fatalf("stocks: %d %+v", code, page)
	}
	if code := r.get(t, r.url+"/offers/stocks", "test-key", nil); code != http.StatusUnauthorized {
		t.Fatalf("default key accepted with --api-key set: %d", code)
	}
	for range 4 {
		r.get(t, r.url+"/offers", "k-123", nil)
	}
	if code := r.get(t, r.url+"/offers", "k-123", nil); code != http.StatusTooManyRequests {
		t.Fatalf("sixth request in a minute with --rate-limit 5: %d", code)
	}

	if code := r.stopped(t); code != exitOK {
		t.Fatalf("exit %d after stop", code)
	}
	log := r.stderr.String()
	for _, want := range []string{"GET /v1/offers/stocks -> 200", "-> 401", "-> 429 (rate limited)", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "k-123") {
		t.Errorf("stderr shows the API key:\n%s", log)
	}
}

func TestDefaultCatalogueIsEmptyWithMainWarehouse(t *testing.T) {
	r := launch(t)
	var st struct {
		Warehouses []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"warehouses"`
		Products []any `json:"products"`
	}
	r.get(t, strings.TrimSuffix(r.url, "/v1")+"/__mock/state", "", &st)
	if len(st.Warehouses) != 1 || st.Warehouses[0].ID != 1 || st.Warehouses[0].Name != "Основний склад" || st.Products == nil || len(st.Products) != 0 {
		t.Fatalf("state %+v", st)
	}
}

// TestStopReleasesHeldRequests checks that a request held by the timeout
// fault does not keep the emulator from stopping.
func TestStopReleasesHeldRequests(t *testing.T) {
	r := launch(t, "--faults", "timeout=1", "--fault-seed", "1")
	failed := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", r.url+"/offers", nil)
		req.Header.Set("Authorization", "Bearer test-key")
		resp, err := r.client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(getStats(t, r), `"requests":1`) {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	began := time.Now()
	if code := r.stopped(t); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if d := time.Since(began); d >= shutdownGrace {
		t.Fatalf("stopping took %s: the held request was not released", d)
	}
	if err := <-failed; err == nil {
		t.Fatal("the held request got an answer")
	}
	if !strings.Contains(r.stderr.String(), "faults timeout=1 with --fault-seed 1") {
		t.Errorf("stderr does not log the faults:\n%s", r.stderr)
	}
}

func getStats(t *testing.T, r *running) string {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(r.url, "/v1") + "/__mock/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badSeed := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badSeed, []byte("{\n  \"products\": [\n    {\"id\": \"x\"}\n  ]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--nope"}, exitUsage, "flag provided but not defined: -nope"},
		{[]string{"--rate-limit", "-1"}, exitUsage, "--rate-limit -1"},
		{[]string{"--rate-limit", "many"}, exitUsage, "rate-limit"},
		{[]string{"--latency", "-1s"}, exitUsage, "--latency -1s"},
		{[]string{"--latency", "soon"}, exitUsage, "latency"},
		{[]string{"--faults", "502=0.1"}, exitUsage, `unknown kind "502"`},
		{[]string{"--fault-seed", "x"}, exitUsage, "fault-seed"},
		{[]string{"serve"}, exitUsage, `unexpected argument "serve"`},
		{[]string{"--seed", filepath.Join(dir, "absent.json")}, exitUsage, "absent.json"},
		{[]string{"--seed", badSeed}, exitUsage, badSeed + ": line 3"},
		{[]string{"--listen", "127.0.0.1:99999"}, exitFailure, "99999"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "keycrm-mock: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want one line mentioning %q", msg, tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q", stdout.String())
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--listen ADDRESS", "(default 127.0.0.1:8080)", "--seed FILE", "--api-key KEY", "(default test-key)", "--rate-limit N", "(default 60)", "--faults SPEC", "--fault-seed N", "--latency DURATION", "/__mock/state", "Exit status"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q", stderr.String())
	}
}
