// Package doctor implements `sesame doctor`: check the setup and say what
// to fix.
//
// # Output contract
//
// Every check prints one or more lines on stdout, each starting with its
// status padded to five characters:
//
//	ok   TEXT
//	warn TEXT
//	fail TEXT
//	  fix: COMMAND
//
// A warn or fail line may be followed by an indented "fix:" line naming the
// command (or the edit) that fixes it. The exit status is 0 when no line is
// a fail (warnings allowed) and 1 otherwise; stderr then says how many
// problems were found. Paths under the home folder are written with "~".
//
// Control characters from the files are shown escaped (\x1b, not ESC).
// Nothing secret is ever printed: not a secret key, not a token, not an
// access key id (profiles are named instead), not a line of a file that
// does not parse (its number is given instead).
//
// # Checks
//
// The checks are the table returned by [Checks], run in order; each is a
// small function of an [Env] so that tests can run them one by one. A check
// that depends on something another check found broken (the config files,
// the store) prints nothing rather than the same problem twice.
package doctor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/safetext"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/vault"
)

// Status is the outcome of one line of a check.
type Status int

// The statuses, in increasing order of gravity.
const (
	OK Status = iota
	Warn
	Fail
)

// String is the status as printed: "ok", "warn" or "fail".
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	}
	return "fail"
}

// Line is one finding of a check.
type Line struct {
	Status Status
	// Text says what was found. It never holds a secret.
	Text string
	// Fix is the command (or edit) that fixes a warn or fail; "" when none.
	Fix string
}

// String renders the line as doctor prints it, without a final newline.
// Control characters in the text or the fix (a profile name or value of
// the files can hold any) are shown escaped (safetext.Escape): they can
// neither drive the terminal nor forge a line.
func (l Line) String() string {
	s := fmt.Sprintf("%-4s %s", l.Status, safetext.Escape(l.Text))
	if l.Fix != "" {
		s += "\n  fix: " + safetext.Escape(l.Fix)
	}
	return s
}

func ok(format string, args ...any) Line { return Line{Status: OK, Text: fmt.Sprintf(format, args...)} }

func warn(fix, format string, args ...any) Line {
	return Line{Status: Warn, Text: fmt.Sprintf(format, args...), Fix: fix}
}

func fail(fix, format string, args ...any) Line {
	return Line{Status: Fail, Text: fmt.Sprintf(format, args...), Fix: fix}
}

// Env is what the checks look at. NewCmdDoctor builds it from the
// Factory; tests build their own. The checks run one at a time; an Env is
// not safe for concurrent use.
type Env struct {
	// Home is the user's home folder.
	Home string
	// LookupEnv reads the environment.
	LookupEnv func(string) (string, bool)
	// Now is the clock.
	Now func() time.Time
	// GOOS is the operating system (runtime.GOOS): file modes are not
	// checked on Windows, and the clock fix depends on it.
	GOOS string
	// Paths are the config and shared credentials files.
	Paths awsconfig.Paths
	// StateDir is sesame's state folder (lock files).
	StateDir string
	// VaultDir is the file backend's folder.
	VaultDir string
	// Backend is the backend asked for (--backend, else SESAME_BACKEND);
	// "" when none was, and the platform keyring is tried.
	Backend string
	// Store opens the secret store.
	Store func(context.Context) (*store.Store, error)
	// HTTPClient asks STS the time (nil: one with ClockTimeout that does
	// not follow redirects).
	HTTPClient *http.Client
	// PrivateGroup reports the name of the group gid and whether it is the
	// user's private group (named after the user, with no one else in
	// it), whose write bit gives no one else anything. nil: no group is.
	PrivateGroup func(gid uint32) (name string, private bool)

	cfgDone bool
	cfg     *awsconfig.Config

	stDone bool
	st     *store.Store
	stErr  error
	items  int
}

// config returns the AWS files loaded, or nil when they cannot be (the
// files check says why).
func (e *Env) config() *awsconfig.Config {
	if !e.cfgDone {
		e.cfgDone = true
		e.cfg, _ = awsconfig.Load(e.Paths)
	}
	return e.cfg
}

// store opens the store and lists its items, once: a store that opens but
// cannot list (a locked keyring or vault) is as unusable as one that does
// not open. On error the store, if it opened, is returned too.
func (e *Env) store(ctx context.Context) (*store.Store, error) {
	if !e.stDone {
		e.stDone = true
		if e.Store == nil {
			e.stErr = fmt.Errorf("no store backends are built into this binary: %w", store.ErrUnavailable)
			return nil, e.stErr
		}
		e.st, e.stErr = e.Store(ctx)
		if e.stErr == nil {
			var names []string
			names, e.stErr = e.st.Backend().List(ctx)
			e.items = len(names)
		}
	}
	return e.st, e.stErr
}

