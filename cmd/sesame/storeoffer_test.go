//go:build unix

package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestNoKeyringOffersTheVault runs the built binary on a terminal with no
// keyring (no D-Bus session) and no backend chosen: sesame says why once,
// offers the encrypted file vault, and on a yes writes backend = file into
// its settings file (0600) and stores the key there; the next command uses
// the vault without asking. On a no, nothing is written and the error is
// said once, with the command that fixes it.
func TestNoKeyringOffersTheVault(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{"y", "n"} {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			bin := testenv.Sesame(t)
			home := testenv.Sandbox(t)
			env := append(home.Env(), "DBUS_SESSION_BUS_ADDRESS=", "SESAME_BACKEND=", "SESAME_FILE_PASSPHRASE=offer-test-pass",
				"SESAME_FILE_UNLOCK_TTL=0", "TERM=xterm-256color", "LANG=C.UTF-8")
			for i, kv := range env {
				if v, ok := strings.CutPrefix(kv, "PATH="); ok {
					env[i] = "PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + v
				}
			}
			script := filepath.Join(home.Dir, "run.sh")
			testenv.WriteExecutable(t, script, []byte(`#!/bin/sh
printf 'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' | sesame add work
echo "ADD-STATUS=$?"
sesame export work --no-session --format env 2>&1 | sed 's/^/EXPORT: /'
echo ALL-DONE
`))
			tm := testenv.StartTerminal(t, env, home.Dir, 160, 50, script)
			tm.WaitForText("Use the encrypted file from now on?")
			tm.TypeLine(answer)
			screen := tm.WaitForText("ALL-DONE")
			settingsFile := filepath.Join(home.Dir, ".config", "sesame", "config")
			if n := strings.Count(screen, "no D-Bus session"); n != 1 {
				t.Errorf("the reason is said %d times, want once:\n%s", n, screen)
			}
			if answer == "n" {
				if !strings.Contains(screen, "ADD-STATUS=1") || !strings.Contains(screen, "sesame: hint: run: sesame setup") {
					t.Errorf("a no does not fail with the hint:\n%s", screen)
				}
				if _, err := os.Stat(settingsFile); !os.IsNotExist(err) {
					t.Errorf("a no wrote the settings file (%v)", err)
				}
				return
			}
			for _, want := range []string{"saved backend = file in " + settingsFile, "ADD-STATUS=0", "EXPORT: AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"} {
				if !strings.Contains(screen, want) {
					t.Errorf("the terminal does not show %q:\n%s", want, screen)
				}
			}
			if strings.Count(screen, "Use the encrypted file") != 1 {
				t.Errorf("asked more than once:\n%s", screen)
			}
			b, err := os.ReadFile(settingsFile)
			if err != nil || !strings.Contains(string(b), "\nbackend = file\n") {
				t.Fatalf("settings file: %q, %v", b, err)
			}
			if fi, _ := os.Stat(settingsFile); fi.Mode().Perm() != 0o600 {
				t.Errorf("settings file mode %v", fi.Mode())
			}
			if _, err := os.Stat(filepath.Join(home.Dir, ".local", "share", "sesame", "vault")); err != nil {
				t.Errorf("no vault: %v", err)
			}
		})
	}
}
