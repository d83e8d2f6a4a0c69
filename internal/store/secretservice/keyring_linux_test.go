//go:build linux

package secretservice_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/secretservice"
	"github.com/sesamehq/sesame/internal/testenv"
)

const (
	dbusHint       = "install D-Bus: apt-get install -y --no-install-recommends dbus"
	keyringHint    = "install GNOME Keyring: apt-get install -y --no-install-recommends gnome-keyring dbus"
	secretToolHint = "install secret-tool: apt-get install -y --no-install-recommends libsecret-tools"

	keyringPassword = "sesame-test-keyring-password"
	// startTimeout bounds how long the bus and the keyring may take to start.
	startTimeout = 20 * time.Second
)

// busConfig is a session bus of the test's own: only the services in its
// service folder can be activated (no real prompter, no second keyring).
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>%s</listen>
  <servicedir>%s</servicedir>
  <auth>EXTERNAL</auth>
  <limit name="service_start_timeout">300000</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// hangingPrompter stands in for gcr-prompter: started by the bus when
// gnome-keyring wants to show a password prompt, it never answers, like a
// dialog nobody looks at.
const hangingPrompter = `#!/bin/sh
echo $$ >> %s
exec sleep 300
`

type keyringOptions struct {
	// keyring starts gnome-keyring-daemon (--components=secrets) on the bus.
	keyring bool
	// unlock starts it with --unlock: it creates the login keyring with a
	// password and unlocks it.
	unlock bool
	// prompterHangs makes password prompts hang instead of failing at once
	// (there is no display, so the real gcr-prompter would exit).
	prompterHangs bool
}

// testBus is a private D-Bus session bus, maybe with gnome-keyring on it,
// in a sandboxed home. Everything is stopped when the test ends.
type testBus struct {
	addr string
	env  []string
	dir  string
}

