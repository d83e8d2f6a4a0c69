package setup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/backends"
)

const (
	devSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	prodSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	credsText  = "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + devSecret + "\nregion = eu-west-1\n\n" +
		"[prod]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = " + prodSecret + "\n"
)

// answers is a fake prompter: each question must match the next answer's
// prefix, and an unexpected question fails the test.
type answers struct {
	t    *testing.T
	next []answer
}

type answer struct {
	question string
	yes      bool
}

func (a *answers) Confirm(ctx context.Context, label string, def bool) (bool, error) {
	a.t.Helper()
	if len(a.next) == 0 || !strings.HasPrefix(label, a.next[0].question) {
		a.t.Fatalf("unexpected question %q (want %v)", label, a.next)
	}
	ans := a.next[0].yes
	a.next = a.next[1:]
	return ans, nil
}

func (a *answers) Secret(context.Context, string) (string, error) {
	a.t.Fatal("unexpected secret prompt")
	return "", nil
}

func (a *answers) Line(context.Context, string) (string, error) {
	a.t.Fatal("unexpected line prompt")
	return "", nil
}

// machine is a home folder with the fakes of the other commands: a store
// that is out of reach until the vault is chosen, and a migrate that moves
// the keys of the credentials file into it.
type machine struct {
	t        *testing.T
	home     string
	paths    awsconfig.Paths
	mem      *store.Store
	vault    bool // the vault was chosen
	calls    []string
	doctorOK bool
}

func newMachine(t *testing.T) *machine {
	home := t.TempDir()
	m := &machine{t: t, home: home, doctorOK: true,
		paths: awsconfig.Paths{Config: filepath.Join(home, ".aws", "config"), Credentials: filepath.Join(home, ".aws", "credentials")},
		mem:   store.New(store.NewMemory(), filepath.Join(home, "locks"))}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.paths.Credentials, []byte(credsText), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".bashrc"), []byte("alias ll=ls\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *machine) options(yes bool, ans ...answer) (*Options, *bytes.Buffer) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetTTY(true, true, true)
	env := map[string]string{"SHELL": "/bin/bash"}
	prompter := &answers{t: m.t, next: ans}
	return &Options{
		IO:       ios,
		Prompter: prompter,
		Paths:    func() (awsconfig.Paths, error) { return m.paths, nil },
		HomeDir:  func() (string, error) { return m.home, nil },
		Getenv:   func(k string) string { return env[k] },
		Now:      func() time.Time { return time.Date(2026, 12, 5, 23, 30, 0, 0, time.UTC) },
		Command:  func() string { return "sesame" },
		Yes:      yes,
		Deps: Deps{
			Store: func(context.Context) (*store.Store, error) {
				m.calls = append(m.calls, "store")
				if !m.vault {
					return nil, &backends.NoKeyringError{Err: errors.New("no D-Bus session")}
				}
				return m.mem, nil
			},
			OfferVault: func(ctx context.Context, yes bool) (bool, string, error) {
				m.calls = append(m.calls, fmt.Sprintf("offer-vault(yes=%v)", yes))
				if !yes {
					chosen, err := prompter.Confirm(ctx, "Use the encrypted file from now on?", true)
					if err != nil || !chosen {
						return false, "", err
					}
				}
				m.vault = true
				return true, filepath.Join(m.home, ".config", "sesame", "config"), nil
			},
			Migrate: func(ctx context.Context) error {
				m.calls = append(m.calls, "migrate")
				return m.migrate(ctx)
			},
			ConfigureSSO: func(context.Context) error { m.calls = append(m.calls, "configure-sso"); return nil },
			Doctor: func(context.Context) error {
				m.calls = append(m.calls, "doctor")
				if !m.doctorOK {
					return errors.New("doctor found 1 problem: see the fix: lines above")
				}
				return nil
			},
		},
	}, errOut
}

