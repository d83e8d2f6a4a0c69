// Package iostreams carries the standard streams of one sesame invocation,
// with terminal detection and colour settings, so that commands never touch
// os.Stdin, os.Stdout or os.Stderr directly and tests can inject buffers.
//
// UI contract (after age's cmd/age/tui.go): stdout carries data only;
// diagnostics go to stderr prefixed "sesame: ", in lower case, without a
// trailing period; prompts go to the terminal, never to stdout.
//
// An IOStreams is not safe for concurrent writes from several goroutines.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/sesamehq/sesame/internal/safetext"
)

// IOStreams holds the streams of one invocation.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	color     bool
	width     int
}

// System returns the process's own streams. getenv is consulted for NO_COLOR
// and TERM; it is passed in so that the environment is never read globally.
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		width:     80,
	}
	if s.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.width = w
		}
	}
	_, noColor := lookup(getenv, "NO_COLOR")
	s.color = s.stdoutTTY && !noColor && getenv("TERM") != "dumb"
	return s
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams backed by buffers: stdin, stdout and stderr, none of
// them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80}, in, out, errOut
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetTTY marks the streams as terminals or not; tests use it to exercise
// terminal output.
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// ColorEnabled reports whether stdout output may use colour.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// DisableColor turns colour off (the --no-color flag).
func (s *IOStreams) DisableColor() { s.color = false }

// TerminalWidth is the width of the stdout terminal, or 80.
func (s *IOStreams) TerminalWidth() int { return s.width }

// Bold wraps text in bold when colour is enabled.
func (s *IOStreams) Bold(text string) string {
	if !s.color {
		return text
	}
	return "\x1b[1m" + text + "\x1b[0m"
}

// Warnf prints a diagnostic on stderr with the "sesame: " prefix, on every
// line of it. Control characters in it (from a name or value of the AWS
// files, say) are shown escaped (safetext.Escape), never sent raw.
func (s *IOStreams) Warnf(format string, args ...any) {
	msg := safetext.EscapeLines(fmt.Sprintf(format, args...))
	fmt.Fprint(s.ErrOut, "sesame: "+strings.ReplaceAll(msg, "\n", "\nsesame: ")+"\n")
}