// getenv is the variable's value, or "".
func (e *Env) getenv(key string) string {
	if e.LookupEnv == nil {
		return ""
	}
	v, _ := e.LookupEnv(key)
	return v
}

// show writes path for a person: "~/..." under the home folder, quoted
// for the shell when it needs to be.
func (e *Env) show(path string) string {
	rest, tilde := "", false
	if e.Home != "" {
		if rel, err := filepath.Rel(e.Home, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel) {
			rest, tilde = rel, true
		}
	}
	if !tilde {
		return shellQuote(path)
	}
	return "~/" + shellQuote(filepath.ToSlash(rest))
}

// shellQuote quotes s for sh when it holds anything but plain characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Check is one entry of the table.
type Check struct {
	// Name identifies the check in tests.
	Name string
	// Run looks at the environment and returns its lines.
	Run func(ctx context.Context, e *Env) []Line
}

// Checks returns the checks in the order doctor runs them.
func Checks() []Check {
	return []Check{
		{"files", checkFiles},
		{"plaintext-keys", checkPlaintextKeys},
		{"file-modes", checkFileModes},
		{"writable", checkWritable},
		{"profiles", checkProfiles},
		{"sso-sessions", checkSSOSessions},
		{"store", checkStore},
		{"sessions", checkSessions},
		{"sso-tokens", checkSSOTokens},
		{"sso-cache", checkCLICache},
		{"signin", checkSignin},
		{"clock", checkClock},
	}
}

// Options are the inputs of `sesame doctor`.
type Options struct {
	IO *iostreams.IOStreams
	// Env builds the environment the checks look at.
	Env func() (*Env, error)
	// Checks are the checks to run (nil: Checks()).
	Checks []Check
}

// NewCmdDoctor builds the command; runF replaces the run function in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Env: func() (*Env, error) { return FactoryEnv(f) }}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the setup and say what to fix",
		Long: `Check sesame's and the AWS CLI's setup and say what to fix:

  - the config and shared credentials files parse (FILE:LINE when not)
  - no plain-text long-term keys in the shared credentials file
  - file modes: the credentials file, the AWS CLI's SSO cache and sesame's
    folders are private; only you can write the config file, ~/.aws (and
    the folders of AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE) and the
    cache folders under it (sso, cli, login): group write on the config
    is code execution as you through credential_process
  - no profile's source_profile, include_profile or sso_session is missing
    or circular
  - each sso-session's region matches its start URL's region
  - the secret store is available and unlocked
  - cached sessions and SSO sign-ins that have expired or expire within
    15 minutes, and expired sign-ins in the AWS CLI's SSO cache
  - the clock agrees with STS's (the Date of an unsigned request to
    AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else sts.amazonaws.com)
    within 5 minutes

Each finding is one line on stdout, "ok", "warn" or "fail", and a problem is
followed by a "fix:" line with the command that fixes it. Nothing secret is
printed, not even an access key id. The exit status is 0 when nothing fails
(warnings allowed), 1 otherwise.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	return cmd
}

// FactoryEnv builds the Env of a real run from the Factory.
func FactoryEnv(f *cmdutil.Factory) (*Env, error) {
	home, err := f.HomeDir()
	if err != nil {
		return nil, cmdutil.WithHint(err, "set HOME")
	}
	paths, err := f.ConfigPaths()
	if err != nil {
		return nil, err
	}
	state, err := f.StateDir()
	if err != nil {
		return nil, err
	}
	backend := f.BackendName
	if backend == "" {
		backend = f.Getenv("SESAME_BACKEND")
	}
	return &Env{
		Home:         home,
		LookupEnv:    f.LookupEnv,
		Now:          f.Now,
		GOOS:         runtime.GOOS,
		Paths:        paths,
		StateDir:     state,
		VaultDir:     vault.DefaultDir(f.LookupEnv, home),
		Backend:      backend,
		Store:        f.Store,
		PrivateGroup: privateGroup,
	}, nil
}

// Run runs the checks and prints their lines.
func Run(ctx context.Context, opts *Options) error {
	env, err := opts.Env()
	if err != nil {
		return err
	}
	checks := opts.Checks
	if checks == nil {
		checks = Checks()
	}
	fails := 0
	for _, c := range checks {
		for _, l := range c.Run(ctx, env) {
			if l.Status == Fail {
				fails++
			}
			if err := write(opts.IO, l); err != nil {
				return err
			}
		}
	}
	if fails > 0 {
		return fmt.Errorf("doctor found %s: see the fix: lines above", plural(fails, "problem"))
	}
	return nil
}

// write prints one line, its status in bold on a terminal.
func write(ios *iostreams.IOStreams, l Line) error {
	text := l.String()
	if l.Status != OK {
		status := l.Status.String()
		text = ios.Bold(status) + text[len(status):]
	}
	_, err := io.WriteString(ios.Out, text+"\n")
	return err
}
