package main

import (
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"m/a"}
{"Action":"run","Package":"m/a","Test":"TestFixture"}
{"Action":"output","Package":"m/a","Test":"TestFixture","Output":"=== RUN   TestFixture\n"}
{"Action":"output","Package":"m/a","Test":"TestFixture","Output":"    a_test.go:9: shared fixtures not found at ../shared/fixtures (set KEYCRM_SYNC_FIXTURES)\n"}
{"Action":"output","Package":"m/a","Test":"TestFixture","Output":"--- SKIP: TestFixture (0.00s)\n"}
{"Action":"skip","Package":"m/a","Test":"TestFixture"}
{"Action":"skip","Package":"m/a","Test":"TestOther"}
{"Action":"output","Package":"m/a","Test":"TestOK","Output":"    a_test.go:20: chatter\n"}
{"Action":"pass","Package":"m/a","Test":"TestOK"}
{"Action":"output","Package":"m/a","Output":"PASS\n"}
{"Action":"output","Package":"m/a","Output":"ok  \tm/a\t0.1s\n"}
{"Action":"pass","Package":"m/a"}
{"Action":"output","Package":"m/b","Test":"TestBroken","Output":"    b_test.go:5: want 2, got 3\n"}
{"Action":"fail","Package":"m/b","Test":"TestBroken"}
{"Action":"output","Package":"m/b","Output":"FAIL\tm/b\t0.2s\n"}
{"Action":"fail","Package":"m/b"}
`

func TestReport(t *testing.T) {
	var out, errOut strings.Builder
	failed, err := report(strings.NewReader(stream), &out, &errOut)
	if err != nil || !failed {
		t.Fatalf("failed %v, err %v; want a failure reported", failed, err)
	}
	if want := "ok  \tm/a\t0.1s\n    b_test.go:5: want 2, got 3\nFAIL\tm/b\t0.2s\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	want := "SKIP\tm/a\t2 test(s) did not run: shared fixtures not found at ../shared/fixtures (set KEYCRM_SYNC_FIXTURES)\n"
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}

func TestReportPasses(t *testing.T) {
	var out, errOut strings.Builder
	failed, err := report(strings.NewReader(`{"Action":"output","Package":"m/a","Output":"ok  \tm/a\t0.1s\n"}`+"\n"+`{"Action":"pass","Package":"m/a"}`+"\n"), &out, &errOut)
	if err != nil || failed || errOut.Len() != 0 {
		t.Errorf("failed %v, err %v, stderr %q", failed, err, errOut.String())
	}
	failed, _ = report(strings.NewReader("flag provided but not defined: -x\n"), &out, &errOut)
	if !failed || !strings.Contains(errOut.String(), "flag provided") {
		t.Errorf("a go command error: failed %v, stderr %q", failed, errOut.String())
	}
}
