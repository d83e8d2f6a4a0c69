//go:build unix

// Command sesame-front is sesame's small front program, installed as
// `sesame` beside the full program (../libexec/sesame/sesame). It answers
// the calls that run most often, a cached credential_process and the shell
// prompt segment, without the start-up cost of the full program, and
// replaces itself with the full program for everything else (see package
// internal/front). On Windows the full program is installed as sesame.exe
// on its own.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/sesamehq/sesame/internal/front"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/runenv"
)

func main() {
	debug.SetGCPercent(-1) // a run allocates a few hundred KB at most
	// The full program gets the environment as it was, sesame's own
	// secrets included (it takes them out of its own environment).
	environ := os.Environ()
	f := &front.Front{
		Args:      os.Args[1:],
		IO:        iostreams.System(os.Getenv),
		Stdout:    os.Stdout,
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		Stderr:    os.Stderr,
		LookupEnv: runenv.TakeSecretEnv(),
		HomeDir:   runenv.HomeDir,
		Now:       time.Now,
	}
	answered, err := f.Answer(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "sesame: %v\n", err)
		os.Exit(1)
	}
	if answered {
		os.Exit(0)
	}
	self, full, err := front.FullProgram(os.Executable)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sesame: %v\nsesame: hint: reinstall sesame: the full program belongs in libexec/sesame/ beside the bin folder\n", err)
		os.Exit(1)
	}
	err = syscall.Exec(full, append([]string{os.Args[0]}, os.Args[1:]...), append(environ, front.SelfEnv+"="+self))
	fmt.Fprintf(os.Stderr, "sesame: cannot run %s: %v\n", full, err)
	os.Exit(1)
}
