package use_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// These tests type into real shells (bash, zsh, fish) running in a
// pseudo-terminal of a private tmux server, as a person would: load
// sesame shell-init, switch with sesame use, and check the shell's own
// environment and the AWS CLI v1 (against moto) in it. tmux's
// capture-pane shows what the terminal shows.

func TestMain(m *testing.M) { testenv.Main(m) }

const tmuxHint = "install it with apt-get install -y tmux"

// terminal is one shell in a real pseudo-terminal (testenv.Terminal).
type terminal struct {
	*testenv.Terminal
	t *testing.T
}

// startShell starts argv in dir in a 200x50 terminal with the environment
// env, and no shell history (a shell writing it while the test's folders
// are removed makes the removal fail).
func startShell(t *testing.T, env []string, dir string, argv ...string) *terminal {
	t.Helper()
	env = append(env[:len(env):len(env)], "HISTFILE=", "fish_history=")
	return &terminal{Terminal: testenv.StartTerminal(t, env, dir, 200, 50, argv...), t: t}
}

// step types a command and waits for the marker line it prints last, so
// that the next step starts after it; it returns the screen.
func (tm *terminal) step(n int, command string) string {
	tm.t.Helper()
	marker := fmt.Sprintf("STEP-%d-DONE", n)
	// Split so that the command line itself does not match.
	tm.TypeLine(command + "; echo STEP-" + fmt.Sprint(n) + "-DONE")
	return tm.WaitFor("(?m)^" + marker)
}

// world is a sandboxed home with sesame on PATH, the file backend, a key
// pair stored for profile base and a role profile dev assumed from it,
// pointing at moto.
type world struct {
	env    []string
	home   string
	config string
	bin    string
}

// config is the AWS config of the tests: base has its keys in sesame's
// store; dev is a role assumed with them; the AWS CLI can use neither on
// its own.
const awsConfig = `[profile base]
region = us-east-1

[profile dev]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
region = us-east-1
`

func newWorld(t *testing.T, moto *testenv.MotoServer, shell string) *world {
	t.Helper()
	bin := testenv.Sesame(t)
	home := testenv.Sandbox(t)
	home.WriteConfig(awsConfig)
	env := append(home.Env(),
		"SESAME_BACKEND=file",
		"SESAME_FILE_PASSPHRASE=use-test-pass",
		"TERM=xterm-256color",
		"SHELL="+shell,
		"LANG=C.UTF-8",
		// fish asks the terminal questions it may not answer in time.
		"fish_greeting=",
	)
	if moto != nil {
		env = append(env, moto.Env()...)
	} else {
		// Never the network: a closed port on loopback.
		env = append(env, testenv.MotoEnv("http://127.0.0.1:9")...)
	}
	// PATH: the binary's folder first.
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + v
		}
	}
	_, stderr, code := testenv.Run(t, env, "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "add", "base", "--no-config")
	if code != 0 {
		t.Fatalf("sesame add: exit %d\n%s", code, stderr)
	}
	return &world{env: env, home: home.Dir, config: home.ConfigFile, bin: bin}
}

// shellCase is how to start one shell and load sesame shell-init in it.
type shellCase struct {
	name, bin, hint string
	argv            []string
	init            string
	status          string // the last command's exit status
}

var shells = []shellCase{
	{name: "bash", bin: "bash", hint: "apt-get install -y bash", argv: []string{"--norc", "--noprofile"}, init: `eval "$(sesame shell-init bash)"`, status: "$?"},
	{name: "zsh", bin: "zsh", hint: "apt-get install -y zsh", argv: []string{"-f"}, init: `eval "$(sesame shell-init zsh)"`, status: "$?"},
	{name: "fish", bin: "fish", hint: "apt-get install -y fish", argv: []string{"--no-config"}, init: `sesame shell-init fish | source`, status: "$status"},
}

