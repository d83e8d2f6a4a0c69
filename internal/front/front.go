// Package front is sesame's small front program (cmd/sesame-front,
// installed as `sesame`). Every AWS SDK client, the command set and the
// terminal UI cost milliseconds of start-up on every run, whatever the
// command; the calls that run most often do not need them. The front
// answers those calls itself:
//
//   - `sesame export --format json PROFILE` (credential_process) when the
//     profile's credentials are a session in the store with more than
//     15 minutes left;
//   - `sesame prompt [--format F]`, which reads only the environment and
//     the expiry index;
//   - `sesame list [--json]` (and `ls`), when the store can be read.
//
// For everything else, and whenever in doubt (any other flag, no cached
// session, a locked store, an error of any kind, a notice to print), it
// writes nothing and replaces itself with the full program
// (../libexec/sesame/sesame beside it), which then does exactly what it
// would have done if run directly. The front links only the AWS files,
// the store and its backends, and the plan of package creds/plan, so that
// it follows the full program's choices to the same cached session.
package front

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/credfmt/procdoc"
	"github.com/sesamehq/sesame/internal/creds/plan"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/listing"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/promptseg"
	"github.com/sesamehq/sesame/internal/runenv"
	"github.com/sesamehq/sesame/internal/settings"
	"github.com/sesamehq/sesame/internal/sso/ssoconf"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/backends"
)

// Front is one run of the front program.
type Front struct {
	// Args are the command-line arguments, without the program name.
	Args []string
	// IO are the standard streams, for list; its Out and ErrOut are the
	// same as Stdout and Stderr.
	IO *iostreams.IOStreams
	// Stdout is standard output; StdoutTTY says whether it is a terminal.
	Stdout    io.Writer
	StdoutTTY bool
	// Stderr receives the passphrase command's standard error.
	Stderr io.Writer
	// LookupEnv reads the environment (sesame's own secrets already taken
	// out of the process's: runenv.TakeSecretEnv).
	LookupEnv func(string) (string, bool)
	// HomeDir is the home folder.
	HomeDir func() (string, error)
	Now     func() time.Time
}

// Answer answers the call when the front can, and reports whether it did.
// false means the full program must run; nothing has been written then.
// An error is an answer that could not be written (stdout closed, say):
// the exit status is 1 then, else 0.
func (f *Front) Answer(ctx context.Context) (bool, error) {
	if len(f.Args) == 0 {
		return false, nil
	}
	var out string
	switch f.Args[0] {
	case "export":
		out = f.export(ctx, f.Args[1:])
	case "prompt":
		out = f.prompt(f.Args[1:])
	case "list", "ls":
		return f.list(ctx, f.Args[1:])
	}
	if out == "" {
		return false, nil
	}
	if out == noOutput {
		return true, nil
	}
	_, err := io.WriteString(f.Stdout, out)
	return true, err
}

// noOutput is the answer that prints nothing (a prompt segment without a
// profile in use).
const noOutput = "\x00"

// prompt is `sesame prompt [--format F]`: the segment, noOutput, or "" to
// leave it to the full program.
func (f *Front) prompt(args []string) string {
	format := "text"
	switch {
	case len(args) == 0:
	case len(args) == 2 && args[0] == "--format":
		format = args[1]
	case len(args) == 1 && strings.HasPrefix(args[0], "--format="):
		format = strings.TrimPrefix(args[0], "--format=")
	default:
		return ""
	}
	if !promptseg.Valid(format) {
		return ""
	}
	home, lookup, ok := f.env()
	if !ok {
		return ""
	}
	getenv := func(k string) string { v, _ := lookup(k); return v }
	if seg := promptseg.Segment(format, getenv, runenv.StateDir(lookup, home), f.Now()); seg != "" {
		return seg
	}
	return noOutput
}

// env is the home folder and LookupEnv with the settings file's values as
// defaults, as the full program reads them; false when either cannot be
// had (the full program refuses to run with a settings file it cannot
// read: the front leaves that to it).
func (f *Front) env() (home string, lookup func(string) (string, bool), ok bool) {
	home, err := f.HomeDir()
	if err != nil {
		return "", nil, false
	}
	s, err := settings.Load(settings.Path(f.LookupEnv, home))
	if err != nil {
		return "", nil, false
	}
	return home, s.LookupEnv(f.LookupEnv), true
}

// config is env and the AWS files, loaded in full when all is set (list).
func (f *Front) config(all bool) (home string, lookup func(string) (string, bool), cfg *awsconfig.Config, ok bool) {
	home, lookup, ok = f.env()
	if !ok {
		return "", nil, nil, false
	}
	load := awsconfig.Load
	if all {
		load = awsconfig.LoadAll
	}
	cfg, err := load(awsconfig.DefaultPaths(lookup, home))
	return home, lookup, cfg, err == nil
}

// exportArgs reads export's command line when it is one the front
// answers: --format json and a profile (or none: AWS_PROFILE), nothing
// else.
func exportArgs(args []string) (profile string, ok bool) {
	json := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(a, "=")
		switch {
		case a == "--":
			return "", false
		case name == "--format" || name == "-f" || name == "--profile" || name == "-p":
			if !hasValue {
				if i+1 >= len(args) {
					return "", false
				}
				i++
				value = args[i]
			}
			if name == "--format" || name == "-f" {
				if value != "json" {
					return "", false
				}
				json = true
				continue
			}
			if profile != "" && profile != value || value == "" {
				return "", false
			}
			profile = value
		case strings.HasPrefix(a, "-"):
			return "", false
		default:
			if profile != "" && profile != a {
				return "", false
			}
			profile = a
		}
	}
	return profile, json
}

