//go:build unix

package configure_test

import (
	"bytes"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestConfigureSSOWithoutTerminal runs the built binary with no
// controlling terminal at all (a new session, stdin from /dev/null): the
// wizard refuses at once with what to do instead, exit status 1, and the
// config file is not touched.
func TestConfigureSSOWithoutTerminal(t *testing.T) {
	t.Parallel()
	bin := testenv.Sesame(t)
	h := testenv.Sandbox(t)
	h.WriteConfig(handWritten)
	ctx := t.Context()
	cmd := exec.CommandContext(ctx, bin, "configure", "sso", "--default")
	cmd.Env = append(h.Env(), "SESAME_BACKEND=file", "SESAME_FILE_PASSPHRASE=x")
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no /dev/tty
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\nstderr:\n%s", err, &stderr)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q", &stdout)
	}
	want := "sesame: the configure sso wizard asks its questions on a terminal, and there is none here\n" +
		"sesame: hint: write the sections by hand (sesame configure sso --help shows them), or write only [sso-session NAME] and run: " +
		"sesame sso login --sso-session NAME && sesame sso populate --sso-session NAME\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", &stderr, want)
	}
	if data, err := os.ReadFile(h.ConfigFile); err != nil || string(data) != handWritten {
		t.Errorf("config changed: %v\n%s", err, data)
	}
}
