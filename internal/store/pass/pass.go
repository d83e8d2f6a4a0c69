// Package pass is sesame's store.Backend over pass, the standard Unix
// password manager (https://www.passwordstore.org), which keeps each secret
// in a GPG-encrypted file.
//
// # Where items live
//
// The store folder is SESAME_PASS_DIR, else PASSWORD_STORE_DIR, else
// ~/.password-store; pass is always run with PASSWORD_STORE_DIR set to it.
// Item NAME is the pass entry SESAME_PASS_PREFIX+NAME (the prefix defaults
// to "sesame/"), that is the file PREFIX/NAME.gpg in the store folder. Its
// content is the item's data in standard base64 on one line, so binary data
// survives and `pass show` prints something harmless.
//
// # How pass is run
//
// Every call runs the pass command with the caller's context: `pass show`,
// `pass insert --multiline --force` with the value on standard input (never
// in the arguments, where other users could read it), and `pass rm --force`.
// List walks the store folder for *.gpg files under the prefix and runs
// nothing. Get and Remove look for the item's file first, so a missing item
// is store.ErrNotFound and a failing pass or gpg never is.
//
// # Errors
//
// A missing pass command is an error wrapping store.ErrUnavailable. When gpg
// cannot decrypt (no secret key, a passphrase nobody gave, an agent that does
// not answer in time) the error wraps store.ErrLocked or
// store.ErrUnavailable and says what to check. Errors never contain pass's
// or gpg's output (pass prints secrets on standard output); its standard
// error is logged at debug level only.
//
// A Backend is safe for concurrent use.
package pass

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/store"
)

// Name is the backend's name, as --backend and SESAME_BACKEND take it.
const Name = "pass"

// DefaultPrefix is the pass entry prefix used when SESAME_PASS_PREFIX is not
// set.
const DefaultPrefix = "sesame/"

// waitDelay bounds how long a call waits for pass's output pipes to close
// after pass itself has exited or been killed (gpg may outlive it).
const waitDelay = 2 * time.Second

// maxLoggedStderr bounds how much of pass's standard error is logged.
const maxLoggedStderr = 2048

// Backend is the pass backend. Create it with [New].
type Backend struct {
	command string
	dir     string
	prefix  string
	env     []string
	log     *slog.Logger
}

var _ store.Backend = (*Backend)(nil)

// Option configures a Backend.
type Option func(*Backend)

// WithEnv sets the environment pass runs in (GNUPGHOME, GPG_TTY, PATH...),
// as KEY=VALUE entries; PASSWORD_STORE_DIR is always set to the backend's
// folder on top of it. The default is the environment of the current
// process.
func WithEnv(environ []string) Option {
	return func(b *Backend) { b.env = slices.Clone(environ) }
}

// WithLogger sets the logger for debug messages (pass's standard error when
// it fails). The default discards them.
func WithLogger(l *slog.Logger) Option {
	return func(b *Backend) {
		if l != nil {
			b.log = l
		}
	}
}

// New returns a pass backend configured from lookupEnv (os.LookupEnv in
// production): SESAME_PASS_DIR, PASSWORD_STORE_DIR and HOME for the store
// folder, SESAME_PASS_PREFIX for the entry prefix, PATH to find pass. It
// runs nothing. When pass is not installed it returns an error wrapping
// store.ErrUnavailable that says to install it.
func New(lookupEnv func(string) (string, bool), opts ...Option) (*Backend, error) {
	b := &Backend{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(b)
	}

	pathList, _ := lookupEnv("PATH")
	cmd, ok := findCommand("pass", pathList)
	if !ok {
		return nil, fmt.Errorf("pass: the pass command is not installed (not found on PATH): install pass (for example apt-get install pass, or brew install pass), or use --backend file: %w", store.ErrUnavailable)
	}
	b.command = cmd

	dir := firstSet(lookupEnv, "SESAME_PASS_DIR", "PASSWORD_STORE_DIR")
	if dir == "" {
		home, _ := lookupEnv("HOME")
		if home == "" {
			return nil, fmt.Errorf("pass: cannot find the password store: set SESAME_PASS_DIR or HOME: %w", store.ErrUnavailable)
		}
		dir = filepath.Join(home, ".password-store")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pass: password store folder %q: %w", dir, err)
	}
	b.dir = abs

	prefix, ok := lookupEnv("SESAME_PASS_PREFIX")
	if !ok {
		prefix = DefaultPrefix
	}
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	b.prefix = prefix
	return b, nil
}

