package pass_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/pass"
	"github.com/sesamehq/sesame/internal/testenv"
)

// helperEnv, when set to "OP [NAME]", makes the test binary act as a
// separate sesame process using the backend (see runHelper).
const helperEnv = "SESAME_PASS_TEST_HELPER"

// Exit codes of the helper process.
const (
	exitOK          = testenv.BackendOK
	exitNotFound    = testenv.BackendNotFound
	exitLocked      = testenv.BackendLocked
	exitUnavailable = testenv.BackendUnavailable
)

const (
	passHint  = "install pass: apt-get install -y --no-install-recommends pass gnupg"
	gnupgHint = "install GnuPG: apt-get install -y --no-install-recommends gnupg"
)

func TestMain(m *testing.M) {
	if op, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(runHelper(op))
	}
	testenv.Main(m)
}

// runHelper does one backend call in this process: "set NAME" (the value on
// stdin), "get NAME" (the value on stdout), "list" (one name a line) or
// "remove NAME". Errors go to stderr, classified by the exit code.
func runHelper(op string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return testenv.BackendOp(ctx, func() (store.Backend, error) { return pass.New(os.LookupEnv) }, op)
}

// passStore is a password store in a temporary folder, encrypted for a
// GPG key made for the test in a temporary GNUPGHOME, with pass and gpg
// wrapped by scripts that log their arguments.
type passStore struct {
	dir       string // PASSWORD_STORE_DIR
	gnupgHome string
	fpr       string
	argvLog   string   // one line per pass or gpg run: its arguments
	env       []string // sandbox + GNUPGHOME + SESAME_PASS_DIR + PATH with the wrappers first
}

type storeOptions struct {
	// passphrase protects the key; pinentry is then the agent's
	// pinentry-program (a script's text), since nobody is there to type.
	passphrase string
	pinentry   string
}