func (k *testBus) lookupEnv(key string) (string, bool) {
	for _, kv := range slices.Backward(k.env) {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

// startBus starts dbus-daemon with a config of its own on a socket in a
// temporary folder and, as o says, gnome-keyring-daemon.
func startBus(t *testing.T, o keyringOptions) *testBus {
	t.Helper()
	dbusDaemon := testenv.NeedCommand(t, "dbus-daemon", dbusHint)
	var gkd string
	if o.keyring {
		gkd = testenv.NeedCommand(t, "gnome-keyring-daemon", keyringHint)
	}
	home := testenv.Sandbox(t)
	dir := t.TempDir()
	services := filepath.Join(dir, "services")
	if err := os.Mkdir(services, 0o700); err != nil {
		t.Fatal(err)
	}
	if o.prompterHangs {
		pids := filepath.Join(dir, "prompter.pids")
		script := filepath.Join(dir, "prompter")
		testenv.WriteExecutable(t, script, fmt.Appendf(nil, hangingPrompter, pids))
		for _, name := range []string{"org.gnome.keyring.SystemPrompter", "org.gnome.keyring.PrivatePrompter"} {
			svc := fmt.Sprintf("[D-BUS Service]\nName=%s\nExec=%s\n", name, script)
			if err := os.WriteFile(filepath.Join(services, name+".service"), []byte(svc), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { killListed(pids) })
	}
	socket := filepath.Join(dir, "bus")
	b := &testBus{addr: "unix:path=" + socket, dir: dir}
	b.env = append(home.Env(), "DBUS_SESSION_BUS_ADDRESS="+b.addr)
	config := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(config, fmt.Appendf(nil, busConfig, b.addr, services), 0o600); err != nil {
		t.Fatal(err)
	}

	daemon := exec.Command(dbusDaemon, "--config-file="+config, "--nofork", "--nopidfile")
	daemon.Env = home.Env()
	logs := startDaemon(t, daemon, filepath.Join(dir, "dbus-daemon.log"), nil)
	waitFor(t, "the D-Bus daemon to listen", logs, func() bool {
		c, err := net.Dial("unix", socket)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if !o.keyring {
		return b
	}

	args := []string{"--foreground", "--components=secrets"}
	var stdin *strings.Reader
	if o.unlock {
		args = append(args, "--unlock")
		stdin = strings.NewReader(keyringPassword)
	}
	keyring := exec.Command(gkd, args...)
	keyring.Env = b.env
	logs = startDaemon(t, keyring, filepath.Join(dir, "gnome-keyring.log"), stdin)
	waitFor(t, "gnome-keyring-daemon to own org.freedesktop.secrets", logs, func() bool {
		return secretservice.Available(t.Context(), b.lookupEnv) == nil
	})
	return b
}

// startDaemon starts cmd in a process group of its own, killed with the test
// binary if it dies, and stops the group when the test ends. Its output goes
// to logFile, whose path it returns.
func startDaemon(t *testing.T, cmd *exec.Cmd, logFile string, stdin *strings.Reader) string {
	t.Helper()
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		// Pdeathsig follows the thread that forked: keep it alive as long
		// as the process.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		log.Close()
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		log.Close()
	})
	return logFile
}

// killListed kills the processes whose ids are listed in file.
func killListed(file string) {
	data, _ := os.ReadFile(file)
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func waitFor(t *testing.T, what, logFile string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for !ok() {
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(logFile)
			t.Fatalf("waited %v for %s; its output:\n%s", startTimeout, what, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// backend returns a backend on the bus, closed when the test ends.
func (k *testBus) backend(t *testing.T, opts ...secretservice.Option) *secretservice.Backend {
	t.Helper()
	b, err := secretservice.New(k.lookupEnv, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// helper runs the backend in a new process (this test binary, see
// runHelper) with the bus's environment and nothing else.
func (k *testBus) helper(t *testing.T, op, stdin string, env ...string) (stdout, stderr string, code int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env = append(append(slices.Clone(k.env), env...), helperEnv+"="+op)
	return testenv.RunBinary(t, exe, env, stdin, "-test.run=^$")
}

// lock locks the default keyring through the Secret Service.
func (k *testBus) lock(t *testing.T) {
	t.Helper()
	conn, err := dbus.Connect(k.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var coll dbus.ObjectPath
	if err := svc.CallWithContext(t.Context(), "org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&coll); err != nil {
		t.Fatal(err)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := svc.CallWithContext(t.Context(), "org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{coll}).Store(&locked, &prompt); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(locked, coll) {
		t.Fatalf("Lock(%s) locked %v (prompt %s)", coll, locked, prompt)
	}
}

// cmdlineScan watches every process's command line and environment for a
// needle while a test runs.
type cmdlineScan struct {
	needle []byte
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	found  []string
	scans  int
}

func scanProcesses(needle string) *cmdlineScan {
	s := &cmdlineScan{needle: []byte(needle), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			s.scan()
			select {
			case <-s.stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return s
}

func (s *cmdlineScan) scan() {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		for _, f := range []string{"cmdline", "environ"} {
			data, err := os.ReadFile(filepath.Join(p, f))
			if err == nil && bytes.Contains(data, s.needle) {
				s.mu.Lock()
				s.found = append(s.found, fmt.Sprintf("%s/%s: %q", p, f, bytes.ReplaceAll(data, []byte{0}, []byte{' '})))
				s.mu.Unlock()
			}
		}
	}
	s.mu.Lock()
	s.scans++
	s.mu.Unlock()
}

// check stops the scan and fails the test if the needle was seen.
func (s *cmdlineScan) check(t *testing.T) {
	t.Helper()
	close(s.stop)
	<-s.done
	if len(s.found) > 0 {
		t.Errorf("the secret appeared in a process's command line or environment:\n%s", strings.Join(s.found, "\n"))
	}
	if s.scans < 2 {
		t.Errorf("only %d scans of the processes", s.scans)
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestRealKeyringRoundTrip(t *testing.T) {
	t.Parallel()
	k := startBus(t, keyringOptions{keyring: true, unlock: true})
	secretTool := testenv.NeedCommand(t, "secret-tool", secretToolHint)
	ctx := t.Context()

	marker := "sesame-test-secret-" + randomHex(t)
	secret := marker + "\x00\xff\nsecond line"
	name := "sesame:keys:" + randomHex(t)
	scan := scanProcesses(marker)

	// Stored by one process, read back by another.
	if _, stderr, code := k.helper(t, "set "+name, secret); code != exitOK {
		t.Fatalf("set: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := k.helper(t, "get "+name, "")
	if code != exitOK || stdout != secret {
		t.Fatalf("get from a new process: exit %d, %q\n%s", code, stdout, stderr)
	}

	// libsecret's secret-tool, a client nobody here wrote, finds the same
	// item by its attributes, with sesame's label.
	stdout, stderr, code = testenv.RunBinary(t, secretTool, k.env, "", "lookup", "application", "sesame", "sesame-item", name)
	if code != 0 || stdout != secret {
		t.Fatalf("secret-tool lookup: exit %d, %q\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = testenv.RunBinary(t, secretTool, k.env, "", "search", "--all", "application", "sesame")
	if code != 0 || !strings.Contains(stdout+stderr, "label = sesame: "+name) || !strings.Contains(stdout+stderr, "attribute.sesame-item = "+name) {
		t.Errorf("secret-tool search: exit %d\n%s%s", code, stdout, stderr)
	}

	// And sesame reads what secret-tool wrote.
	other := "sesame:session:" + randomHex(t)
	if _, stderr, code := testenv.RunBinary(t, secretTool, k.env, "from libsecret", "store", "--label=x", "application", "sesame", "sesame-item", other); code != 0 {
		t.Fatalf("secret-tool store: exit %d\n%s", code, stderr)
	}
	b := k.backend(t)
	if got, err := b.Get(ctx, other); err != nil || string(got) != "from libsecret" {
		t.Errorf("Get(%s) = %q, %v", other, got, err)
	}

	// Every byte value survives, through the in-process backend this time.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	binName := "sesame:name-key"
	if err := b.Set(ctx, binName, all); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := k.helper(t, "get "+binName, ""); code != exitOK || stdout != string(all) {
		t.Errorf("get of binary data: exit %d, %q\n%s", code, stdout, stderr)
	}

	// Overwriting replaces the item instead of adding one.
	if _, stderr, code := k.helper(t, "set "+name, "second value"); code != exitOK {
		t.Fatalf("overwrite: exit %d\n%s", code, stderr)
	}
	if got, err := b.Get(ctx, name); err != nil || string(got) != "second value" {
		t.Errorf("Get after overwrite = %q, %v", got, err)
	}
	stdout, stderr, _ = testenv.RunBinary(t, secretTool, k.env, "", "search", "--all", "application", "sesame", "sesame-item", name)
	if n := strings.Count(stdout+stderr, "attribute.sesame-item = "+name); n != 1 {
		t.Errorf("%d items for %s after overwrite, want 1:\n%s", n, name, stdout)
	}

	want := []string{binName, name, other}
	slices.Sort(want)
	if names, err := b.List(ctx); err != nil || !slices.Equal(names, want) {
		t.Errorf("List = %q, %v; want %q", names, err, want)
	}
	if stdout, _, code := k.helper(t, "list", ""); code != exitOK || stdout != strings.Join(want, "\n")+"\n" {
		t.Errorf("list from a new process: exit %d, %q", code, stdout)
	}

	// Remove, from a new process; then it is gone for everyone.
	if _, stderr, code := k.helper(t, "remove "+name, ""); code != exitOK {
		t.Fatalf("remove: exit %d\n%s", code, stderr)
	}
	if _, err := b.Get(ctx, name); err != store.ErrNotFound {
		t.Errorf("Get after Remove = %v, want ErrNotFound", err)
	}
	if _, _, code := k.helper(t, "get "+name, ""); code != exitNotFound {
		t.Errorf("get after remove: exit %d, want %d (not found)", code, exitNotFound)
	}
	if err := b.Remove(ctx, name); err != store.ErrNotFound {
		t.Errorf("second Remove = %v, want ErrNotFound", err)
	}
	if _, _, code := testenv.RunBinary(t, secretTool, k.env, "", "lookup", "application", "sesame", "sesame-item", name); code == 0 {
		t.Error("secret-tool still finds the removed item")
	}
	if _, err := b.Get(ctx, "sesame:keys:never-stored"); err != store.ErrNotFound {
		t.Errorf("Get of a missing item = %v, want ErrNotFound", err)
	}
	scan.check(t)
}

// locked runs every backend call on a locked keyring: each must fail with
// ErrLocked, never ErrNotFound, and finish within bound.
func assertLocked(t *testing.T, b *secretservice.Backend, ctx context.Context, bound time.Duration, wantText string) {
	t.Helper()
	calls := map[string]func() error{
		"Get": func() error { _, err := b.Get(ctx, "sesame:keys:a"); return err },
		"Get of a missing item": func() error {
			_, err := b.Get(ctx, "sesame:keys:missing")
			return err
		},
		"Set":    func() error { return b.Set(ctx, "sesame:keys:b", []byte("s3cret-while-locked")) },
		"List":   func() error { _, err := b.List(ctx); return err },
		"Remove": func() error { return b.Remove(ctx, "sesame:keys:a") },
	}
	for what, f := range calls {
		start := time.Now()
		err := f()
		d := time.Since(start)
		if !errors.Is(err, store.ErrLocked) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s on a locked keyring = %v, want ErrLocked", what, err)
			continue
		}
		if !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), wantText) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %q should say the keyring is locked (%s) and how to unlock it, without the secret", what, err, wantText)
		}
		if d > bound {
			t.Errorf("%s on a locked keyring took %v (bound %v)", what, d, bound)
		}
	}
}

func TestLockedKeyring(t *testing.T) {
	t.Parallel()
	k := startBus(t, keyringOptions{keyring: true, unlock: true})
	b := k.backend(t)
	if err := b.Set(t.Context(), "sesame:keys:a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	k.lock(t)

	// There is no display, so gnome-keyring cannot show its prompt and the
	// prompt completes as dismissed at once.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	assertLocked(t, b, ctx, 15*time.Second, "dismissed")
	assertLocked(t, k.backend(t, secretservice.WithoutPrompt()), ctx, 15*time.Second, "prompting")

	// A new process sees the same.
	if _, stderr, code := k.helper(t, "get sesame:keys:a", ""); code != exitLocked || !strings.Contains(stderr, "locked") {
		t.Errorf("get from a new process: exit %d, want %d (locked)\n%s", code, exitLocked, stderr)
	}
}

func TestLockedKeyringPromptNobodyAnswers(t *testing.T) {
	t.Parallel()
	k := startBus(t, keyringOptions{keyring: true, unlock: true, prompterHangs: true})
	b := k.backend(t)
	if err := b.Set(t.Context(), "sesame:keys:a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	k.lock(t)

	// The prompt would wait for minutes: the caller's context ends it.
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.Get(ctx, "sesame:keys:a")
	d := time.Since(start)
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "nobody answered") {
		t.Errorf("Get with a prompt nobody answers = %v, want ErrLocked (nobody answered)", err)
	}
	// The context's 1.5 s plus the short clean-up calls, far from a hang.
	if d > 10*time.Second {
		t.Errorf("Get took %v with a 1.5s context", d)
	}
	// The backend (and its connection) still work after giving up.
	ctx2, cancel2 := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel2()
	if _, err := b.List(ctx2); !errors.Is(err, store.ErrLocked) {
		t.Errorf("List after a timed-out prompt = %v, want ErrLocked", err)
	}
	// Giving up did not hurt the keyring daemon (dismissing the prompt
	// would have crashed gnome-keyring 42), also once the connection that
	// asked for the prompt is gone.
	b.Close()
	if err := secretservice.Available(t.Context(), k.lookupEnv); err != nil {
		t.Errorf("gnome-keyring-daemon is gone after an unanswered prompt: %v", err)
	}
	if _, stderr, code := k.helper(t, "list", "", helperTimeoutEnv+"=1500ms"); code != exitLocked {
		t.Errorf("list from a new process: exit %d, want %d (locked)\n%s", code, exitLocked, stderr)
	}
}

func TestNoDefaultKeyring(t *testing.T) {
	t.Parallel()
	// Without --unlock on a fresh home there is no login keyring, and
	// creating one needs a prompt that cannot be shown.
	k := startBus(t, keyringOptions{keyring: true})
	b := k.backend(t)
	ctx := t.Context()
	if _, err := b.Get(ctx, "sesame:keys:a"); err != store.ErrNotFound {
		t.Errorf("Get = %v, want ErrNotFound (nothing can be stored without a keyring)", err)
	}
	if names, err := b.List(ctx); err != nil || len(names) != 0 {
		t.Errorf("List = %q, %v", names, err)
	}
	err := b.Set(ctx, "sesame:keys:a", []byte("v"))
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "no default keyring") {
		t.Errorf("Set = %v, want ErrUnavailable (no default keyring)", err)
	}
}

func TestBusWithoutSecretService(t *testing.T) {
	t.Parallel()
	k := startBus(t, keyringOptions{})
	ctx := t.Context()
	err := secretservice.Available(ctx, k.lookupEnv)
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "no Secret Service") {
		t.Errorf("Available = %v, want ErrUnavailable (no Secret Service)", err)
	}
	b := k.backend(t)
	if _, err := b.Get(ctx, "sesame:keys:a"); !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get = %v, want ErrUnavailable", err)
	}
	if err := b.Set(ctx, "sesame:keys:a", []byte("v")); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Set = %v, want ErrUnavailable", err)
	}
}

func TestSilentBus(t *testing.T) {
	t.Parallel()
	// A socket that accepts connections and never says a word.
	socket := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	env := envLookup(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + socket})
	b, err := secretservice.New(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = b.Get(ctx, "sesame:keys:a")
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get on a silent bus = %v, want ErrUnavailable and the deadline", err)
	}
	start2 := time.Now()
	if err := secretservice.Available(t.Context(), env); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Available on a silent bus = %v, want ErrUnavailable", err)
	}
	if d1, d2 := start2.Sub(start), time.Since(start2); d1 > 5*time.Second || d2 > 10*time.Second {
		t.Errorf("gave up after %v and %v: hangs", d1, d2)
	}
}
