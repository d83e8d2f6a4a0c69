package runenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestTakeSecretEnv(t *testing.T) {
	t.Setenv("SESAME_FILE_PASSPHRASE", "take-me-pass")
	t.Setenv("SESAME_FILE_PASSPHRASE_COMMAND", "echo take-me-command")
	t.Setenv("SESAME_KEEP", "kept")
	lookup := TakeSecretEnv()
	for k, want := range map[string]string{
		"SESAME_FILE_PASSPHRASE":         "take-me-pass",
		"SESAME_FILE_PASSPHRASE_COMMAND": "echo take-me-command",
		"SESAME_KEEP":                    "kept",
	} {
		if got, ok := lookup(k); !ok || got != want {
			t.Errorf("lookup(%s) = %q, %v; want %q", k, got, ok, want)
		}
	}
	if _, ok := lookup("SESAME_FILE_PASSPHRASE_OTHER"); ok {
		t.Error("lookup finds a secret that was never set")
	}
	for _, k := range []string{"SESAME_FILE_PASSPHRASE", "SESAME_FILE_PASSPHRASE_COMMAND"} {
		if _, ok := os.LookupEnv(k); ok {
			t.Errorf("%s is still in the process environment", k)
		}
	}
	out, err := exec.Command("env").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "SESAME_FILE_PASSPHRASE") || strings.Contains(string(out), "take-me") {
		t.Errorf("a child's environment holds the secrets:\n%s", out)
	}
	if !strings.Contains(string(out), "SESAME_KEEP=kept") {
		t.Errorf("a child's environment lost SESAME_KEEP:\n%s", out)
	}
}
