package testenv_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const helloPkg = "github.com/sesamehq/sesame/internal/testenv/testdata/hello"

func envMap(env []string) map[string]string {
	m := make(map[string]string)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestSandboxScrubsEnvironment(t *testing.T) {
	// Not parallel: it plants variables in the process environment.
	t.Setenv("AWS_PROFILE", "developer")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAREALDEVELOPERKEY")
	t.Setenv("SESAME_BACKEND", "keychain")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("TMPDIR", os.TempDir())

	home := testenv.Sandbox(t)
	env := envMap(home.Env())
	want := map[string]string{
		"PATH":                              os.Getenv("PATH"),
		"TMPDIR":                            os.TempDir(),
		"HOME":                              home.Dir,
		"AWS_CONFIG_FILE":                   filepath.Join(home.Dir, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE":       filepath.Join(home.Dir, ".aws", "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9",
		"XDG_CONFIG_HOME":                   filepath.Join(home.Dir, ".config"),
		"XDG_CACHE_HOME":                    filepath.Join(home.Dir, ".cache"),
		"XDG_DATA_HOME":                     filepath.Join(home.Dir, ".local", "share"),
		"XDG_STATE_HOME":                    filepath.Join(home.Dir, ".local", "state"),
		"XDG_RUNTIME_DIR":                   filepath.Join(home.Dir, ".run"),
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for k := range env {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected variable %s=%q in the sandbox", k, env[k])
		}
	}
	if len(home.Env()) != len(want) {
		t.Errorf("Env has %d entries, want %d (no duplicates): %q", len(home.Env()), len(want), home.Env())
	}
}

func TestSandboxFiles(t *testing.T) {
	t.Parallel()
	home := testenv.Sandbox(t)
	if home.ConfigFile != filepath.Join(home.AWSDir, "config") || home.CredentialsFile != filepath.Join(home.AWSDir, "credentials") {
		t.Fatalf("paths: %+v", home)
	}
	for _, d := range []string{home.AWSDir, filepath.Join(home.Dir, ".run")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want a 0700 directory", d, fi.Mode())
		}
	}
	for _, f := range []string{home.ConfigFile, home.CredentialsFile} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s exists before it is written (err %v)", f, err)
		}
	}

	home.WriteConfig("[profile dev]\nregion = eu-west-1\n")
	home.WriteCredentials("[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
	for f, want := range map[string]string{
		home.ConfigFile:      "[profile dev]\nregion = eu-west-1\n",
		home.CredentialsFile: "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
	} {
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, fi.Mode().Perm())
		}
	}

	// Env returns a fresh slice each time.
	e := home.Env()
	e[0] = "CHANGED=1"
	if slices.Contains(home.Env(), "CHANGED=1") {
		t.Error("changing Env's result changed the sandbox")
	}

	// Two sandboxes never share a home.
	if other := testenv.Sandbox(t); other.Dir == home.Dir {
		t.Error("two sandboxes share a home")
	}
}

func TestNeedCommandFound(t *testing.T) {
	t.Parallel()
	p := testenv.NeedCommand(t, "go", "install Go")
	if !filepath.IsAbs(p) {
		t.Errorf("NeedCommand(go) = %q, want an absolute path", p)
	}
}

