package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

// credKinds are the values --kind and --default-kind accept.
var credKinds = []fakeaws.CredKind{fakeaws.CredRole, fakeaws.CredRoleChained, fakeaws.CredFederationToken, fakeaws.CredSessionToken}

// federationOptions are the flags of `fakeaws federation`.
type federationOptions struct {
	Addr        string
	DefaultKind fakeaws.CredKind
	Kinds       map[string]fakeaws.CredKind
}

// kindFlag collects repeated --kind AKID=KIND flags.
type kindFlag map[string]fakeaws.CredKind

func (k kindFlag) String() string {
	var parts []string
	for id, kind := range k {
		parts = append(parts, id+"="+string(kind))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func (k kindFlag) Set(v string) error {
	id, kind, ok := strings.Cut(v, "=")
	if !ok || id == "" {
		return errors.New("want ACCESS_KEY_ID=KIND")
	}
	if !slices.Contains(credKinds, fakeaws.CredKind(kind)) {
		return fmt.Errorf("unknown kind %q: choose one of %s", kind, kindList())
	}
	k[id] = fakeaws.CredKind(kind)
	return nil
}

func kindList() string {
	names := make([]string, len(credKinds))
	for i, k := range credKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func parseFederation(args []string, stderr io.Writer) (federationOptions, error) {
	o := federationOptions{Kinds: map[string]fakeaws.CredKind{}}
	var defaultKind string
	fs := flag.NewFlagSet("fakeaws federation", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:0", "loopback `address` to listen on")
	fs.StringVar(&defaultKind, "default-kind", string(fakeaws.CredRole), "what credentials not named by --kind are taken for: "+kindList())
	fs.Var(kindFlag(o.Kinds), "kind", "`ACCESS_KEY_ID=KIND`: what that key's credentials are taken for (repeatable)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("federation: unexpected argument %q", fs.Arg(0))
	}
	o.DefaultKind = fakeaws.CredKind(defaultKind)
	if !slices.Contains(credKinds, o.DefaultKind) {
		return o, fmt.Errorf("federation: unknown --default-kind %q: choose one of %s", defaultKind, kindList())
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return o, fmt.Errorf("federation: --addr %q is not a loopback IP address and port", o.Addr)
	}
	return o, nil
}

// runFederation runs `fakeaws federation [--addr 127.0.0.1:0]
// [--default-kind KIND] [--kind AKID=KIND]...`: it serves the fake console
// federation endpoint (see fakeaws.Federation), prints
// "federation http://127.0.0.1:PORT/federation" when it is ready, and serves
// until SIGTERM or SIGINT. The request log is at /__federation/requests.
func runFederation(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return serveFederation(ctx, args, os.Stdout, os.Stderr)
}

// serveFederation is runFederation until ctx ends.
func serveFederation(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFederation(args, stderr)
	if err != nil {
		return err
	}
	fed := fakeaws.NewFederation()
	fed.SetDefaultKind(o.DefaultKind)
	for id, kind := range o.Kinds {
		fed.SetKind(id, kind)
	}
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("federation: %w", err)
	}
	srv := &http.Server{Handler: fed, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	if _, err := fmt.Fprintf(stdout, "federation http://%s%s\n", l.Addr(), fakeaws.FederationPath); err != nil {
		_ = srv.Close()
		return err
	}
	select {
	case err := <-served:
		return fmt.Errorf("federation: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
