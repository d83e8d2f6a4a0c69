//go:build unix

package main_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

// The two plain-text key pairs of the fresh machine.
const (
	setupDevID      = "AKIAIOSFODNN7EXAMPLE"
	setupDevSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	setupProdID     = "AKIAI44QH8DHBEXAMPLE"
	setupProdSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
)

// TestSetupFreshMachine is issue 18's "done means", in bash and in zsh: a
// machine with two plain-text key pairs in ~/.aws/credentials and no
// keyring (no D-Bus session, no SESAME_BACKEND). sesame setup, typed into
// a real terminal (tmux) and answered as a person would, chooses the
// encrypted file vault, moves the keys into it (and deletes the backup
// that still holds them), writes the tools' profiles and the shell-init
// line, and ends with doctor's verdict. A second run asks only the SSO
// question and changes no file. Then a NEW shell, which reads the rc file,
// runs the AWS CLI through sesame against moto (sesame use dev, and the
// profile sesame-prod), and no file under HOME holds a secret in plain text.
func TestSetupFreshMachine(t *testing.T) {
	t.Parallel()
	testenv.NeedCommand(t, "tmux", "apt-get install -y tmux")
	testenv.NeedCommand(t, "aws", "the AWS CLI: apt-get install -y awscli, or pip install awscli")
	for _, sh := range []struct {
		name, hint string
		clean      []string // how to start the shell that runs setup: no rc file
		rc         string
		existingRC bool // an rc file exists before setup (then it is backed up)
	}{
		{name: "bash", hint: "apt-get install -y bash", clean: []string{"--norc", "--noprofile"}, rc: ".bashrc", existingRC: true},
		{name: "zsh", hint: "apt-get install -y zsh", clean: []string{"-f"}, rc: ".zshrc"},
	} {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			shell := testenv.NeedCommand(t, sh.name, sh.hint)
			moto := testenv.Moto(t)
			bin := testenv.Sesame(t)
			home := testenv.Sandbox(t)
			home.WriteCredentials("[dev]\naws_access_key_id = " + setupDevID + "\naws_secret_access_key = " + setupDevSecret + "\n\n" +
				"[prod]\naws_access_key_id = " + setupProdID + "\naws_secret_access_key = " + setupProdSecret + "\n")
			rcPath := filepath.Join(home.Dir, sh.rc)
			rcNote := " (a new file)"
			if sh.existingRC {
				rcNote = " (a backup is kept)"
				if err := os.WriteFile(rcPath, []byte("alias ll='ls -l'\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := append(home.Env(), moto.Env()...)
			env = append(env, "DBUS_SESSION_BUS_ADDRESS=", "SESAME_FILE_PASSPHRASE=setup-test-pass",
				"SESAME_FILE_UNLOCK_TTL=0", "SHELL="+shell, "HISTFILE=", "TERM=xterm-256color", "LANG=C.UTF-8")
			for i, kv := range env {
				if v, ok := strings.CutPrefix(kv, "PATH="); ok {
					env[i] = "PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + v
				}
			}

			// The first run, answered on the terminal.
			tm := testenv.StartTerminal(t, env, home.Dir, 200, 60, append([]string{shell}, sh.clean...)...)
			tm.TypeLine("sesame setup; echo SETUP-EXIT=$?")
			for _, qa := range []struct{ question, answer string }{
				{"Use the encrypted file from now on? [Y/n]", "y"},
				{"Move the keys into the store now? [Y/n]", ""},
				{"Delete the backup now? [y/N]", "y"},
				{"Add [profile sesame-dev], [profile sesame-prod] to ~/.aws/config (a new file)? [Y/n]", ""},
				{"Add this line to ~/" + sh.rc + rcNote + "? [Y/n]", ""},
				{"Set up IAM Identity Center now? [y/N]", "n"},
			} {
				waitCount(t, tm, qa.question, 1)
				tm.TypeLine(qa.answer)
			}
			screen := waitCount(t, tm, "SETUP-EXIT=", 1)
			for _, want := range []string{
				"SETUP-EXIT=0",
				"sesame: saved backend = file in " + filepath.Join(home.Dir, ".config", "sesame", "config"),
				"sesame: moved 2 key pair(s) to the file store",
				"  - ~/" + sh.rc + ": the shell-init line",
				"ok   store: the file backend (~/.local/share/sesame/vault) is available and unlocked",
				"ok   no plain-text long-term keys",
				"sesame is set up.",
			} {
				if !strings.Contains(screen, want) {
					t.Errorf("the first run does not show %q:\n%s", want, screen)
				}
			}
			if strings.Contains(screen, setupDevSecret) || strings.Contains(screen, setupProdSecret) {
				t.Errorf("a secret was shown:\n%s", screen)
			}
			rc, err := os.ReadFile(rcPath)
			line := fmt.Sprintf(`eval "$(sesame shell-init %s)"`, sh.name)
			if err != nil || strings.Count(string(rc), line) != 1 {
				t.Errorf("%s: %q, %v; want the line once", sh.rc, rc, err)
			}
			backups, _ := filepath.Glob(rcPath + ".sesame-backup-*")
			if sh.existingRC {
				if fi, _ := os.Stat(rcPath); fi == nil || fi.Mode().Perm() != 0o644 {
					t.Errorf("%s lost its mode: %v", sh.rc, fi)
				}
				if len(backups) != 1 {
					t.Fatalf("backups of %s: %v, want one", sh.rc, backups)
				}
				if b, _ := os.ReadFile(backups[0]); string(b) != "alias ll='ls -l'\n" {
					t.Errorf("backup holds %q", b)
				}
				if fi, _ := os.Stat(backups[0]); fi.Mode().Perm() != 0o600 {
					t.Errorf("backup mode %v", fi.Mode().Perm())
				}
			} else if len(backups) != 0 {
				t.Errorf("a backup of a file that did not exist: %v", backups)
			}

			// The second run changes nothing.
			before := snapshotHome(t, home.Dir)
			tm.TypeLine("sesame setup; echo SETUP-EXIT=$?")
			waitCount(t, tm, "Set up IAM Identity Center now? [y/N]", 2)
			tm.TypeLine("")
			screen = waitCount(t, tm, "SETUP-EXIT=", 2)
			second := screen[strings.LastIndex(screen, "sesame setup; echo"):]
			for _, want := range []string{
				"ok: the file store (~/.local/share/sesame/vault) works",
				"ok: no plain-text key pairs in ~/.aws/credentials",
				"ok: profiles sesame-dev, sesame-prod ask sesame for credentials",
				"ok: ~/" + sh.rc + " loads sesame's shell function",
				"nothing was changed: everything was set up already",
				"SETUP-EXIT=0",
			} {
				if !strings.Contains(second, want) {
					t.Errorf("the second run does not show %q:\n%s", want, second)
				}
			}
			if strings.Count(second, "? [") != 1 {
				t.Errorf("the second run asked more than the SSO question:\n%s", second)
			}
			if after := snapshotHome(t, home.Dir); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("the second run changed files:\nbefore %v\nafter  %v", before, after)
			}

			// A new shell reads the rc file: sesame use works in it, and
			// the AWS CLI gets credentials through sesame.
			tm2 := testenv.StartTerminal(t, env, home.Dir, 200, 50, shell, "-i")
			tm2.TypeLine("sesame use dev && aws sts get-caller-identity --query Arn --output text; echo NEW-1-EXIT=$?")
			waitCount(t, tm2, "NEW-1-EXIT=", 1)
			tm2.TypeLine("aws sts get-caller-identity --profile sesame-prod --query Arn --output text; echo NEW-2-EXIT=$?")
			screen = waitCount(t, tm2, "NEW-2-EXIT=", 1)
			for _, want := range []string{"NEW-1-EXIT=0", "NEW-2-EXIT=0", "arn:aws:"} {
				if !strings.Contains(screen, want) {
					t.Errorf("the new shell does not show %q:\n%s", want, screen)
				}
			}
			// The AWS CLI ran sesame: each call of it came after a
			// GetSessionToken signed with the profile's stored key, which
			// only sesame export (the credential_process) sends; moto
			// answers with a fixed key id, so the order is the proof.
			var calls []string
			for _, r := range moto.Proxy.Requests() {
				if r.Action != "" {
					calls = append(calls, r.Action+"/"+r.AccessKeyID)
				}
			}
			want := []string{"GetSessionToken/" + setupDevID, "GetCallerIdentity/", "GetSessionToken/" + setupProdID, "GetCallerIdentity/"}
			if len(calls) != len(want) {
				t.Errorf("AWS calls %v, want %v", calls, want)
			} else {
				for i := range want {
					if !strings.HasPrefix(calls[i], want[i]) {
						t.Errorf("AWS calls %v, want %v", calls, want)
						break
					}
				}
			}

			// No secret is left in plain text anywhere under HOME.
			_ = filepath.WalkDir(home.Dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				if err != nil {
					return nil // a socket, say
				}
				for _, secret := range []string{setupDevSecret, setupProdSecret} {
					if strings.Contains(string(b), secret) {
						t.Errorf("%s holds a secret in plain text", path)
					}
				}
				return nil
			})
		})
	}
}

// waitCount waits until the terminal shows text at least n times and
// returns the screen. A text ending in "=" stands for text followed by a
// number (an exit status), which the command line typed does not show.
func waitCount(t *testing.T, tm *testenv.Terminal, text string, n int) string {
	t.Helper()
	rx := regexp.MustCompile(regexp.QuoteMeta(text))
	if strings.HasSuffix(text, "=") {
		rx = regexp.MustCompile(regexp.QuoteMeta(text) + `[0-9]`)
	}
	deadline := time.Now().Add(testenv.TerminalTimeout)
	for {
		s := tm.Screen()
		if len(rx.FindAllStringIndex(s, -1)) >= n {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal did not show %q %d times within %v; it shows:\n%s", text, n, testenv.TerminalTimeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// snapshotHome is every file under home (lock files aside) with its mode
// and content.
func snapshotHome(t *testing.T, home string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(d.Name(), ".lock") {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b, _ := os.ReadFile(path)
		files[strings.TrimPrefix(path, home)] = fmt.Sprintf("%v %x", fi.Mode(), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