// TestUseSwitchesTheShell types into bash, zsh and fish: sesame use dev
// sets AWS_PROFILE in the shell itself to the generated profile, the AWS
// CLI v1 then gets the role's credentials through sesame's
// credential_process from moto, and sesame use --unset clears it.
func TestUseSwitchesTheShell(t *testing.T) {
	testenv.NeedCommand(t, "tmux", tmuxHint)
	aws := testenv.NeedCommand(t, "aws", "the AWS CLI v1 comes with the Python tools: pip install awscli")
	moto := testenv.Moto(t)
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			shell := testenv.NeedCommand(t, sh.bin, sh.hint)
			w := newWorld(t, moto, shell)
			tm := startShell(t, w.env, w.home, append([]string{shell}, sh.argv...)...)

			// Without the function: an error naming the line to add.
			s := tm.step(1, "sesame use dev")
			if !strings.Contains(s, "sesame: hint: add this line to") || !strings.Contains(s, sh.init) {
				t.Errorf("no shell-init hint:\n%s", s)
			}

			tm.step(2, sh.init)
			s = tm.step(3, "sesame use dev")
			if !strings.Contains(s, "sesame: wrote [profile sesame-dev]") {
				t.Errorf("use did not say what it wrote:\n%s", s)
			}
			s = tm.step(4, `echo "P=$AWS_PROFILE R=$AWS_REGION U=$SESAME_USE_PROFILE"`)
			if !regexp.MustCompile(`(?m)^P=sesame-dev R=us-east-1 U=dev$`).MatchString(s) {
				t.Fatalf("the shell was not switched:\n%s", s)
			}
			cfg, err := os.ReadFile(w.config)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(cfg), awsConfig) || !strings.Contains(string(cfg), "[profile sesame-dev]\n") ||
				!strings.Contains(string(cfg), "sesame_generated = use\ncredential_process = sesame export --format json -- dev\nregion = us-east-1\n") {
				t.Errorf("config after sesame use:\n%s", cfg)
			}

			// The AWS CLI v1, in the switched shell, by its own lookup.
			s = tm.step(5, aws+" sts get-caller-identity --query Arn --output text")
			if !regexp.MustCompile(`(?m)^arn:aws:sts::123456789012:assumed-role/admin/`).MatchString(s) {
				t.Errorf("aws sts get-caller-identity in the switched shell:\n%s", s)
			}

			// Other commands pass through the function unchanged.
			s = tm.step(6, "sesame version")
			if !regexp.MustCompile(`(?m)^sesame \S+ \(commit`).MatchString(s) {
				t.Errorf("sesame version through the function:\n%s", s)
			}

			// A failing use leaves the shell as it was.
			s = tm.step(7, `sesame use nosuch; echo "rc=`+sh.status+` P=$AWS_PROFILE"`)
			if !strings.Contains(s, `profile "nosuch" does not exist`) || !regexp.MustCompile(`(?m)^rc=1 P=sesame-dev$`).MatchString(s) {
				t.Errorf("a failed use:\n%s", s)
			}

			tm.step(8, "sesame use --unset")
			s = tm.step(9, `echo "P=[$AWS_PROFILE] R=[$AWS_REGION] U=[$SESAME_USE_PROFILE]"`)
			if !regexp.MustCompile(`(?m)^P=\[\] R=\[\] U=\[\]$`).MatchString(s) {
				t.Errorf("use --unset did not clear the shell:\n%s", s)
			}
		})
	}
}

// TestUseKeys: sesame use --keys puts a role's temporary keys in bash's
// environment, which the AWS CLI then uses with no profile.
func TestUseKeys(t *testing.T) {
	testenv.NeedCommand(t, "tmux", tmuxHint)
	aws := testenv.NeedCommand(t, "aws", "the AWS CLI v1 comes with the Python tools: pip install awscli")
	bash := testenv.NeedCommand(t, "bash", "apt-get install -y bash")
	moto := testenv.Moto(t)
	w := newWorld(t, moto, bash)
	tm := startShell(t, w.env, w.home, bash, "--norc", "--noprofile")
	tm.step(1, `eval "$(sesame shell-init bash)"; export AWS_PROFILE=stale`)
	s := tm.step(2, "sesame use --keys dev")
	if !strings.Contains(s, "sesame: temporary credentials of profile dev in the environment (valid until ") {
		t.Errorf("use --keys said:\n%s", s)
	}
	s = tm.step(3, `echo "K=${AWS_ACCESS_KEY_ID:0:4} T=${AWS_SESSION_TOKEN:+set} E=${AWS_CREDENTIAL_EXPIRATION:0:2} P=[${AWS_PROFILE-}]"`)
	if !regexp.MustCompile(`(?m)^K=ASIA T=set E=20 P=\[\]$`).MatchString(s) {
		t.Errorf("keys not in the environment:\n%s", s)
	}
	s = tm.step(4, aws+" sts get-caller-identity --query Arn --output text")
	if !regexp.MustCompile(`(?m)^arn:aws:sts::123456789012:assumed-role/admin/`).MatchString(s) {
		t.Errorf("aws with the exported keys:\n%s", s)
	}
	if cfg, _ := os.ReadFile(w.config); string(cfg) != awsConfig {
		t.Errorf("--keys changed the config:\n%s", cfg)
	}
	tm.step(5, "sesame use --unset")
	s = tm.step(6, `echo "K=[${AWS_ACCESS_KEY_ID-}] T=[${AWS_SESSION_TOKEN-}] E=[${AWS_CREDENTIAL_EXPIRATION-}]"`)
	if !regexp.MustCompile(`(?m)^K=\[\] T=\[\] E=\[\]$`).MatchString(s) {
		t.Errorf("use --unset left keys:\n%s", s)
	}
}

