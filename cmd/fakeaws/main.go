// Command fakeaws serves fake AWS endpoints on loopback for demos and
// end-to-end scripts.
//
// Usage:
//
//	fakeaws sso --moto URL [--addr 127.0.0.1:0] [--accounts N --roles R | --config FILE.json]
//	            [--token-ttl D] [--registration-ttl D] [--role-ttl D] [--rate N] [--auto-approve]
//	fakeaws federation ...
//	fakeaws signin [--moto URL] [--addr A] [--account ID --role R --user U] [--token-ttl D]
//	               [--session-ttl D] [--code-ttl D] [--auto-approve]
//
// Each subcommand prints one line "NAME URL" to stdout when it is ready
// (e.g. "sso http://127.0.0.1:40125") and serves until SIGTERM or SIGINT.
// Diagnostics go to stderr, prefixed with "fakeaws: ".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fakeaws:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: fakeaws sso --moto URL [flags]   (fakeaws sso -h for the flags)
       fakeaws federation [flags]
       fakeaws signin [flags]          (fakeaws signin -h for the flags)
`

// run runs the subcommand named by args[0].
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no subcommand")
	}
	switch args[0] {
	case "sso":
		return runSSO(ctx, args[1:], stdout, stderr)
	case "federation":
		return runFederation(args[1:])
	case "signin":
		return runSignin(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown subcommand %q", args[0])
}