func firstSet(lookupEnv func(string) (string, bool), keys ...string) string {
	for _, k := range keys {
		if v, _ := lookupEnv(k); v != "" {
			return v
		}
	}
	return ""
}

// findCommand looks name up in the PATH list pathList, as exec.LookPath does
// with the process's PATH.
func findCommand(name, pathList string) (string, bool) {
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			continue // the current directory is never searched
		}
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() {
			continue
		}
		if runtime.GOOS != "windows" && fi.Mode()&0o111 == 0 {
			continue
		}
		if !filepath.IsAbs(p) {
			continue
		}
		return p, true
	}
	return "", false
}

// checkPrefix rejects prefixes that would leave the store folder or be read
// as options.
func checkPrefix(prefix string) error {
	bad := strings.HasPrefix(prefix, "/") || strings.HasPrefix(prefix, "-") ||
		strings.ContainsFunc(prefix, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	for _, part := range strings.Split(prefix, "/") {
		if part == "." || part == ".." {
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("pass: SESAME_PASS_PREFIX %q is not a valid entry prefix (use a relative name such as %q)", prefix, DefaultPrefix)
	}
	return nil
}

// Name implements store.Backend.
func (b *Backend) Name() string { return Name }

// Dir returns the password store folder.
func (b *Backend) Dir() string { return b.dir }

// Prefix returns the entry prefix of sesame's items.
func (b *Backend) Prefix() string { return b.prefix }

// entry returns the pass entry and file of item name.
func (b *Backend) entry(name string) (entry, file string, err error) {
	if name == "" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "-") ||
		strings.ContainsFunc(name, func(r rune) bool { return r == '/' || r == '\\' || r < 0x20 || r == 0x7f }) {
		return "", "", fmt.Errorf("pass: %q is not a valid item name", name)
	}
	entry = b.prefix + name
	return entry, filepath.Join(b.dir, filepath.FromSlash(entry)+".gpg"), nil
}

// exists reports whether the item's file is there.
func (b *Backend) exists(name, file string) (bool, error) {
	_, err := os.Stat(file)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("pass: cannot read item %s in the password store: %w: %w", name, err, store.ErrUnavailable)
	}
}

// Get implements store.Backend.
func (b *Backend) Get(ctx context.Context, name string) ([]byte, error) {
	entry, file, err := b.entry(name)
	if err != nil {
		return nil, err
	}
	if ok, err := b.exists(name, file); err != nil {
		return nil, err
	} else if !ok {
		return nil, store.ErrNotFound
	}
	out, err := b.run(ctx, nil, "show", "--", entry)
	if err != nil {
		if ok, _ := b.exists(name, file); !ok {
			return nil, store.ErrNotFound // removed meanwhile
		}
		return nil, b.failure(ctx, opShow, name, err)
	}
	data, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(out)))
	clear(out)
	if err != nil {
		return nil, fmt.Errorf("pass: entry %s does not hold a value written by sesame (it is not base64); remove it with `pass rm %s`", entry, entry)
	}
	return data, nil
}

// Set implements store.Backend.
func (b *Backend) Set(ctx context.Context, name string, data []byte) error {
	entry, _, err := b.entry(name)
	if err != nil {
		return err
	}
	in := make([]byte, base64.StdEncoding.EncodedLen(len(data))+1)
	base64.StdEncoding.Encode(in, data)
	in[len(in)-1] = '\n'
	defer clear(in)
	if _, err := b.run(ctx, in, "insert", "--multiline", "--force", "--", entry); err != nil {
		return b.failure(ctx, opInsert, name, err)
	}
	return nil
}

