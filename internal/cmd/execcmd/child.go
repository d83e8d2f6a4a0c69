package execcmd

import (
	"context"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"time"
)

// Child is a command to run as a child process with [RunChild].
type Child struct {
	// Path is the program to run; Args its argument list, Args[0] its
	// name.
	Path string
	Args []string
	// Env is its environment (KEY=VALUE entries).
	Env []string
	// Stdin, Stdout and Stderr are its standard streams; pass the
	// *os.File of a terminal to give it the terminal.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Signals, when not nil, delivers the signals to forward instead of
	// this process's SIGINT, SIGTERM and SIGHUP (tests send their own).
	Signals <-chan os.Signal
	// FromTerminal reports whether a signal was most likely sent by the
	// terminal to the whole foreground process group, and so already
	// reached the child; such signals are not sent again. Nil means
	// [SentByTerminal].
	FromTerminal func(os.Signal) bool
}

// waitDelay bounds how long RunChild waits for the child's output to be
// copied after it exits (when the streams are not files).
const waitDelay = 5 * time.Second

// RunChild runs c as a child process and returns its exit status: its exit
// code, or 128+N when signal N ended it (as a shell reports it). While it
// runs, SIGINT, SIGTERM and SIGHUP sent to sesame are passed on to it
// rather than ending sesame — except a signal the terminal sent to the
// whole foreground process group (Ctrl-C), which the child already got:
// sending it twice makes programs such as terraform stop at once instead
// of cleanly. On Windows the console delivers Ctrl-C to the child itself,
// and sesame only keeps it from ending sesame. When ctx ends, the child is
// killed.
//
// The error is only for a child that could not be started or waited for.
func RunChild(ctx context.Context, c Child) (int, error) {
	sigs := c.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 8)
		// Before the child starts, so that no signal in between ends sesame
		// and leaves the child alone.
		signal.Notify(ch, forwardedSignals...)
		defer signal.Stop(ch)
		sigs = ch
	}
	fromTerminal := c.FromTerminal
	if fromTerminal == nil {
		fromTerminal = SentByTerminal
	}
	cmd := &exec.Cmd{Path: c.Path, Args: c.Args, Env: c.Env, Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr, WaitDelay: waitDelay}
	if err := cmd.Start(); err != nil {
		return -1, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ctxDone := ctx.Done()
	for {
		select {
		case sig := <-sigs:
			if canForward && !fromTerminal(sig) {
				_ = cmd.Process.Signal(sig)
			}
		case <-ctxDone:
			_ = cmd.Process.Kill()
			ctxDone = nil
		case err := <-done:
			if cmd.ProcessState == nil {
				return -1, err
			}
			return exitStatus(cmd.ProcessState), nil
		}
	}
}
