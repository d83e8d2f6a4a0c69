//go:build linux

package main_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestDemoTouchesNothingOfTheCallers runs scripts/demo.sh (what make demo
// runs) as a user whose environment points every sesame and AWS setting at
// their own files: a vault folder, a passphrase and a passphrase command, a
// backend, XDG folders, a config and credentials file, a profile, endpoints
// and a browser. The demo must walk through to the end and leave all of it
// exactly as it was: it works in a temporary HOME of its own.
func TestDemoTouchesNothingOfTheCallers(t *testing.T) {
	t.Parallel()
	if err := testenv.MotoAvailable(); err != nil {
		testenv.SkipOrFail(t, err)
	}
	bash := testenv.NeedCommand(t, "bash", "apt-get install -y bash")
	sesame := testenv.Sesame(t)

	user := t.TempDir()
	marker := filepath.Join(user, "ran")
	files := map[string]string{
		"vault/vault":       "the user's own vault: not a byte may change\n",
		"xdg-data/sesame/x": "the user's XDG data\n",
		"xdg-config/x":      "the user's XDG config\n",
		"aws/config":        "[profile mine]\nregion = eu-west-1\n",
		"aws/credentials":   "[mine]\naws_access_key_id = AKIAUSEROWNKEY000000\naws_secret_access_key = user-secret\n",
	}
	for name, content := range files {
		p := filepath.Join(user, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, user)

	env := []string{
		"PATH=" + os.Getenv("PATH"),
		// Go itself keeps telemetry under HOME: that HOME is not compared.
		"HOME=" + t.TempDir(),
		"SESAME_BACKEND=pass",
		"SESAME_FILE_DIR=" + filepath.Join(user, "vault"),
		"SESAME_FILE_PASSPHRASE=the-users-passphrase",
		"SESAME_FILE_PASSPHRASE_COMMAND=touch " + marker,
		"SESAME_PASS_DIR=" + filepath.Join(user, "pass"),
		"XDG_DATA_HOME=" + filepath.Join(user, "xdg-data"),
		"XDG_CONFIG_HOME=" + filepath.Join(user, "xdg-config"),
		"XDG_CACHE_HOME=" + filepath.Join(user, "xdg-cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(user, "xdg-runtime"),
		"AWS_CONFIG_FILE=" + filepath.Join(user, "aws/config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(user, "aws/credentials"),
		"AWS_PROFILE=mine",
		"AWS_ENDPOINT_URL_STS=http://127.0.0.1:9",
		"BROWSER=touch " + marker,
	}
	// The demo builds its fakes with Go: hand it this machine's Go caches
	// (under the real HOME), as a user's own HOME would.
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		v, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		env = append(env, k+"="+strings.TrimSpace(string(v)))
	}
	for _, k := range []string{"PYENV_ROOT", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY", "CI"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if _, ok := os.LookupEnv("PYENV_ROOT"); !ok {
		// pyenv's shims find their root under the real HOME.
		if home, err := os.UserHomeDir(); err == nil {
			env = append(env, "PYENV_ROOT="+filepath.Join(home, ".pyenv"))
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "../../scripts/demo.sh", sesame)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the demo failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{"assumed-role/", "(exit status 1)", "done:", "signed in to profile me as arn:aws:sts::123456789012:assumed-role/Admin/alice"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the demo ran the caller's passphrase command or BROWSER")
	}
	if after := snapshot(t, user); !mapsEqual(before, after) {
		t.Errorf("the demo changed the caller's files:\nbefore %v\nafter  %v", before, after)
	}
}

// snapshot maps every file and folder under dir to its content ("" for a
// folder).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			m[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(p)
		m[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