// migrate is what sesame migrate does, in short.
func (m *machine) migrate(ctx context.Context) error {
	data, err := os.ReadFile(m.paths.Credentials)
	if err != nil {
		return err
	}
	if err := os.WriteFile(m.paths.Credentials+".sesame-backup-20261205T233000Z", data, 0o600); err != nil {
		return err
	}
	return awsconfig.Update(m.paths.Credentials, func(f *awsconfig.File) error {
		for _, s := range f.Sections() {
			id, _ := s.Key("aws_access_key_id")
			secret, _ := s.Key("aws_secret_access_key")
			if err := m.mem.SetKeys(ctx, store.KeyPair{Profile: s.Name, AccessKeyID: id.Value, SecretAccessKey: secret.Value}); err != nil {
				return err
			}
			for _, k := range []string{"aws_access_key_id", "aws_secret_access_key"} {
				if _, err := f.Unset(s.Name, k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// snapshot is every file under home with its content and mode.
func (m *machine) snapshot() map[string]string {
	files := map[string]string{}
	filepath.WalkDir(m.home, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") && strings.HasSuffix(d.Name(), ".lock") {
			return err
		}
		fi, _ := d.Info()
		b, _ := os.ReadFile(path)
		files[path] = fmt.Sprintf("%v %s", fi.Mode(), b)
		return nil
	})
	return files
}

// TestYesThenAgain: --yes on a machine with no keyring and two plain-text
// keys chooses the vault, migrates, writes the tools' profiles and the
// shell-init line (with backups), skips SSO and ends with doctor; a second
// run changes no file and says so.
func TestYesThenAgain(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	opts, errOut := m.options(true)
	if err := Run(context.Background(), opts); err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut)
	}
	want := []string{"store", "offer-vault(yes=true)", "store", "migrate", "doctor"}
	if fmt.Sprint(m.calls) != fmt.Sprint(want) {
		t.Errorf("calls %v, want %v", m.calls, want)
	}
	cfg, err := os.ReadFile(m.paths.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"[profile sesame-dev]\n# written by sesame setup for dev; sesame use dev rewrites it, so edit profile dev instead\nsesame_generated = use\ncredential_process = sesame export --format json -- dev\nregion = eu-west-1\n",
		"[profile sesame-prod]\n",
	} {
		if !strings.Contains(string(cfg), w) {
			t.Errorf("config lacks %q:\n%s", w, cfg)
		}
	}
	rc, _ := os.ReadFile(filepath.Join(m.home, ".bashrc"))
	if string(rc) != "alias ll=ls\n\n"+rcComment+"\neval \"$(sesame shell-init bash)\"\n" {
		t.Errorf(".bashrc:\n%s", rc)
	}
	if b, err := os.ReadFile(filepath.Join(m.home, ".bashrc.sesame-backup-20261205T233000Z")); err != nil || string(b) != "alias ll=ls\n" {
		t.Errorf("no .bashrc backup: %q, %v", b, err)
	}
	out := errOut.String()
	for _, w := range []string{
		"Move the keys into the store now? yes (--yes)",
		"Delete the backup now? no (--yes)",
		"skipped (--yes): it needs your start URL. Later: sesame configure sso",
		"  - ~/.config/sesame/config: backend = file\n",
		"  - ~/.aws/credentials: 2 key pair(s) moved to the memory store\n",
		"  - ~/.bashrc: the shell-init line\n",
		"  - backup ~/.bashrc.sesame-backup-20261205T233000Z\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, devSecret) || strings.Contains(out, prodSecret) {
		t.Errorf("a secret is shown:\n%s", out)
	}

	before := m.snapshot()
	m.calls = nil
	opts, errOut = m.options(true)
	if err := Run(context.Background(), opts); err != nil {
		t.Fatalf("second Run: %v\n%s", err, errOut)
	}
	if fmt.Sprint(m.calls) != "[store doctor]" {
		t.Errorf("second run calls %v", m.calls)
	}
	if after := m.snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the second run changed files:\nbefore %v\nafter  %v", before, after)
	}
	for _, w := range []string{
		"ok: the memory store works (3 items)",
		"ok: no plain-text key pairs in ~/.aws/credentials",
		"ok: profiles sesame-dev, sesame-prod ask sesame for credentials",
		"ok: ~/.bashrc loads sesame's shell function",
		"nothing was changed: everything was set up already",
	} {
		if !strings.Contains(errOut.String(), w) {
			t.Errorf("second run lacks %q:\n%s", w, errOut)
		}
	}
}

// TestEveryStepSkipped: answering no everywhere changes nothing at all.
func TestEveryStepSkipped(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	m.vault = true // a keyring works
	before := m.snapshot()
	opts, errOut := m.options(false,
		answer{"Move the keys into the store now?", false},
		answer{"Add this line to ~/.bashrc", false},
		answer{"Set up IAM Identity Center now?", false})
	if err := Run(context.Background(), opts); err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut)
	}
	if fmt.Sprint(m.calls) != "[store doctor]" {
		t.Errorf("calls %v", m.calls)
	}
	if after := m.snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("files changed:\nbefore %v\nafter  %v", before, after)
	}
	for _, w := range []string{"skipped. Later: sesame migrate", "skipped. Later: add the line above to ~/.bashrc yourself", "skipped. Later: sesame configure sso", "nothing was changed"} {
		if !strings.Contains(errOut.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, errOut)
		}
	}
}