// export is `sesame export --format json PROFILE` for a profile whose
// credentials are cached: the document, or "" to leave it to the full
// program.
func (f *Front) export(ctx context.Context, args []string) string {
	name, ok := exportArgs(args)
	if !ok || f.StdoutTTY {
		return ""
	}
	home, lookup, cfg, ok := f.config(false)
	if !ok {
		return ""
	}
	if name == "" {
		name, _ = lookup("AWS_PROFILE") // as the full program's SelectProfile
	}
	if _, ok := cfg.Profile(name); name == "" || !ok {
		return ""
	}
	notices := 0
	planner := &plan.Planner{Config: cfg, LookupEnv: lookup, Now: f.Now,
		Notice: func(string, ...any) { notices++ },
		SSOKey: func(cfg *awsconfig.Config, r *awsconfig.Resolved) (string, error) {
			s, err := ssoconf.SessionFor(cfg, r, true)
			return s.Key(), err
		}}
	step, _, err := planner.Plan(plan.Request{Profile: name})
	if err != nil || notices > 0 || !step.Cached {
		return ""
	}
	st, err := f.store(ctx, lookup, home)
	if err != nil {
		return ""
	}
	sess, err := st.Session(ctx, step.Profile, step.ID)
	if err != nil || sess.Expiration.Sub(f.Now()) <= plan.MinRemaining {
		return ""
	}
	if sess.AccessKeyID == "" || sess.SecretAccessKey == "" ||
		!store.OneWord(sess.AccessKeyID) || !store.OneWord(sess.SecretAccessKey) || !store.OneWord(sess.SessionToken) {
		return "" // the full program says what is wrong
	}
	doc, err := procdoc.Marshal(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, sess.Expiration)
	if err != nil {
		return ""
	}
	return string(doc)
}

// store opens the store as the full program does, except that a store
// that needs a person is an error.
func (f *Front) store(ctx context.Context, lookup func(string) (string, bool), home string) (*store.Store, error) {
	b, err := backends.Open(ctx, "", backends.Deps{LookupEnv: lookup, Home: home, Prompter: noPrompt{},
		Stderr: f.Stderr, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	return runenv.NewStore(b, runenv.StateDir(lookup, home)), nil
}

// errStepAside ends a listing that the full program must make.
var errStepAside = errors.New("left to the full program")

// list is `sesame list [--json]`: the same rows as the full program's
// (package listing), when the AWS files and the store can be read.
// Nothing is written unless the whole listing is made.
func (f *Front) list(ctx context.Context, args []string) (bool, error) {
	json := false
	switch {
	case len(args) == 0:
	case len(args) == 1 && (args[0] == "--json" || args[0] == "--json=true"):
		json = true
	default:
		return false, nil
	}
	home, lookup, cfg, ok := f.config(true)
	if !ok || f.IO == nil {
		return false, nil
	}
	st, err := f.store(ctx, lookup, home)
	if err != nil {
		return false, nil
	}
	// The output is kept until the listing is whole.
	var out, errOut bytes.Buffer
	io := *f.IO
	io.Out, io.ErrOut = &out, &errOut
	if v, _ := lookup("NO_COLOR"); v != "" {
		io.DisableColor() // as the full program's --no-color and NO_COLOR
	}
	err = listing.Run(ctx, &listing.Options{IO: &io, JSON: json, Now: f.Now,
		Config:     func() (*awsconfig.Config, error) { return cfg, nil },
		Store:      func(context.Context) (*store.Store, error) { return st, nil },
		StoreError: func(error) error { return errStepAside }})
	if err != nil {
		return false, nil
	}
	if _, err := f.IO.ErrOut.Write(errOut.Bytes()); err != nil {
		return true, err
	}
	_, err = f.IO.Out.Write(out.Bytes())
	return true, err
}

// noPrompt is the front's Prompter: a store that needs a person (a vault
// passphrase to type) is left to the full program.
type noPrompt struct{}

var errNeedsPerson = prompt.ErrNoTerminal

func (noPrompt) Secret(context.Context, string) (string, error)      { return "", errNeedsPerson }
func (noPrompt) Line(context.Context, string) (string, error)        { return "", errNeedsPerson }
func (noPrompt) Confirm(context.Context, string, bool) (bool, error) { return false, errNeedsPerson }

// SelfEnv is the variable through which the front tells the full program
// the path it was started as, so that what the full program writes into
// the AWS files and shell snippets (credential_process = ..., the use
// function) runs the front again. The full program takes it out of its
// environment at start (runenv.TakeSelf).
const SelfEnv = runenv.SelfEnv

// FullProgram returns the front's own path (from executable, os.Executable)
// and the full program's: libexec/sesame/sesame in the folder above the
// one the front is in, after following symbolic links (Homebrew links
// bin/sesame into its Cellar).
func FullProgram(executable func() (string, error)) (self, full string, err error) {
	self, err = executable()
	if err != nil {
		return "", "", fmt.Errorf("cannot find where this program is: %w", err)
	}
	real, err := filepath.EvalSymlinks(self)
	if err != nil {
		return "", "", fmt.Errorf("cannot find where this program is: %w", err)
	}
	full = filepath.Join(filepath.Dir(filepath.Dir(real)), "libexec", "sesame", "sesame")
	if fi, err := os.Stat(full); err != nil || !fi.Mode().IsRegular() {
		return "", "", fmt.Errorf("the full program %s is missing", full)
	}
	return self, full, nil
}
