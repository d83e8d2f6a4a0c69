package wintest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

const (
	keyID  = "AKIAIOSFODNN7EXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// winenv is what every sesame.exe run gets besides Wine's own variables.
type winenv struct {
	w      *testenv.Wine
	sesame string // sesame.exe
	helper string // winhelper.exe
	credop string // credop.exe
	base   []string
}

func (e *winenv) run(t *testing.T, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	start := time.Now()
	out, errOut, code := e.w.Run(t, append(append([]string(nil), e.base...), env...), stdin, e.sesame, args...)
	t.Logf("sesame %s: exit %d in %v", strings.Join(args, " "), code, time.Since(start).Round(time.Millisecond))
	return out, errOut, code
}

// must runs sesame and fails the test unless it exits 0.
func (e *winenv) must(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	out, errOut, code := e.run(t, env, stdin, args...)
	if code != 0 {
		t.Fatalf("sesame %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (e *winenv) terminal(t *testing.T, env []string, args ...string) *testenv.Terminal {
	t.Helper()
	argv := e.w.Argv(e.sesame, args...)
	return testenv.StartTerminal(t, e.w.Env(append(append([]string(nil), e.base...), env...)...), t.TempDir(), 160, 40, argv...)
}

// TestWindowsBuildUnderWine runs sesame.exe, built as it is released for
// Windows, under Wine: the wincred and file backends, prompts and the
// picker on the Windows console, AssumeRole against moto, exec (exit
// status, Ctrl-C, the ECS server with a Windows client), the passphrase
// command under cmd /c, and a chunked item in Credential Manager. The
// subtests run in order and build on each other (profiles added earlier
// are used later).
func TestWindowsBuildUnderWine(t *testing.T) {
	start := time.Now()
	testenv.SkipInShort(t, "runs the Windows build under Wine")
	const sesamePkg = "github.com/sesamehq/sesame/cmd/sesame"
	testenv.StartWindowsBuilds(sesamePkg, "./testdata/winhelper", "./testdata/credop")
	w := testenv.NeedWine(t)
	t.Logf("Wine prefix made in %v", w.Setup.Round(time.Millisecond))
	moto := testenv.Moto(t)
	e := &winenv{
		w:      w,
		sesame: testenv.BuildWindows(t, sesamePkg),
		helper: testenv.BuildWindows(t, "./testdata/winhelper"),
		credop: testenv.BuildWindows(t, "./testdata/credop"),
		base:   append(moto.Env(), "SESAME_BACKEND=wincred", "NO_COLOR=1"),
	}
	t.Logf("Wine prefix, moto and the Windows builds ready after %v", time.Since(start).Round(time.Millisecond))
	awsDir := filepath.Join(w.Home, ".aws")
	t.Cleanup(func() { _ = os.RemoveAll(awsDir) })

	// Two groups run side by side: the file vault (argon2id makes it
	// slow under Wine), with its own AWS config file, and the rest.
	t.Run("groups", func(t *testing.T) {
		t.Run("file vault", func(t *testing.T) {
			t.Parallel()
			fileVault(t, e)
		})
		t.Run("wincred, AWS and the console", func(t *testing.T) {
			t.Parallel()
			t.Run("add from stdin, list, export from wincred", func(t *testing.T) {
				e.must(t, nil, keyID+"\n"+secret+"\n", "add", "dev")
				// Wine ignores HOME: the config is in the Windows user's profile.
				cfg, err := os.ReadFile(filepath.Join(awsDir, "config"))
				if err != nil || !strings.Contains(string(cfg), "[profile dev]") {
					t.Fatalf("config in %s = %q, %v; want [profile dev]", awsDir, cfg, err)
				}
				out := e.must(t, nil, "", "list")
				if !regexp.MustCompile(`(?m)^dev\s+keys`).MatchString(out) {
					t.Fatalf("list does not show dev with keys:\n%s", out)
				}
				out = e.must(t, nil, "", "export", "dev", "--format", "json")
				if !regexp.MustCompile(`"SessionToken": "[^"]+"`).MatchString(out) {
					t.Fatalf("export from wincred did not give a session from moto:\n%s", out)
				}
				// One prefix on Credential Manager's target names.
				targets, errOut, code := w.Run(t, nil, "", e.credop, "targets")
				if code != 0 || !strings.Contains(targets, "sesame:name-key\n") || !strings.Contains(targets, "sesame:keys:") {
					t.Fatalf("credop targets: exit %d\n%s%s", code, targets, errOut)
				}
				if strings.Contains(targets, "sesame:sesame:") {
					t.Fatalf("double-prefixed target names:\n%s", targets)
				}
			})

			t.Run("a sesame 1 double-prefixed item is found and moved", func(t *testing.T) {
				run := func(args ...string) string {
					t.Helper()
					out, errOut, code := w.Run(t, nil, "", e.credop, args...)
					if code != 0 {
						t.Fatalf("credop %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
					}
					return out
				}
				run("legacy", "sesame:keys:old")
				if got := run("raw", "sesame:sesame:keys:old"); got != "present\n" {
					t.Fatalf("the legacy item was not written: %q", got)
				}
				if got := run("get", "sesame:keys:old"); !strings.HasPrefix(got, "3000 ") {
					t.Fatalf("credop get of the legacy item = %q", got)
				}
				if got := run("raw", "sesame:sesame:keys:old"); got != "missing\n" {
					t.Fatalf("the legacy target is still there after the read: %q", got)
				}
				if got := run("raw", "sesame:keys:old"); got != "present\n" {
					t.Fatalf("the item was not moved to its one-prefix target: %q", got)
				}
			})

			t.Run("a large item chunked in Credential Manager", func(t *testing.T) {
				if _, errOut, code := w.Run(t, nil, "", e.credop, "set", "sesame:session:big", "8192"); code != 0 {
					t.Fatalf("credop set: %s", errOut)
				}
				out, errOut, code := w.Run(t, nil, "", e.credop, "get", "sesame:session:big")
				if code != 0 || !strings.HasPrefix(out, "8192 ") {
					t.Fatalf("credop get in another process = %q, exit %d: %s", out, code, errOut)
				}
				targets, _, _ := w.Run(t, nil, "", e.credop, "targets")
				for _, want := range []string{"sesame:session:big\n", "sesame:session:big#1\n", "sesame:session:big#3\n"} {
					if !strings.Contains(targets, want) {
						t.Errorf("no %q among the targets:\n%s", want, targets)
					}
				}
			})

			t.Run("a role through moto", func(t *testing.T) {
				f, err := os.OpenFile(filepath.Join(awsDir, "config"), os.O_APPEND|os.O_WRONLY, 0o600)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString("\n[profile winrole]\nrole_arn = arn:aws:iam::123456789012:role/winrole\nsource_profile = dev\nregion = eu-west-1\n")
				f.Close()
				out := e.must(t, nil, "", "whoami", "winrole")
				if !strings.Contains(out, "assumed-role/winrole/") {
					t.Fatalf("whoami winrole does not show the assumed role:\n%s", out)
				}
			})

			t.Run("exec returns the child's exit status", func(t *testing.T) {
				out := e.must(t, nil, "", "exec", "dev", "--", e.helper, "env")
				for _, want := range []string{`AWS_ACCESS_KEY_ID=A[SK]IA`, `SESAME_PROFILE=dev\r?\n`, `len\(AWS_SECRET_ACCESS_KEY\)=4\d`, `len\(AWS_SESSION_TOKEN\)=[1-9]`, `len\(SESAME_FILE_PASSPHRASE_COMMAND\)=0`} {
					if !regexp.MustCompile(want).MatchString(out) {
						t.Errorf("the child's environment lacks %q:\n%s", want, out)
					}
				}
				for _, tc := range []struct {
					args []string
					code int
				}{
					{[]string{e.helper, "exit", "7"}, 7},
					{[]string{"cmd", "/c", "exit 3"}, 3},
					{[]string{"no-such-program"}, 127},
				} {
					_, errOut, code := e.run(t, nil, "", append([]string{"exec", "dev", "--"}, tc.args...)...)
					if code != tc.code {
						t.Errorf("exec -- %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), code, tc.code, errOut)
					}
				}
			})

			t.Run("exec --server ecs with a Windows client", func(t *testing.T) {
				out := e.must(t, nil, "", "exec", "dev", "--server", "ecs", "--", e.helper, "ecs")
				if !regexp.MustCompile(`with the token: 200 A[SK]IA len\(secret\)=4\d`).MatchString(out) {
					t.Fatalf("the Windows client did not get credentials from the ECS server:\n%s", out)
				}
				if strings.Contains(out, "without the token: 200") {
					t.Fatalf("the ECS server answered a request without its token:\n%s", out)
				}
			})

			t.Run("add on the console, the secret not echoed", func(t *testing.T) {
				tm := e.terminal(t, nil, "add", "console")
				tm.WaitForText("Access key ID: ")
				tm.WaitConsoleInput()
				tm.TypeLine(keyID)
				tm.WaitForText("Secret access key: ")
				tm.WaitConsoleInput()
				tm.TypeLine(secret)
				screen := tm.WaitFor(`\[exited \d+\]`)
				if !strings.Contains(screen, "[exited 0]") {
					t.Fatalf("sesame add on the console failed:\n%s", screen)
				}
				if strings.Contains(screen, secret) {
					t.Fatalf("the secret access key was echoed on the console:\n%s", screen)
				}
				if !strings.Contains(screen, keyID) {
					t.Fatalf("the access key id was not echoed:\n%s", screen)
				}
				out := e.must(t, nil, "", "list")
				if !regexp.MustCompile(`(?m)^console\s+keys`).MatchString(out) {
					t.Fatalf("list does not show the profile added on the console:\n%s", out)
				}
			})

			t.Run("Ctrl-C at a secret prompt cancels", func(t *testing.T) {
				tm := e.terminal(t, nil, "add", "canceled")
				tm.WaitForText("Access key ID: ")
				tm.WaitConsoleInput()
				tm.TypeLine(keyID)
				tm.WaitForText("Secret access key: ")
				tm.WaitConsoleInput()
				// Wine's console hands the Ctrl-C to the program only when
				// the pending read ends (Windows ends the read at once), so
				// Enter follows it here; sesame must still take it as a
				// cancel, not as an empty secret, nor end with status 0 as
				// Windows' default Ctrl-C handling does under Wine.
				tm.Keys("C-c")
				time.Sleep(300 * time.Millisecond)
				tm.Keys("Enter")
				screen := tm.WaitFor(`\[exited \d+\]`)
				if !strings.Contains(screen, "[exited 130]") || !strings.Contains(screen, "canceled") {
					t.Fatalf("Ctrl-C at the secret prompt: want exit status 130 (canceled):\n%s", screen)
				}
			})

			t.Run("remove asks on the console", func(t *testing.T) {
				tm := e.terminal(t, nil, "remove", "console")
				tm.WaitForText("Delete the key pair stored for console? [y/N]")
				tm.WaitConsoleInput()
				tm.TypeLine("y")
				if screen := tm.WaitFor(`\[exited \d+\]`); !strings.Contains(screen, "[exited 0]") {
					t.Fatalf("remove with y typed on the console:\n%s", screen)
				}
				if _, errOut, code := e.run(t, nil, "", "remove", "console", "--force"); code == 0 || !strings.Contains(errOut, "no key pair is stored") {
					t.Fatalf("the key pair is still stored after remove on the console: exit %d\n%s", code, errOut)
				}
			})

			t.Run("the picker on the console", func(t *testing.T) {
				tm := e.terminal(t, nil, "export", "--format", "env", "--force")
				tm.WaitForText("winrole")
				tm.WaitConsoleInput()
				tm.TypeText("winrole")
				tm.Keys("Enter")
				screen := tm.WaitFor(`\[exited \d+\]`)
				if !strings.Contains(screen, "[exited 0]") || !strings.Contains(screen, "AWS_SESSION_TOKEN=") || !strings.Contains(screen, "AWS_REGION=eu-west-1") {
					t.Fatalf("export with the profile picked on the console (winrole, region eu-west-1):\n%s", screen)
				}
			})

			t.Run("Ctrl-C reaches the child of exec", func(t *testing.T) {
				tm := e.terminal(t, nil, "exec", "dev", "--", e.helper, "interrupt")
				tm.WaitForText("READY")
				tm.Keys("C-c")
				screen := tm.WaitFor(`\[exited \d+\]`)
				if !strings.Contains(screen, "GOT-INTERRUPT") || !strings.Contains(screen, "[exited 42]") {
					t.Fatalf("Ctrl-C on the console: the child did not get it, or its status was lost (want 42):\n%s", screen)
				}
			})
		})
	})
	t.Logf("the whole Windows job took %v", time.Since(start).Round(time.Millisecond))
}

// fileVault is the file backend under Wine: the passphrase command under
// cmd, the DPAPI unlock cache and sesame lock, the passphrase asked on the
// console. Its profiles are in an AWS config file of its own.
func fileVault(t *testing.T, e *winenv) {
	w := e.w
	cfgEnv := "AWS_CONFIG_FILE=" + testenv.WindowsPath(filepath.Join(t.TempDir(), "config"))
	t.Run("file backend with a passphrase command run by cmd", func(t *testing.T) {
		vaultDir := t.TempDir()
		// %WINPASS% is expanded by cmd.exe, not by sh: the command runs
		// the Windows way.
		env := []string{"SESAME_BACKEND=file", "SESAME_FILE_DIR=" + testenv.WindowsPath(vaultDir),
			"SESAME_FILE_PASSPHRASE_COMMAND=echo %WINPASS%", "WINPASS=correct horse", "SESAME_FILE_UNLOCK_TTL=0", cfgEnv}
		e.must(t, env, keyID+"\n"+secret+"\n", "add", "filedev")
		out := e.must(t, env, "", "export", "--profile", "filedev", "--format", "env")
		if !strings.Contains(out, "AWS_SESSION_TOKEN=") {
			t.Fatalf("export from the file backend:\n%s", out)
		}
		wrong := append(env[:len(env):len(env)], "WINPASS=wrong")
		_, errOut, code := e.run(t, wrong, "", "export", "--profile", "filedev", "--format", "env")
		if code == 0 || !strings.Contains(errOut, "passphrase") {
			t.Fatalf("a wrong passphrase from the command: exit %d\n%s", code, errOut)
		}
	})

	t.Run("file backend unlock cache with DPAPI, and sesame lock", func(t *testing.T) {
		vaultDir := t.TempDir()
		env := []string{"SESAME_BACKEND=file", "SESAME_FILE_DIR=" + testenv.WindowsPath(vaultDir),
			"SESAME_FILE_PASSPHRASE_COMMAND=echo %WINPASS%", "WINPASS=battery staple", "SESAME_FILE_UNLOCK_TTL=10m", cfgEnv}
		// A command that fails: sesame can only open the vault from its cache.
		noPass := append(env[:len(env):len(env)], "SESAME_FILE_PASSPHRASE_COMMAND=exit 1")
		e.must(t, env, keyID+"\n"+secret+"\n", "add", "cachedev")
		files, _ := filepath.Glob(filepath.Join(w.Home, "AppData", "Local", "sesame", "unlock", "sesame-vault-*"))
		if len(files) != 1 {
			t.Fatalf("unlock cache files = %q, want one under %%LOCALAPPDATA%%\\sesame\\unlock", files)
		}
		begin := time.Now()
		out := e.must(t, noPass, "", "export", "--profile", "cachedev", "--format", "env")
		cached := time.Since(begin)
		if !strings.Contains(out, "AWS_SESSION_TOKEN=") {
			t.Fatalf("export with the key from the unlock cache:\n%s", out)
		}
		e.must(t, env, "", "lock")
		if files, _ := filepath.Glob(filepath.Join(w.Home, "AppData", "Local", "sesame", "unlock", "sesame-vault-*")); len(files) != 0 {
			t.Fatalf("sesame lock left the unlock cache: %q", files)
		}
		if _, errOut, code := e.run(t, noPass, "", "export", "--profile", "cachedev", "--format", "env"); code == 0 {
			t.Fatalf("after sesame lock the vault opened without its passphrase:\n%s", errOut)
		}
		begin = time.Now()
		e.must(t, append(env[:len(env):len(env)], "SESAME_FILE_UNLOCK_TTL=0"), "", "export", "--profile", "cachedev", "--format", "env")
		t.Logf("BENCHMARK export from the file vault under Wine: %v with the DPAPI unlock cache, %v without (argon2id)",
			cached.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	})

	t.Run("the vault passphrase asked on the console", func(t *testing.T) {
		vaultDir := t.TempDir()
		env := []string{"SESAME_BACKEND=file", "SESAME_FILE_DIR=" + testenv.WindowsPath(vaultDir), "SESAME_FILE_UNLOCK_TTL=0", cfgEnv}
		tm := e.terminal(t, env, "add", "promptvault")
		tm.WaitForText("Access key ID: ")
		tm.WaitConsoleInput()
		tm.TypeLine(keyID)
		tm.WaitForText("Secret access key: ")
		tm.WaitConsoleInput()
		tm.TypeLine(secret)
		tm.WaitForText("New passphrase for the sesame vault")
		tm.WaitConsoleInput()
		tm.TypeLine("typed passphrase")
		tm.WaitForText("Repeat the passphrase: ")
		tm.WaitConsoleInput()
		tm.TypeLine("typed passphrase")
		screen := tm.WaitFor(`\[exited \d+\]`)
		if !strings.Contains(screen, "[exited 0]") || strings.Contains(screen, "typed passphrase") || strings.Contains(screen, secret) {
			t.Fatalf("add to a new vault with the passphrase typed on the console (never echoed):\n%s", screen)
		}
		// The vault opens with that passphrase and no other.
		pass := append(env[:len(env):len(env)], "SESAME_FILE_PASSPHRASE_COMMAND=echo typed passphrase")
		if out := e.must(t, pass, "", "list"); !regexp.MustCompile(`(?m)^promptvault\s+keys`).MatchString(out) {
			t.Fatalf("list of the vault made on the console:\n%s", out)
		}
	})

}