func (s *passStore) lookupEnv(key string) (string, bool) {
	for _, kv := range slices.Backward(s.env) {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

// newStore makes a GPG key and a password store for it.
func newStore(t *testing.T, o storeOptions) *passStore {
	t.Helper()
	realPass := testenv.NeedCommand(t, "pass", passHint)
	realGPG := testenv.NeedCommand(t, "gpg", gnupgHint)
	gpgconf := testenv.NeedCommand(t, "gpgconf", gnupgHint)
	home := testenv.Sandbox(t)
	root := t.TempDir()
	s := &passStore{
		dir:       filepath.Join(root, "store"),
		gnupgHome: filepath.Join(root, "gnupg"),
		argvLog:   filepath.Join(root, "argv.log"),
	}
	if err := os.Mkdir(s.gnupgHome, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(home.Env(), "GNUPGHOME="+s.gnupgHome)
	t.Cleanup(func() {
		// The agent started for this GNUPGHOME (and any pinentry it
		// left) goes with the test.
		cmd := exec.Command(gpgconf, "--kill", "gpg-agent")
		cmd.Env = env
		_ = cmd.Run()
		killListed(filepath.Join(root, "pinentry.pids"))
	})
	gpgRun(t, realGPG, env, "", "--batch", "--pinentry-mode", "loopback", "--passphrase", o.passphrase,
		"--quick-gen-key", "sesame-test@example.invalid", "default", "default", "never")
	out := gpgRun(t, realGPG, env, "", "--batch", "--with-colons", "--list-secret-keys")
	for line := range strings.Lines(out) {
		if f := strings.Split(line, ":"); f[0] == "fpr" && len(f) > 9 {
			s.fpr = f[9]
			break
		}
	}
	if s.fpr == "" {
		t.Fatalf("no fingerprint in gpg's list of secret keys:\n%s", out)
	}
	if o.pinentry != "" {
		// Forget the passphrase given at generation and ask a pinentry
		// of ours for it from now on.
		gpgRun(t, gpgconf, env, "", "--kill", "gpg-agent")
		script := filepath.Join(root, "pinentry")
		text := strings.ReplaceAll(o.pinentry, "PIDFILE", filepath.Join(root, "pinentry.pids"))
		testenv.WriteExecutable(t, script, []byte(text))
		conf := "pinentry-program " + script + "\n"
		if err := os.WriteFile(filepath.Join(s.gnupgHome, "gpg-agent.conf"), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Wrappers first on PATH: pass, and gpg as pass finds it.
	bin := filepath.Join(root, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	writeWrapper(t, bin, "pass", realPass, s.argvLog)
	writeWrapper(t, bin, "gpg", realGPG, s.argvLog)
	if gpg2, err := exec.LookPath("gpg2"); err == nil {
		writeWrapper(t, bin, "gpg2", gpg2, s.argvLog)
	}
	var path string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	s.env = append(env, "SESAME_PASS_DIR="+s.dir, "PATH="+bin+string(os.PathListSeparator)+path)

	passEnv := append(slices.Clone(env), "PASSWORD_STORE_DIR="+s.dir)
	if out, code := run(t, realPass, passEnv, "", "init", s.fpr); code != 0 {
		t.Fatalf("pass init: exit %d\n%s", code, out)
	}
	return s
}

func writeWrapper(t *testing.T, dir, name, real, log string) {
	t.Helper()
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' %q\" $*\" >> %q\nexec %q \"$@\"\n", name, log, real)
	testenv.WriteExecutable(t, filepath.Join(dir, name), []byte(script))
}

func gpgRun(t *testing.T, gpg string, env []string, stdin string, args ...string) string {
	t.Helper()
	out, code := run(t, gpg, env, stdin, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", filepath.Base(gpg), strings.Join(args, " "), code, out)
	}
	return out
}

func run(t *testing.T, bin string, env []string, stdin string, args ...string) (string, int) {
	t.Helper()
	stdout, stderr, code := testenv.RunBinary(t, bin, env, stdin, args...)
	return stdout + stderr, code
}

func killListed(file string) {
	data, _ := os.ReadFile(file)
	for _, f := range strings.Fields(string(data)) {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err == nil && pid > 1 {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
	}
}

// helper runs the backend in a new process (this test binary) with the
// store's environment and nothing else.
func (s *passStore) helper(t *testing.T, op, stdin string, env ...string) (stdout, stderr string, code int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env = append(append(slices.Clone(s.env), env...), helperEnv+"="+op)
	return testenv.RunBinary(t, exe, env, stdin, "-test.run=^$")
}

func (s *passStore) backend(t *testing.T) *pass.Backend {
	t.Helper()
	b, err := pass.New(s.lookupEnv, pass.WithEnv(s.env))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *passStore) argv(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(s.argvLog)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(data)
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	s := newStore(t, storeOptions{})
	ctx := t.Context()
	marker := fmt.Sprintf("sesame-test-secret-%d", time.Now().UnixNano())
	secret := marker + "\x00\xff\nsecond line"
	name := "sesame:keys:AbC-_1"

	// Stored by one process, read back by another.
	if _, stderr, code := s.helper(t, "set "+name, secret); code != exitOK {
		t.Fatalf("set: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := s.helper(t, "get "+name, "")
	if code != exitOK || stdout != secret {
		t.Fatalf("get from a new process: exit %d, %q\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "sesame", name+".gpg")); err != nil {
		t.Errorf("the item is not the file sesame/%s.gpg in the store: %v", name, err)
	}
	// pass itself shows the base64 of the value.
	out, code := run(t, "pass", append(slices.Clone(s.env), "PASSWORD_STORE_DIR="+s.dir), "", "show", "sesame/"+name)
	if code != 0 || strings.TrimSpace(out) != base64.StdEncoding.EncodeToString([]byte(secret)) {
		t.Errorf("pass show: exit %d, %q", code, out)
	}

	b := s.backend(t)
	if b.Name() != "pass" || b.Dir() != s.dir || b.Prefix() != "sesame/" {
		t.Errorf("Name, Dir, Prefix = %q, %q, %q", b.Name(), b.Dir(), b.Prefix())
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if err := b.Set(ctx, "sesame:name-key", all); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := s.helper(t, "get sesame:name-key", ""); code != exitOK || stdout != string(all) {
		t.Errorf("get of binary data: exit %d, %q\n%s", code, stdout, stderr)
	}
	if err := b.Set(ctx, "sesame:session:x:y", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(ctx, "sesame:session:x:y"); err != nil || len(got) != 0 {
		t.Errorf("Get of an empty value = %q, %v", got, err)
	}

	// Overwrite.
	if _, stderr, code := s.helper(t, "set "+name, "second value"); code != exitOK {
		t.Fatalf("overwrite: exit %d\n%s", code, stderr)
	}
	if got, err := b.Get(ctx, name); err != nil || string(got) != "second value" {
		t.Errorf("Get after overwrite = %q, %v", got, err)
	}

	// Files outside the prefix, or not pass entries, are not listed.
	for _, f := range []string{"other/x.gpg", "sesame-not-ours.gpg", "sesame/notes.txt", "sesame/sub/y.gpg"} {
		p := filepath.Join(s.dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"sesame:keys:AbC-_1", "sesame:name-key", "sesame:session:x:y"}
	if names, err := b.List(ctx); err != nil || !slices.Equal(names, want) {
		t.Errorf("List = %q, %v; want %q", names, err, want)
	}
	if stdout, _, code := s.helper(t, "list", ""); code != exitOK || stdout != strings.Join(want, "\n")+"\n" {
		t.Errorf("list from a new process: exit %d, %q", code, stdout)
	}

	// Remove from a new process.
	if _, stderr, code := s.helper(t, "remove "+name, ""); code != exitOK {
		t.Fatalf("remove: exit %d\n%s", code, stderr)
	}
	if _, err := b.Get(ctx, name); err != store.ErrNotFound {
		t.Errorf("Get after Remove = %v, want ErrNotFound", err)
	}
	if _, _, code := s.helper(t, "get "+name, ""); code != exitNotFound {
		t.Errorf("get after remove: exit %d, want %d", code, exitNotFound)
	}
	if err := b.Remove(ctx, name); err != store.ErrNotFound {
		t.Errorf("second Remove = %v, want ErrNotFound", err)
	}

	// The value never was in any argument list of pass or gpg, raw or in
	// base64 (the wrappers logged every run).
	argv := s.argv(t)
	for _, verb := range []string{"pass insert --multiline --force -- sesame/" + name, "pass show -- sesame/" + name, "pass rm --force -- sesame/" + name, "gpg "} {
		if !strings.Contains(argv, verb) {
			t.Errorf("no %q in the logged runs:\n%s", verb, argv)
		}
	}
	for _, needle := range []string{marker, base64.StdEncoding.EncodeToString([]byte(secret))[:24], "second value", base64.StdEncoding.EncodeToString([]byte("second value"))} {
		if strings.Contains(argv, needle) {
			t.Errorf("a value appeared in the arguments of pass or gpg (%q):\n%s", needle, argv)
		}
	}
}

func TestPrefix(t *testing.T) {
	t.Parallel()
	s := newStore(t, storeOptions{})
	ctx := t.Context()
	s.env = append(s.env, "SESAME_PASS_PREFIX=team/aws-")
	b := s.backend(t)
	if err := b.Set(ctx, "sesame:keys:a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "team", "aws-sesame:keys:a.gpg")); err != nil {
		t.Errorf("item not at team/aws-sesame:keys:a.gpg: %v", err)
	}
	if names, err := b.List(ctx); err != nil || !slices.Equal(names, []string{"sesame:keys:a"}) {
		t.Errorf("List = %q, %v", names, err)
	}
	if stdout, _, code := s.helper(t, "get sesame:keys:a", ""); code != exitOK || stdout != "v" {
		t.Errorf("get from a new process: exit %d, %q", code, stdout)
	}
	for _, bad := range []string{"/abs/", "../up/", "a/../../b", "-x", "a\\b"} {
		env := map[string]string{"PATH": os.Getenv("PATH"), "HOME": t.TempDir(), "SESAME_PASS_PREFIX": bad}
		if _, err := pass.New(mapLookup(env)); err == nil || !strings.Contains(err.Error(), "SESAME_PASS_PREFIX") {
			t.Errorf("prefix %q: New = %v, want an error about SESAME_PASS_PREFIX", bad, err)
		}
	}
	for _, bad := range []string{"", ".hidden", "-rf", "a/b", "a\nb"} {
		if err := b.Set(ctx, bad, []byte("v")); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("Set(%q) = %v, want an invalid-name error", bad, err)
		}
	}
}

func mapLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestWithoutUsableKey(t *testing.T) {
	t.Parallel()
	s := newStore(t, storeOptions{})
	ctx := t.Context()
	if err := s.backend(t).Set(ctx, "sesame:keys:a", []byte("s3cret")); err != nil {
		t.Fatal(err)
	}

	// Another GNUPGHOME, without the key: decrypting fails clearly.
	empty := t.TempDir()
	noKey := *s
	noKey.env = append(slices.Clone(s.env), "GNUPGHOME="+empty)
	t.Cleanup(func() {
		cmd := exec.Command("gpgconf", "--kill", "gpg-agent")
		cmd.Env = noKey.env
		_ = cmd.Run()
	})
	b := noKey.backend(t)
	_, err := b.Get(ctx, "sesame:keys:a")
	if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "no secret key") {
		t.Errorf("Get without the secret key = %v, want ErrUnavailable saying there is no secret key", err)
	}
	if _, stderr, code := noKey.helper(t, "get sesame:keys:a", ""); code != exitUnavailable || strings.Contains(stderr, "s3cret") {
		t.Errorf("get from a new process: exit %d, want %d\n%s", code, exitUnavailable, stderr)
	}
	// Encrypting needs the public key, which is not there either.
	err = b.Set(ctx, "sesame:keys:b", []byte("s3cret"))
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "cannot encrypt") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Set without the public key = %v, want ErrUnavailable (cannot encrypt), without the secret", err)
	}

	// A store nobody initialised.
	uninit := *s
	uninit.env = append(slices.Clone(s.env), "SESAME_PASS_DIR="+t.TempDir())
	err = uninit.backend(t).Set(ctx, "sesame:keys:a", []byte("v"))
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "pass init") {
		t.Errorf("Set in an uninitialised store = %v, want ErrUnavailable saying to run pass init", err)
	}
	if _, err := uninit.backend(t).Get(ctx, "sesame:keys:a"); err != store.ErrNotFound {
		t.Errorf("Get in an empty store = %v, want ErrNotFound", err)
	}
	if names, err := uninit.backend(t).List(ctx); err != nil || len(names) != 0 {
		t.Errorf("List of an empty store = %q, %v", names, err)
	}

	// Not sesame's content.
	if err := os.WriteFile(filepath.Join(s.dir, "sesame", "foreign.gpg"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.backend(t).Get(ctx, "foreign"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a damaged entry = %v, want an error other than ErrNotFound", err)
	}
}

// cancellingPinentry answers every passphrase request with "cancelled", as
// when the person presses Cancel.
const cancellingPinentry = `#!/bin/sh
echo "OK Pleased to meet you"
while read -r cmd rest; do
  case "$cmd" in
    GETPIN) echo "ERR 83886179 Operation cancelled <Pinentry>" ;;
    BYE) echo OK; exit 0 ;;
    *) echo OK ;;
  esac
done
`

// hangingPinentry asks and never gets an answer.
const hangingPinentry = `#!/bin/sh
echo $$ >> PIDFILE
echo "OK Pleased to meet you"
while read -r cmd rest; do
  case "$cmd" in
    GETPIN) exec sleep 300 ;;
    BYE) echo OK; exit 0 ;;
    *) echo OK ;;
  esac
done
`

func TestLockedKey(t *testing.T) {
	t.Parallel()
	s := newStore(t, storeOptions{passphrase: "correct horse", pinentry: cancellingPinentry})
	ctx := t.Context()
	b := s.backend(t)
	// Encrypting needs only the public key.
	if err := b.Set(ctx, "sesame:keys:a", []byte("s3cret")); err != nil {
		t.Fatal(err)
	}
	_, err := b.Get(ctx, "sesame:keys:a")
	if !errors.Is(err, store.ErrLocked) || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "could not unlock") {
		t.Errorf("Get with the passphrase refused = %v, want ErrLocked (could not unlock)", err)
	}
	if _, stderr, code := s.helper(t, "get sesame:keys:a", ""); code != exitLocked {
		t.Errorf("get from a new process: exit %d, want %d\n%s", code, exitLocked, stderr)
	}
	// Removing needs no key.
	if err := b.Remove(ctx, "sesame:keys:a"); err != nil {
		t.Errorf("Remove = %v", err)
	}
}

func TestPassphraseNobodyTypes(t *testing.T) {
	t.Parallel()
	s := newStore(t, storeOptions{passphrase: "correct horse", pinentry: hangingPinentry})
	b := s.backend(t)
	if err := b.Set(t.Context(), "sesame:keys:a", []byte("s3cret")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := b.Get(ctx, "sesame:keys:a")
	if !errors.Is(err, store.ErrLocked) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("Get while the pinentry waits = %v, want ErrLocked and the deadline", err)
	}
	// The context's 2 s plus the wait for gpg's pipes, far from a hang.
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Get took %v with a 2s context", d)
	} else {
		t.Logf("Get gave up after %v", d)
	}
}

func TestPassNotInstalled(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PATH": t.TempDir(), "HOME": t.TempDir()}
	b, err := pass.New(mapLookup(env))
	if b != nil || !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "install pass") {
		t.Errorf("New without pass on PATH = %v, %v; want ErrUnavailable saying to install pass", b, err)
	}
}

func TestStoreFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A stand-in pass: only New's resolution of the folder is tested here.
	testenv.WriteExecutable(t, filepath.Join(dir, "pass"), []byte("#!/bin/sh\nexit 1\n"))
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOME": "/home/u"}, "/home/u/.password-store"},
		{map[string]string{"HOME": "/home/u", "PASSWORD_STORE_DIR": "/p"}, "/p"},
		{map[string]string{"HOME": "/home/u", "PASSWORD_STORE_DIR": "/p", "SESAME_PASS_DIR": "/s"}, "/s"},
	} {
		tc.env["PATH"] = dir
		b, err := pass.New(mapLookup(tc.env))
		if err != nil || b.Dir() != tc.want {
			t.Errorf("env %v: Dir = %v, %v; want %q", tc.env, b, err, tc.want)
		}
	}
	if _, err := pass.New(mapLookup(map[string]string{"PATH": dir})); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("New without HOME or a store folder = %v, want ErrUnavailable", err)
	}
}

func TestPassHangs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sleep := testenv.NeedCommand(t, "sleep", "install coreutils")
	// A pass that never finishes, like one whose gpg waits for a person.
	testenv.WriteExecutable(t, filepath.Join(dir, "pass"), []byte("#!/bin/sh\nexec "+sleep+" 300\n"))
	storeDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(storeDir, "sesame"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(storeDir, "sesame", "x.gpg"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + dir, "SESAME_PASS_DIR=" + storeDir}
	b, err := pass.New(mapLookup(map[string]string{"PATH": dir, "SESAME_PASS_DIR": storeDir}), pass.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	for what, f := range map[string]func() error{
		"Get":    func() error { _, err := b.Get(ctx, "x"); return err },
		"Set":    func() error { return b.Set(ctx, "x", []byte("v")) },
		"Remove": func() error { return b.Remove(ctx, "x") },
	} {
		if err := f(); !errors.Is(err, store.ErrLocked) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with a hanging pass = %v, want ErrLocked and the deadline", what, err)
		}
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v with a 300ms context", d)
	}
}