// Remove implements store.Backend.
func (b *Backend) Remove(ctx context.Context, name string) error {
	entry, file, err := b.entry(name)
	if err != nil {
		return err
	}
	if ok, err := b.exists(name, file); err != nil {
		return err
	} else if !ok {
		return store.ErrNotFound
	}
	if _, err := b.run(ctx, nil, "rm", "--force", "--", entry); err != nil {
		if ok, _ := b.exists(name, file); !ok {
			return store.ErrNotFound // removed meanwhile
		}
		return b.failure(ctx, opRemove, name, err)
	}
	return nil
}

// List implements store.Backend. It reads the store folder and runs nothing.
func (b *Backend) List(ctx context.Context) ([]string, error) {
	// The entries are in the folder named by the prefix up to its last
	// slash, and their names start with the rest of it.
	root, base := b.dir, b.prefix
	if i := strings.LastIndex(b.prefix, "/"); i >= 0 {
		root, base = filepath.Join(b.dir, filepath.FromSlash(b.prefix[:i])), b.prefix[i+1:]
	}
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pass: cannot list the password store: %w: %w", err, store.ErrUnavailable)
	}
	var names []string
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("pass: list: %w: %w", err, store.ErrUnavailable)
		}
		n, ok := strings.CutSuffix(e.Name(), ".gpg")
		if !ok || e.IsDir() {
			continue
		}
		n, ok = strings.CutPrefix(n, base)
		if !ok {
			continue
		}
		if _, _, err := b.entry(n); err != nil {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// environ is the environment pass and gpg run in.
func (b *Backend) environ() []string {
	env := b.env
	if env == nil {
		env = os.Environ()
	}
	return append(slices.Clone(env), "PASSWORD_STORE_DIR="+b.dir)
}

// run runs pass with args and stdin, returning its standard output. Its
// standard error goes to the debug log only.
func (b *Backend) run(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.command, args...)
	cmd.Env = b.environ()
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	if err != nil {
		clear(stdout.Bytes())
		msg := stderr.String()
		if len(msg) > maxLoggedStderr {
			msg = msg[:maxLoggedStderr]
		}
		b.log.DebugContext(ctx, "pass failed", "command", args[0], "error", err, "stderr", msg)
		return nil, &runError{err: err, stderr: strings.ToLower(stderr.String())}
	}
	return stdout.Bytes(), nil
}

// runError is a failed pass run. Its stderr is only matched against known
// gpg messages, never shown.
type runError struct {
	err    error
	stderr string
}

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

func (e *runError) says(phrases ...string) bool {
	for _, p := range phrases {
		if strings.Contains(e.stderr, p) {
			return true
		}
	}
	return false
}

type op int

const (
	opShow op = iota
	opInsert
	opRemove
)

