// Package iostreams is the only way keycrm-sync talks to the terminal: data goes to
// Out, everything else (logs, the summary line, prompts, progress) to ErrOut. It
// knows whether each stream is a terminal, honours -q, -v, --no-progress and
// NO_COLOR in one place, and masks secrets in both streams.
package iostreams

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/keycrm-sync/keycrm-sync/internal/redact"
)

// IOStreams carries the three standard streams and the output switches.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	noColorEnv            bool
	outWidth              int // the terminal's columns when Out is one

	outMask, errMask *redact.Writer

	// Quiet silences ErrOut except errors (-q).
	Quiet bool
	// Verbose logs each API request (-v).
	Verbose bool
	// NoProgress turns progress bars off (--no-progress).
	NoProgress bool
}

// System returns the process's streams.
func System() *IOStreams {
	ios := newStreams(os.Stdin, os.Stdout, os.Stderr)
	ios.inTTY = isTerminal(os.Stdin)
	ios.outTTY = isTerminal(os.Stdout)
	if ios.outTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			ios.outWidth = w
		}
	}
	ios.errTTY = isTerminal(os.Stderr)
	ios.noColorEnv = os.Getenv("NO_COLOR") != ""
	return ios
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func newStreams(in io.Reader, out, errOut io.Writer) *IOStreams {
	om, em := redact.NewWriter(out), redact.NewWriter(errOut)
	return &IOStreams{In: in, Out: om, ErrOut: em, outMask: om, errMask: em}
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return newStreams(in, out, errOut), in, out, errOut
}

// SetTTY overrides terminal detection, for tests of prompts and progress.
func (s *IOStreams) SetTTY(in, out, errOut bool) {
	s.inTTY, s.outTTY, s.errTTY = in, out, errOut
}

// AddSecret masks secret in everything written to Out and ErrOut from now on.
func (s *IOStreams) AddSecret(secret string) {
	s.outMask.Add(secret)
	s.errMask.Add(secret)
}

// IsStdoutTTY reports whether Out is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// TableWidth is the width tables on Out wrap at: the terminal's (80 when it cannot
// be told), or 0 when Out is no terminal and lines must stay whole.
func (s *IOStreams) TableWidth() int {
	switch {
	case !s.outTTY:
		return 0
	case s.outWidth > 0:
		return s.outWidth
	}
	return 80
}

// CanPrompt reports whether a question can be asked and answered: both stdin and
// stderr are terminals (a cron job or a pipe never gets a question).
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.errTTY }

// ColorEnabled reports whether stderr may carry colour.
func (s *IOStreams) ColorEnabled() bool { return s.errTTY && !s.noColorEnv }

// Logf writes a line to ErrOut unless -q.
func (s *IOStreams) Logf(format string, args ...any) {
	if s.Quiet {
		return
	}
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}

// Verbosef writes a line to ErrOut with -v (and not -q).
func (s *IOStreams) Verbosef(format string, args ...any) {
	if !s.Verbose || s.Quiet {
		return
	}
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}

// Errorf writes an error line to ErrOut, even with -q.
func (s *IOStreams) Errorf(format string, args ...any) {
	prefix := "error: "
	if s.ColorEnabled() {
		prefix = "\x1b[31merror:\x1b[0m "
	}
	fmt.Fprintf(s.ErrOut, prefix+format+"\n", args...)
}

// ConfirmContext asks a yes/no question on ErrOut and reads the answer from In. Only
// "y" or "yes" is a yes; anything else, including end of input, is a no. A cancelled
// ctx (Ctrl-C at the prompt) ends the wait with its error.
func (s *IOStreams) ConfirmContext(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	type reply struct {
		line string
		err  error
	}
	ch := make(chan reply, 1)
	go func() {
		line, err := bufio.NewReader(s.In).ReadString('\n')
		ch <- reply{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(s.ErrOut)
		return false, ctx.Err()
	case r := <-ch:
		if r.err != nil && r.err != io.EOF {
			return false, fmt.Errorf("read answer: %w", r.err)
		}
		answer := strings.ToLower(strings.TrimSpace(r.line))
		return answer == "y" || answer == "yes", nil
	}
}

// Bar is a progress indicator; the no-op one is returned when bars are off.
type Bar interface {
	Add(n int)
	Set(n int)
	// SetTotal changes the bar's total once it is known.
	SetTotal(total int64)
	Describe(text string)
	Finish()
}

// Progress returns a bar on ErrOut when stderr is a terminal and neither -q nor
// --no-progress is set; otherwise a bar that draws nothing. total < 0 means unknown.
func (s *IOStreams) Progress(description string, total int64, bytes bool) Bar {
	if !s.errTTY || s.Quiet || s.NoProgress {
		return noBar{}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(s.ErrOut),
		progressbar.OptionSetDescription(description),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(s.ColorEnabled()),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	}
	return &bar{pb: progressbar.NewOptions64(total, opts...)}
}

type bar struct{ pb *progressbar.ProgressBar }

func (b *bar) Add(n int)            { _ = b.pb.Add(n) }
func (b *bar) Set(n int)            { _ = b.pb.Set(n) }
func (b *bar) SetTotal(total int64) { b.pb.ChangeMax64(total) }
func (b *bar) Describe(text string) { b.pb.Describe(text) }
func (b *bar) Finish()              { _ = b.pb.Finish() }

type noBar struct{}

func (noBar) Add(int)         {}
func (noBar) Set(int)         {}
func (noBar) SetTotal(int64)  {}
func (noBar) Describe(string) {}
func (noBar) Finish()         {}