// TestPicker: sesame use with no profile, and sesame export with no
// profile, [default] or AWS_PROFILE, show the picker on the terminal while
// stdout is captured; typing filters, Enter chooses, Esc cancels with
// status 130.
func TestPicker(t *testing.T) {
	testenv.NeedCommand(t, "tmux", tmuxHint)
	bash := testenv.NeedCommand(t, "bash", "apt-get install -y bash")
	w := newWorld(t, nil, bash)
	tm := startShell(t, w.env, w.home, bash, "--norc", "--noprofile")
	tm.step(1, `eval "$(sesame shell-init bash)"`)

	tm.TypeLine("sesame use")
	s := tm.WaitFor(`(?m)^> base`)
	for _, want := range []string{"profile> ", "PROFILE  ACCOUNT", "dev      123456789012  admin  role", "2/2"} {
		if !strings.Contains(s, want) {
			t.Errorf("the picker lacks %q:\n%s", want, s)
		}
	}
	tm.TypeText("dv")
	tm.WaitFor(`(?s)> dev .*1/2`)
	tm.Keys("Enter")
	// Wait for sesame to finish before typing on: a line typed while the
	// picker still holds the terminal would go to it, not to the shell.
	tm.WaitFor(`(?m)AWS_PROFILE=sesame-dev \(profile dev\).*\n.*[#$] $`)
	s = tm.step(2, `echo "P=$AWS_PROFILE"`)
	if !regexp.MustCompile(`(?m)^P=sesame-dev$`).MatchString(s) {
		t.Errorf("the picked profile was not used:\n%s", s)
	}
	if i := strings.LastIndex(s, "sesame use\n"); i < 0 || strings.Contains(s[i:], "PROFILE  ACCOUNT") {
		t.Errorf("the picker was left on the terminal:\n%s", s)
	}

	// Esc cancels: status 130, the shell unchanged.
	tm.TypeLine(`sesame use; echo "rc=$? P=$AWS_PROFILE"`)
	tm.WaitFor(`(?m)^> dev`) // starts on the profile in use
	tm.Keys("Escape")
	s = tm.WaitFor(`(?m)^rc=130 P=sesame-dev$`)
	if !strings.Contains(s, "sesame: canceled") {
		t.Errorf("no cancel message:\n%s", s)
	}

	// export under $(...): the picker is on the terminal, the data in the
	// variable. Ctrl-C cancels too.
	tm.step(3, "sesame use --unset")
	tm.TypeLine(`X="$(sesame export --format json)"; echo "rc=$? len=${#X}"`)
	tm.WaitFor(`(?m)^> base`)
	tm.Keys("C-c")
	tm.WaitFor(`(?m)^rc=130 len=0$`)
}

// TestBashCompletion: after loading sesame completion bash, Tab completes
// command names and profile names in a real bash.
func TestBashCompletion(t *testing.T) {
	testenv.NeedCommand(t, "tmux", tmuxHint)
	bash := testenv.NeedCommand(t, "bash", "apt-get install -y bash")
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		testenv.SkipOrFail(t, &testenv.MissingToolError{Name: bashCompletion, Hint: "apt-get install -y bash-completion"})
	}
	w := newWorld(t, nil, bash)
	tm := startShell(t, w.env, w.home, bash, "--norc", "--noprofile")
	tm.step(1, "source "+bashCompletion+`; source <(sesame completion bash); eval "$(sesame shell-init bash)"`)

	tm.TypeText("sesame exp")
	tm.Keys("Tab")
	tm.WaitFor(`(?m)sesame export\s*$`)
	tm.TypeText("d")
	tm.Keys("Tab")
	tm.WaitFor(`(?m)sesame export dev\s*$`)
	tm.Keys("C-c")

	tm.TypeText("sesame use b")
	tm.Keys("Tab")
	tm.WaitFor(`(?m)sesame use base\s*$`)
	tm.Keys("C-c")
}
