// Command testreport prints `go test -json` as `go test` prints a package
// list, plus one line per package that skipped tests, with the first reason:
// `go test` shows a passing package's output only with -v, so a newcomer
// without ../shared/fixtures would never learn what did not run. It exits 1
// when a test or a build failed. `make test` pipes the test run through it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Output     string
}

type skipped struct {
	count  int
	reason string
}

// position is the "file_test.go:12: " that t.Skipf puts before its message.
var position = regexp.MustCompile(`^\s*\S+\.go:\d+: `)

func main() {
	failed, err := report(os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func report(in io.Reader, out, errOut io.Writer) (failed bool, err error) {
	outputs := map[string]*strings.Builder{} // per package and test, until it ends
	skips := map[string]*skipped{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			// Not an event: the go command's own complaint (a bad flag).
			fmt.Fprintln(errOut, sc.Text())
			failed = true
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Fprint(errOut, e.Output)
		case e.Action == "build-fail":
			failed = true
		case e.Test == "" && e.Action == "output":
			if e.Output != "PASS\n" {
				fmt.Fprint(out, e.Output)
			}
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail"):
			failed = failed || e.Action == "fail"
			if s := skips[e.Package]; s != nil {
				fmt.Fprintf(errOut, "SKIP\t%s\t%d test(s) did not run: %s\n", e.Package, s.count, s.reason)
			}
		case e.Action == "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
		case e.Action == "fail":
			if b := outputs[key]; b != nil {
				fmt.Fprint(out, b.String())
			}
			delete(outputs, key)
		case e.Action == "skip":
			s := skips[e.Package]
			if s == nil {
				s = &skipped{reason: skipReason(outputs[key])}
				skips[e.Package] = s
			}
			s.count++
			delete(outputs, key)
		case e.Action == "pass":
			delete(outputs, key)
		}
	}
	return failed, sc.Err()
}

// skipReason is the message a skipped test logged, without its position.
func skipReason(b *strings.Builder) string {
	if b == nil {
		return "no reason given"
	}
	for _, line := range strings.Split(b.String(), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		return position.ReplaceAllString(line, "")
	}
	return "no reason given"
}
