package iostreams

import (
	"strings"
	"testing"
)

func TestQuietAndVerbose(t *testing.T) {
	ios, _, out, errOut := Test()
	ios.Logf("log %d", 1)
	ios.Verbosef("request")
	ios.Quiet = true
	ios.Logf("hidden")
	ios.Errorf("boom")
	ios.Quiet, ios.Verbose = false, true
	ios.Verbosef("GET /offers 200")
	if got, want := errOut.String(), "log 1\nerror: boom\nGET /offers 200\n"; got != want {
		t.Fatalf("stderr = %q, want %q", got, want)
	}
	if out.Len() != 0 {
		t.Fatalf("stdout got %q", out)
	}
}

// Progress bars only on a terminal, never with -q or --no-progress, and always on
// stderr.
func TestProgressOnlyOnATerminal(t *testing.T) {
	draw := func(tty, quiet, noProgress bool) (string, string) {
		ios, _, out, errOut := Test()
		ios.SetTTY(tty, tty, tty)
		ios.Quiet, ios.NoProgress = quiet, noProgress
		bar := ios.Progress("reading", 100, false)
		bar.Set(50)
		bar.Finish()
		return out.String(), errOut.String()
	}
	if out, errOut := draw(true, false, false); errOut == "" || out != "" {
		t.Fatalf("terminal: stdout %q stderr %q", out, errOut)
	}
	for _, c := range []struct{ tty, quiet, noProgress bool }{{false, false, false}, {true, true, false}, {true, false, true}} {
		if out, errOut := draw(c.tty, c.quiet, c.noProgress); out != "" || errOut != "" {
			t.Fatalf("%+v: stdout %q stderr %q", c, out, errOut)
		}
	}
}

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	ios, _, _, errOut := Test()
	ios.SetTTY(false, false, true)
	ios.Errorf("x")
	if !strings.Contains(errOut.String(), "\x1b[31m") {
		t.Fatalf("no colour on a terminal: %q", errOut)
	}
	ios, _, _, errOut = Test()
	ios.SetTTY(false, false, true)
	ios.noColorEnv = true
	ios.Errorf("x")
	if strings.Contains(errOut.String(), "\x1b[") {
		t.Fatalf("colour despite NO_COLOR: %q", errOut)
	}
}

func TestSecretsMaskedInBothStreams(t *testing.T) {
	ios, _, out, errOut := Test()
	ios.AddSecret("s3cr3t-key")
	ios.Logf("key s3cr3t-key")
	_, _ = ios.Out.Write([]byte("s3cr3t-key\n"))
	if strings.Contains(out.String()+errOut.String(), "s3cr3t-key") {
		t.Fatalf("leak: %q %q", out, errOut)
	}
}
