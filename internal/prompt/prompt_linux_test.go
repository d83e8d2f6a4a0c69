package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sesamehq/sesame/internal/testenv"
)

// pty is a pseudo-terminal: the test types on master and reads what the
// prompt writes; the prompt opens the terminal at path.
type pty struct {
	master *os.File
	path   string
	mu     sync.Mutex
	out    bytes.Buffer
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		testenv.SkipOrFail(t, fmt.Errorf("open a pseudo-terminal: %w", err))
	}
	// m.Fd() would make m blocking, and Close could then not end the
	// reader below; the ioctls go through SyscallConn instead.
	rc, err := m.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n uint32
	rc.Control(func(fd uintptr) {
		if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err != nil {
			return
		}
		n, err = unix.IoctlGetUint32(int(fd), unix.TIOCGPTN)
	})
	if err != nil {
		t.Fatalf("unlock the pty and get its number: %v", err)
	}
	p := &pty{master: m, path: fmt.Sprintf("/dev/pts/%d", n)}
	// Keep the slave open for the whole test so the terminal settings the
	// test checks live on between prompts.
	s, err := os.OpenFile(p.path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open %s: %v", p.path, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1024)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		s.Close()
		m.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("the pty reader did not end")
		}
	})
	return p
}

func (p *pty) waitOutput(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		got := p.out.String()
		p.mu.Unlock()
		if strings.Contains(got, text) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("terminal never showed %q; it shows %q", text, p.output())
}

func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// echo reports whether the terminal echoes what is typed (stty echo).
func (p *pty) echo(t *testing.T) bool {
	t.Helper()
	f, err := os.OpenFile(p.path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// waitGoroutines waits until no more than n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines still run, want at most %d (a reader left blocked):\n%s", runtime.NumGoroutine(), n, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A secret prompt whose context ends gives up at once, turns the echo back
// on and leaves no reader blocked on the terminal.
func TestTTYSecretCanceledRestoresEchoAndReader(t *testing.T) {
	p := openPTY(t)
	if !p.echo(t) {
		t.Fatal("a new pty does not echo")
	}
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		s   string
		err error
	}
	res := make(chan result, 1)
	go func() {
		s, err := TTY{Path: p.path}.Secret(ctx, "Passphrase: ")
		res <- result{s, err}
	}()
	p.waitOutput(t, "Passphrase: ")
	if p.echo(t) {
		t.Fatal("echo is on while the secret prompt waits")
	}
	cancel()
	select {
	case r := <-res:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("Secret = %q, %v; want context.Canceled", r.s, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Secret did not return when its context ended")
	}
	if !p.echo(t) {
		t.Fatal("echo is still off after the canceled secret prompt")
	}
	waitGoroutines(t, base)

	// Whatever is typed now is not eaten by a leftover reader: the next
	// prompt gets it.
	got := make(chan result, 1)
	go func() {
		s, err := TTY{Path: p.path}.Line(context.Background(), "Name: ")
		got <- result{s, err}
	}()
	p.waitOutput(t, "Name: ")
	p.master.Write([]byte("alice\n"))
	select {
	case r := <-got:
		if r.err != nil || r.s != "alice" {
			t.Fatalf("Line after a canceled Secret = %q, %v; want \"alice\"", r.s, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Line after a canceled Secret never got the typed line (a leftover reader took it?)")
	}
}

// A line prompt whose context ends leaves no reader behind either.
func TestTTYLineCanceledLeavesNoReader(t *testing.T) {
	p := openPTY(t)
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() {
		_, err := TTY{Path: p.path}.Line(ctx, "Name: ")
		res <- err
	}()
	p.waitOutput(t, "Name: ")
	cancel()
	select {
	case err := <-res:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Line = %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Line did not return when its context ended")
	}
	waitGoroutines(t, base)
}

// A secret typed on the terminal is read, not echoed, and echo is back on
// afterwards.
func TestTTYSecretReadsWithoutEcho(t *testing.T) {
	p := openPTY(t)
	res := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		s, err := TTY{Path: p.path}.Secret(context.Background(), "Passphrase: ")
		res <- s
		errc <- err
	}()
	p.waitOutput(t, "Passphrase: ")
	p.master.Write([]byte("hunter2\n"))
	select {
	case s := <-res:
		if err := <-errc; err != nil || s != "hunter2" {
			t.Fatalf("Secret = %q, %v; want \"hunter2\"", s, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Secret never returned the typed line")
	}
	if strings.Contains(p.output(), "hunter2") {
		t.Fatalf("the secret was echoed: %q", p.output())
	}
	if !p.echo(t) {
		t.Fatal("echo is off after the secret prompt")
	}
}