// failure classifies a failed pass run as a store error with advice. It
// never includes pass's output.
func (b *Backend) failure(ctx context.Context, o op, name string, err error) error {
	entry, file, _ := b.entry(name)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("pass: gpg did not finish in time for item %s (is it waiting for your GPG key's passphrase? unlock your key with gpg-agent first): %w: %w",
			name, ctxErr, store.ErrLocked)
	}
	re, _ := errors.AsType[*runError](err)
	if _, isExit := errors.AsType[*exec.ExitError](err); !isExit || re == nil {
		return fmt.Errorf("pass: cannot run %s: %w: %w", b.command, err, store.ErrUnavailable)
	}
	switch {
	case re.says("you must run", "init your-gpg-id"):
		return fmt.Errorf("pass: the password store %s is not initialised: run `pass init GPG-KEY-ID` (with PASSWORD_STORE_DIR=%s): %w", b.dir, b.dir, store.ErrUnavailable)
	case re.says("no pinentry", "operation cancelled", "operation canceled", "bad passphrase", "inappropriate ioctl",
		"no passphrase given", "timeout", "problem with the agent", "cannot open '/dev/tty'", "can't connect to the agent"):
		return b.lockedKey(o, name)
	case re.says("no secret key", "secret key not available"):
		// gpg says this both when the key is missing and when the agent
		// could not get its passphrase (pass runs gpg --quiet, which hides
		// the reason): ask gpg which it is.
		switch present, known := b.secretKeyPresent(ctx, file); {
		case known && !present:
			return fmt.Errorf("pass: gpg has no secret key to decrypt item %s: import the key the password store is encrypted for, or check GNUPGHOME: %w", name, store.ErrUnavailable)
		case known:
			return b.lockedKey(o, name)
		}
		return fmt.Errorf("pass: gpg could not decrypt item %s: its secret key is missing or could not be unlocked; run `pass show %s` in a terminal to see why: %w",
			name, entry, store.ErrLocked)
	case re.says("no public key", "unusable public key", "no valid recipients", "not a valid recipient"):
		return fmt.Errorf("pass: gpg cannot encrypt item %s to the store's key: check the key ids in %s and that their public keys are in your keyring: %w",
			name, filepath.Join(b.dir, ".gpg-id"), store.ErrUnavailable)
	}
	return fmt.Errorf("pass: %s item %s failed (%v); run `pass %s %s` to see gpg's message: %w", o, name, err, o.command(), entry, store.ErrUnavailable)
}

func (b *Backend) lockedKey(o op, name string) error {
	return fmt.Errorf("pass: gpg could not unlock your key to %s item %s (no passphrase was given, or the agent could not ask for it): "+
		"unlock it first, for example by running `pass show %s` in a terminal: %w", o, name, b.prefix+name, store.ErrLocked)
}

// secretKeyPresent reports whether gpg has the secret key of one of the
// recipients of the encrypted file; known is false when that cannot be
// told. It reads only public data (the file's recipient key ids and gpg's
// list of secret keys), so it never needs a passphrase.
func (b *Backend) secretKeyPresent(ctx context.Context, file string) (present, known bool) {
	gpg, ok := b.gpgCommand()
	if !ok {
		return false, false
	}
	out, err := b.runGPG(ctx, gpg, "--batch", "--list-only", "--list-packets", file)
	if err != nil && len(out) == 0 {
		return false, false
	}
	var ids []string
	for line := range strings.Lines(string(out)) {
		if _, rest, ok := strings.Cut(line, ":pubkey enc packet:"); ok {
			if _, id, ok := strings.Cut(rest, "keyid "); ok {
				if id = strings.TrimSpace(id); id != "" && strings.Trim(id, "0") != "" {
					ids = append(ids, id)
				}
			}
		}
	}
	if len(ids) == 0 {
		return false, false
	}
	out, err = b.runGPG(ctx, gpg, append([]string{"--batch", "--with-colons", "--list-secret-keys", "--"}, ids...)...)
	if err != nil && ctx.Err() != nil {
		return false, false
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Split(line, ":")
		if len(f) > 4 && (f[0] == "sec" || f[0] == "ssb") && slices.Contains(ids, f[4]) {
			return true, true
		}
	}
	return false, true
}

// gpgCommand finds gpg as pass does: gpg2 when there is one, else gpg, on
// the PATH pass runs with.
func (b *Backend) gpgCommand() (string, bool) {
	p := envValue(b.environ(), "PATH")
	if gpg, ok := findCommand("gpg2", p); ok {
		return gpg, true
	}
	return findCommand("gpg", p)
}

// runGPG runs gpg for its (public) standard output.
func (b *Backend) runGPG(ctx context.Context, gpg string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, gpg, args...)
	cmd.Env = b.environ()
	cmd.WaitDelay = waitDelay
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	return stdout.Bytes(), err
}

func envValue(env []string, key string) string {
	for _, kv := range slices.Backward(env) {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

func (o op) String() string {
	switch o {
	case opShow:
		return "read"
	case opInsert:
		return "store"
	default:
		return "remove"
	}
}

func (o op) command() string {
	switch o {
	case opShow:
		return "show"
	case opInsert:
		return "insert --multiline"
	default:
		return "rm"
	}
}