// TestInteractive: on a terminal the questions are asked; a yes to deleting
// the migrate backup removes it (no plain-text secret is left), and a yes
// to SSO runs configure sso.
func TestInteractive(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	opts, errOut := m.options(false,
		answer{"Use the encrypted file from now on?", true},
		answer{"Move the keys into the store now?", true},
		answer{"Delete the backup now?", true},
		answer{"Add [profile sesame-dev], [profile sesame-prod] to ~/.aws/config", true},
		answer{"Add this line to ~/.bashrc", true},
		answer{"Set up IAM Identity Center now?", true})
	if err := Run(context.Background(), opts); err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut)
	}
	want := "[store offer-vault(yes=false) store migrate configure-sso doctor]"
	if fmt.Sprint(m.calls) != want {
		t.Errorf("calls %v, want %v", m.calls, want)
	}
	for path, content := range m.snapshot() {
		if strings.Contains(content, devSecret) || strings.Contains(content, prodSecret) {
			t.Errorf("%s holds a secret in plain text", path)
		}
	}
	if !strings.Contains(errOut.String(), "deleted ~/.aws/credentials.sesame-backup-20261205T233000Z") {
		t.Errorf("output:\n%s", errOut)
	}
}

// TestNoTerminal: without a terminal and without --yes, setup refuses
// with a usage error naming --yes, and changes nothing.
func TestNoTerminal(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	opts, _ := m.options(false)
	opts.IO.SetTTY(false, false, false)
	err := Run(context.Background(), opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(cmdutil.Hint(err), "sesame setup --yes") {
		t.Errorf("err %v (hint %q), want a usage error naming --yes", err, cmdutil.Hint(err))
	}
	if len(m.calls) != 0 {
		t.Errorf("calls %v", m.calls)
	}
}

// TestDoctorFails: doctor's verdict is setup's: its error, with a hint.
func TestDoctorFails(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	m.doctorOK = false
	opts, _ := m.options(true)
	err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "doctor found 1 problem") || !strings.Contains(cmdutil.Hint(err), "sesame setup") {
		t.Errorf("err %v, hint %q", err, cmdutil.Hint(err))
	}
}

// TestProcessLine: the credential_process line is the one sesame use
// writes: the binary (quoted when it must be), --backend when given, and
// "--" before the profile.
func TestProcessLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ cmd, backend, profile, want string }{
		{"sesame", "", "dev", "sesame export --format json -- dev"},
		{"/opt/my tools/sesame", "pass", "-x", "'/opt/my tools/sesame' --backend pass export --format json -- -x"},
	} {
		r := &run{Options: &Options{Command: func() string { return tc.cmd }, Backend: func() string { return tc.backend }}}
		if got := r.processLine(tc.profile); got != tc.want {
			t.Errorf("processLine(%q) = %q, want %q", tc.profile, got, tc.want)
		}
	}
}
