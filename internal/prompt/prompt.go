// Package prompt asks a person questions on the terminal. Prompts are read
// from and written to /dev/tty (on Windows the console, CONIN$ and
// CONOUT$), never stdin or stdout, so that they work while stdout carries
// data (export) or sesame runs as a credential_process.
package prompt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoTerminal means there is no terminal to ask on.
var ErrNoTerminal = errors.New("no terminal to prompt on")

// Prompter asks questions. Implementations return ErrNoTerminal when they
// cannot ask, and the context's error when it ends first.
type Prompter interface {
	// Secret reads a line without echoing it.
	Secret(ctx context.Context, label string) (string, error)
	// Line reads a line with echo.
	Line(ctx context.Context, label string) (string, error)
	// Confirm asks a yes/no question; an empty answer is def.
	Confirm(ctx context.Context, label string, def bool) (bool, error)
}

// TTY prompts on the controlling terminal: /dev/tty on Unix, the console
// (CONIN$ and CONOUT$) on Windows.
type TTY struct {
	// Path is the terminal device; "" means /dev/tty (on Windows, the
	// console).
	Path string
}

// ask writes label on the terminal and reads one line, with echo off when
// secret. When ctx ends first it stops the read (a read deadline in the
// past), waits for the reader to return, and restores the echo; the
// terminal is left as it was found on every path.
func (t TTY) ask(ctx context.Context, label string, secret bool) (string, error) {
	f, out, err := t.open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	if out != f {
		defer out.Close()
	}
	if secret {
		restore, err := echoOff(f)
		if err != nil {
			return "", fmt.Errorf("turn off echo on the terminal: %w", err)
		}
		defer restore()
	}
	fmt.Fprint(out, label)
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && s == "" {
			done <- result{"", err}
			return
		}
		done <- result{strings.TrimRight(s, "\r\n"), nil}
	}()
	intr, stopIntr := interrupts()
	defer stopIntr()
	select {
	case r := <-done:
		if intr != nil {
			// Ctrl-C on a Windows console also ends the read (Wine's
			// console delivers it only with the line): the interrupt,
			// handled on another thread, may come just after. It wins.
			select {
			case <-intr:
				fmt.Fprintln(out)
				return "", ErrCanceled
			case <-time.After(100 * time.Millisecond):
			}
		}
		if secret {
			fmt.Fprintln(out) // the newline was not echoed
		}
		return r.s, r.err
	case <-intr:
		fmt.Fprintln(out)
		return "", ErrCanceled
	case <-ctx.Done():
		if f.SetReadDeadline(time.Now()) == nil {
			<-done // the reader returns os.ErrDeadlineExceeded
		}
		// Without deadlines (a terminal the poller cannot watch) the reader
		// stays blocked until a line comes, but echo is still restored.
		fmt.Fprintln(out)
		return "", ctx.Err()
	}
}

// Secret implements Prompter.
func (t TTY) Secret(ctx context.Context, label string) (string, error) {
	return t.ask(ctx, label, true)
}

// Line implements Prompter.
func (t TTY) Line(ctx context.Context, label string) (string, error) {
	return t.ask(ctx, label, false)
}

// Confirm implements Prompter.
func (t TTY) Confirm(ctx context.Context, label string, def bool) (bool, error) {
	suffix := " [y/N] "
	if def {
		suffix = " [Y/n] "
	}
	s, err := t.Line(ctx, label+suffix)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, nil
	case "y", "yes":
		return true, nil
	default:
		return false, nil
	}
}

// Fake answers prompts from a script, for tests. Each call takes the next
// answer; a prompt with no answer left fails the call (an unexpected prompt).
type Fake struct {
	Answers []string
	// Asked records the labels, in order.
	Asked []string
}

// Secret implements Prompter.
func (f *Fake) Secret(ctx context.Context, label string) (string, error) { return f.next(label) }

// Line implements Prompter.
func (f *Fake) Line(ctx context.Context, label string) (string, error) { return f.next(label) }

// Confirm implements Prompter.
func (f *Fake) Confirm(ctx context.Context, label string, def bool) (bool, error) {
	s, err := f.next(label)
	return s == "y", err
}

func (f *Fake) next(label string) (string, error) {
	f.Asked = append(f.Asked, label)
	if len(f.Answers) == 0 {
		return "", fmt.Errorf("unexpected prompt %q", label)
	}
	s := f.Answers[0]
	f.Answers = f.Answers[1:]
	return s, nil
}
