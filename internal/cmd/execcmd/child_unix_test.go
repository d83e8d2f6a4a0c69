//go:build unix

package execcmd

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyWriter collects output and closes ready once "ready" appears.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func newReadyWriter() *readyWriter { return &readyWriter{ready: make(chan struct{})} }

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "ready") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *readyWriter) wait(t *testing.T) {
	t.Helper()
	select {
	case <-w.ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("the child never got ready; output %q", w.String())
	}
}

// trapScript exits 42 on SIGTERM and 43 on SIGINT, after saying ready.
const trapScript = `trap 'exit 42' TERM; trap 'exit 43' INT; echo ready; while :; do sleep 0.02; done`

func sh(script string, stdout *readyWriter) Child {
	return Child{Path: "/bin/sh", Args: []string{"sh", "-c", script}, Env: []string{"PATH=" + os.Getenv("PATH")}, Stdout: stdout, Stderr: stdout}
}

type result struct {
	code int
	err  error
}

func start(ctx context.Context, c Child) chan result {
	done := make(chan result, 1)
	go func() {
		code, err := RunChild(ctx, c)
		done <- result{code, err}
	}()
	return done
}

func waitResult(t *testing.T, done chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("RunChild did not return")
		return result{}
	}
}

func TestRunChildExitStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"exit 255", 255},
		{"kill -TERM $$", 128 + 15},
		{"kill -KILL $$", 128 + 9},
	} {
		t.Run(tt.script, func(t *testing.T) {
			t.Parallel()
			out := newReadyWriter()
			c := sh(tt.script, out)
			c.Signals = make(chan os.Signal)
			code, err := RunChild(context.Background(), c)
			if err != nil || code != tt.want {
				t.Errorf("RunChild = %d, %v; want %d", code, err, tt.want)
			}
		})
	}
}

func TestRunChildEnvAndStreams(t *testing.T) {
	t.Parallel()
	out := newReadyWriter()
	c := Child{Path: "/bin/sh", Args: []string{"sh", "-c", `read line; echo "got $line $FOO"; echo err >&2`}, Env: []string{"FOO=bar"},
		Stdin: strings.NewReader("hello\n"), Stdout: out, Stderr: out, Signals: make(chan os.Signal)}
	code, err := RunChild(context.Background(), c)
	if err != nil || code != 0 || out.String() != "got hello bar\nerr\n" {
		t.Errorf("RunChild = %d, %v, output %q", code, err, out.String())
	}
}

func TestRunChildStartFails(t *testing.T) {
	t.Parallel()
	_, err := RunChild(context.Background(), Child{Path: "/nonexistent/prog", Args: []string{"prog"}, Signals: make(chan os.Signal)})
	if err == nil {
		t.Error("no error for a program that does not exist")
	}
}

func TestRunChildForwardsSignals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		sig  os.Signal
		want int
	}{
		{"SIGTERM", syscall.SIGTERM, 42},
		{"SIGINT", syscall.SIGINT, 43},
		{"SIGHUP", syscall.SIGHUP, 128 + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := newReadyWriter()
			sigs := make(chan os.Signal, 1)
			c := sh(trapScript, out)
			c.Signals = sigs
			c.FromTerminal = func(os.Signal) bool { return false }
			done := start(context.Background(), c)
			out.wait(t)
			sigs <- tt.sig
			if r := waitResult(t, done); r.err != nil || r.code != tt.want {
				t.Errorf("RunChild = %d, %v; want %d", r.code, r.err, tt.want)
			}
		})
	}
}

func TestRunChildDoesNotRepeatTerminalSignals(t *testing.T) {
	t.Parallel()
	out := newReadyWriter()
	sigs := make(chan os.Signal, 2)
	c := sh(trapScript, out)
	c.Signals = sigs
	var asked []os.Signal
	var mu sync.Mutex
	c.FromTerminal = func(s os.Signal) bool {
		mu.Lock()
		asked = append(asked, s)
		mu.Unlock()
		return s == syscall.SIGINT
	}
	done := start(context.Background(), c)
	out.wait(t)
	// The SIGINT is taken as the terminal's, already delivered: not sent.
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGTERM
	if r := waitResult(t, done); r.err != nil || r.code != 42 {
		t.Errorf("RunChild = %d, %v; want 42 (SIGTERM only)", r.code, r.err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 {
		t.Errorf("FromTerminal asked about %v", asked)
	}
}

func TestRunChildContextKills(t *testing.T) {
	t.Parallel()
	out := newReadyWriter()
	c := sh(trapScript, out)
	c.Signals = make(chan os.Signal)
	ctx, cancel := context.WithCancel(context.Background())
	done := start(ctx, c)
	out.wait(t)
	cancel()
	if r := waitResult(t, done); r.err != nil || r.code != 128+9 {
		t.Errorf("RunChild = %d, %v; want 137", r.code, r.err)
	}
}

// TestRunChildRealSignal sends this test process a real SIGTERM while
// RunChild runs with its own signal handling: the child gets it, and the
// test process lives on. Not parallel: the signal goes to the process.
func TestRunChildRealSignal(t *testing.T) {
	out := newReadyWriter()
	done := start(context.Background(), sh(trapScript, out))
	out.wait(t)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if r := waitResult(t, done); r.err != nil || r.code != 42 {
		t.Errorf("RunChild = %d, %v; want 42", r.code, r.err)
	}
}

func TestSentByTerminal(t *testing.T) {
	t.Parallel()
	for _, s := range []os.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		if SentByTerminal(s) {
			t.Errorf("SentByTerminal(%v) = true; only SIGINT comes from the keyboard", s)
		}
	}
	// Whether SIGINT counts depends on how the test runs: only check that
	// it does not panic without a terminal.
	_ = SentByTerminal(syscall.SIGINT)
}