func TestMissingToolError(t *testing.T) {
	t.Parallel()
	_, err := testenv.LookTool("sesame-no-such-tool", "install it with apt-get install -y sesame-no-such-tool")
	if err == nil {
		t.Fatal("LookTool found a tool that does not exist")
	}
	want := "sesame-no-such-tool not found on PATH: install it with apt-get install -y sesame-no-such-tool"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	_, err = testenv.LookTool("/no/such/dir/chromium", "apt-get install -y chromium")
	if want := "/no/such/dir/chromium not found: apt-get install -y chromium"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestMotoAvailableReportsWhatToInstall(t *testing.T) {
	// Not parallel: it empties PATH.
	t.Setenv("PATH", t.TempDir())
	err := testenv.MotoAvailable()
	var missing *testenv.MissingToolError
	if !errors.As(err, &missing) {
		t.Fatalf("MotoAvailable() = %v, want a *MissingToolError", err)
	}
	if want := "python3 not found on PATH: install Python 3 (apt-get install -y python3) and moto (pip install 'moto[server]')"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}

	// python3 present, moto_server missing.
	dir := t.TempDir()
	testenv.WriteExecutable(t, filepath.Join(dir, "python3"), []byte("#!/bin/sh\n"))
	t.Setenv("PATH", dir)
	err = testenv.MotoAvailable()
	if want := "moto_server not found on PATH: install moto with its server extra (pip install 'moto[server]')"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestBuildAndRunBinary(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildBinary(t, helloPkg)
	if again := testenv.BuildBinary(t, helloPkg); again != bin {
		t.Errorf("second build gave %q, want the cached %q", again, bin)
	}
	if filepath.Base(bin) != "hello" {
		t.Errorf("binary %q, want it named hello", bin)
	}

	home := testenv.Sandbox(t)
	stdout, stderr, code := testenv.RunBinary(t, bin, append(home.Env(), "EXTRA=1"), "input on stdin\n", "3")
	if stdout != "input on stdin\n" {
		t.Errorf("stdout = %q", stdout)
	}
	if code != 3 {
		t.Errorf("exit code = %d, want 3", code)
	}
	if !strings.Contains(stderr, "env: HOME="+home.Dir+"\n") || !strings.Contains(stderr, "env: EXTRA=1\n") {
		t.Errorf("the child did not get the sandbox environment; stderr:\n%s", stderr)
	}
	if strings.Contains(stderr, "env: GOFLAGS=") || strings.Contains(stderr, "env: GOPATH=") {
		t.Errorf("the test process's environment leaked into the child; stderr:\n%s", stderr)
	}
	if strings.Contains(stderr, "wd: "+mustGetwd(t)+"\n") {
		t.Errorf("the child ran in the package directory; stderr:\n%s", stderr)
	}

	// nil env: PATH only.
	_, stderr, code = testenv.RunBinary(t, bin, nil, "", "0")
	if code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	var envs []string
	for line := range strings.Lines(stderr) {
		if k, ok := strings.CutPrefix(line, "env: "); ok {
			envs = append(envs, strings.SplitN(k, "=", 2)[0])
		}
	}
	slices.Sort(envs)
	if want := []string{"PATH"}; !slices.Equal(envs, want) && !slices.Equal(envs, []string{"PATH", "TMPDIR"}) {
		t.Errorf("child env with nil = %q, want %q (plus TMPDIR if set)", envs, want)
	}
}

func TestBuildFailureShowsOutput(t *testing.T) {
	t.Parallel()
	ft := &fakeTB{TB: t}
	ft.run(func() { testenv.BuildBinary(ft, "github.com/sesamehq/sesame/internal/testenv/testdata/nosuchcmd") })
	if !ft.failed || !strings.Contains(ft.msg, "go build") || !strings.Contains(ft.msg, "nosuchcmd") {
		t.Errorf("failed=%v msg=%q, want a failure with go build's output", ft.failed, ft.msg)
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestSkipOrFail(t *testing.T) {
	t.Parallel()
	_, err := testenv.LookTool("gnome-keyring-daemon-nope", "apt-get install -y gnome-keyring dbus")
	for _, tc := range []struct {
		ci                  bool
		wantFail, wantSkip  bool
		wantPrefix, wantEnd string
	}{
		{ci: true, wantFail: true, wantPrefix: "gnome-keyring-daemon-nope not found on PATH: apt-get install -y gnome-keyring dbus", wantEnd: "(CI=true: a missing tool is a failure)"},
		{ci: false, wantSkip: true, wantPrefix: "skipping: gnome-keyring-daemon-nope not found on PATH: apt-get install -y gnome-keyring dbus"},
	} {
		ft := &fakeTB{TB: t}
		ft.run(func() { testenv.SkipOrFailCI(ft, tc.ci, err) })
		if ft.failed != tc.wantFail || ft.skipped != tc.wantSkip {
			t.Errorf("ci=%v: failed=%v skipped=%v, want %v %v", tc.ci, ft.failed, ft.skipped, tc.wantFail, tc.wantSkip)
		}
		if !strings.HasPrefix(ft.msg, tc.wantPrefix) || !strings.HasSuffix(ft.msg, tc.wantEnd) {
			t.Errorf("ci=%v: message %q, want %q...%q", tc.ci, ft.msg, tc.wantPrefix, tc.wantEnd)
		}
	}
}

func TestInCI(t *testing.T) {
	// Not parallel: it sets CI.
	for v, want := range map[string]bool{"true": true, "1": true, "TRUE": true, "false": false, "": false, "yes-ish": false} {
		t.Setenv("CI", v)
		if got := testenv.InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", v, got, want)
		}
	}
}

func TestRunBinaryTimeout(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildBinary(t, helloPkg)
	ft := &fakeTB{TB: t, deadline: time.Now().Add(time.Second)}
	start := time.Now()
	ft.run(func() { testenv.RunBinary(ft, bin, nil, "", "sleep") })
	if !ft.failed || !strings.Contains(ft.msg, "hello sleep: did not finish within") {
		t.Errorf("failed=%v msg=%q, want a timeout failure", ft.failed, ft.msg)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("RunBinary took %v to give up", d)
	}
}
