//go:build unix

package configure_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"github.com/sesamehq/sesame/internal/testenv"
)

// TestConfigureSSOInTmux runs `sesame configure sso --default`, the built
// binary, in a real pseudo-terminal (a detached tmux session of a private
// tmux server) and answers every question by typing, as a person would:
// tmux send-keys types, capture-pane shows what the terminal shows. The
// sign-in goes to the fake IAM Identity Center through a BROWSER script
// that clicks Allow with curl; the account list is filtered by typing part
// of a name. Then the written profile is used: sesame export gets role
// credentials for it (minted by moto).

// waitTimeout bounds how long the terminal may take to show something.
const waitTimeout = 30 * time.Second

// handWritten is the config before the wizard: every byte must stay.
const handWritten = `# my own config: keep this comment, byte for byte
[profile handmade]
region = ap-south-1 ; an inline remark
output = text

[profile chained]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = handmade
`

// pkceScript is a person's browser: open the consent page, click Allow,
// and follow the redirect back to sesame on 127.0.0.1 (as in
// testdata/script/sso.txtar).
const pkceScript = `#!/bin/sh
page=$(curl -fsS "$1") || exit 1
req=$(printf '%s' "$page" | sed -n 's/.*name="request" value="\([^"]*\)".*/\1/p')
curl -fsS -L -o /dev/null --data-urlencode "request=$req" -d action=allow "$SSO_URL/authorize"
`

// wantConfig is the config after the wizard.
const wantConfig = handWritten + `
[sso-session my-corp]
sso_start_url = https://my-corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile workloads-prod-ReadOnly]
sso_session = my-corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-east-2
output = json

[default]
sso_session = my-corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-east-2
output = json
`

func TestConfigureSSOInTmux(t *testing.T) {
	tmux := testenv.NeedCommand(t, "tmux", "install it with apt-get install -y tmux")
	testenv.NeedCommand(t, "curl", "install it with apt-get install -y curl")
	bin := testenv.Sesame(t)
	m := testenv.Moto(t)
	srv := fakesso.New(fakesso.Config{
		Accounts: []fakesso.Account{
			{ID: "111111111111", Name: "dev-sandbox", Email: "dev@example.com", Roles: []string{"Developer"}},
			{ID: "222222222222", Name: "workloads-prod", Email: "prod@example.com", Roles: []string{"AdministratorAccess", "ReadOnly"}},
		},
		MotoURL: m.URL,
		Region:  "eu-west-1",
	})
	ssoURL := srv.Start(t)

	h := testenv.Sandbox(t)
	h.WriteConfig(handWritten)
	work := t.TempDir()
	browser := filepath.Join(work, "pkce.sh")
	if err := os.WriteFile(browser, []byte(pkceScript), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(h.Env(),
		"SESAME_BACKEND=file",
		"SESAME_FILE_PASSPHRASE=configure-test-pass",
		"AWS_ENDPOINT_URL_SSO="+ssoURL,
		"AWS_ENDPOINT_URL_SSO_OIDC="+ssoURL,
		"SSO_URL="+ssoURL,
		"BROWSER="+browser,
		"TERM=xterm-256color",
	)

	term := startWizard(t, tmux, env, bin, "configure", "sso", "--default")
	term.waitFor("SSO start URL: ")
	term.typeLine("https://my-corp.awsapps.com/start")
	term.waitFor("SSO region: ")
	term.typeLine("eu-west-1")
	term.waitFor("SSO session name [my-corp]: ")
	term.keys("Enter")
	term.waitFor("SSO registration scopes [sso:account:access]: ")
	term.keys("Enter")

	// Signed in through BROWSER; the account list is up.
	term.waitFor("account> ")
	term.waitFor("2/2  enter: choose")
	term.typeText("prod")
	screen := term.waitFor("1/2  enter: choose")
	if !strings.Contains(screen, "> workloads-prod") {
		t.Errorf("filtering on prod does not select workloads-prod:\n%s", screen)
	}
	term.keys("Enter")
	term.waitFor("AWS account: workloads-prod  222222222222  prod@example.com")

	// Two roles: a list of its own.
	term.waitFor("role> ")
	term.typeText("read")
	term.waitFor("1/2  enter: choose")
	term.keys("Enter")
	term.waitFor("Role: ReadOnly")

	term.waitFor("Default client region [eu-west-1]: ")
	term.typeLine("us-east-2")
	term.waitFor("CLI default output format [json]: ")
	term.keys("Enter")
	term.waitFor("Profile name [workloads-prod-ReadOnly]: ")
	term.keys("Enter")
	stderr := term.finish(0)
	for _, want := range []string{
		"sesame: signed in to sso-session my-corp until",
		"sesame: you can use 2 accounts",
		"sesame: wrote [sso-session my-corp], [profile workloads-prod-ReadOnly] and [default] to " + h.ConfigFile,
		"sesame: profile workloads-prod-ReadOnly: account workloads-prod (222222222222), role ReadOnly, region us-east-2, output json, sso-session my-corp",
		"sesame: next: sesame exec workloads-prod-ReadOnly -- aws sts get-caller-identity",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := srv.Count(fakesso.OpCreateToken, "authorization_code"); n != 1 {
		t.Errorf("%d sign-ins with the authorization code, want 1", n)
	}

	// The config: the hand-written part byte for byte, then the new sections.
	data, err := os.ReadFile(h.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), handWritten) {
		t.Errorf("the hand-written profiles and comment changed:\n%s", data)
	}
	if string(data) != wantConfig {
		t.Errorf("config:\n%s\nwant:\n%s", data, wantConfig)
	}
	if fi, err := os.Stat(h.ConfigFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode: %v %v", fi.Mode(), err)
	}
	cfg, err := awsconfig.Load(awsconfig.Paths{Config: h.ConfigFile, Credentials: h.CredentialsFile})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"workloads-prod-ReadOnly", "default"} {
		p, ok := cfg.Profile(name)
		if !ok {
			t.Fatalf("no profile %s", name)
		}
		for k, want := range map[string]string{"sso_session": "my-corp", "sso_account_id": "222222222222", "sso_role_name": "ReadOnly"} {
			if v, _ := p.Get(k); v != want {
				t.Errorf("profile %s: %s = %q, want %q", name, k, v, want)
			}
		}
	}

	// The profile works, with the sign-in the wizard made: no new sign-in.
	for _, args := range [][]string{
		{"export", "--format", "json", "workloads-prod-ReadOnly"},
		{"export", "--format", "json"}, // [default]
	} {
		stdout, stderr, code := testenv.RunBinary(t, bin, append(env, "BROWSER=false"), "", args...)
		if code != 0 || !strings.Contains(stdout, `"AccessKeyId": "ASIA`) {
			t.Errorf("sesame %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	if n := srv.Count(fakesso.OpCreateToken, "authorization_code"); n != 1 {
		t.Errorf("export signed in again: %d sign-ins", n)
	}
	if n := srv.Count(fakesso.OpGetRoleCredentials, ""); n < 1 {
		t.Errorf("no GetRoleCredentials for the profile")
	}
	// A second run reuses the sso-session and the sign-in (no question
	// about them, no browser), and skips the role list of an account with
	// one role.
	signIns := srv.Count(fakesso.OpCreateToken, "")
	term = startWizard(t, tmux, append(env, "BROWSER=false"), bin, "configure", "sso")
	term.waitFor("SSO start URL [https://my-corp.awsapps.com/start]: ")
	term.keys("Enter")
	term.waitFor("SSO region [eu-west-1]: ")
	term.keys("Enter")
	term.waitFor("account> ")
	term.typeText("sand")
	term.waitFor("1/2  enter: choose")
	term.keys("Enter")
	term.waitFor("AWS account: dev-sandbox  111111111111  dev@example.com")
	term.waitFor("Default client region [eu-west-1]: ")
	term.keys("Enter")
	term.waitFor("CLI default output format [json]: ")
	term.typeLine("table")
	term.waitFor("Profile name [dev-sandbox-Developer]: ")
	term.typeLine("sandbox")
	term.waitFor("Make sandbox the default profile (replacing the settings of [default])? [y/N]")
	term.keys("Enter")
	stderr = term.finish(0)
	for _, want := range []string{
		"sesame: using [sso-session my-corp]: it has this start URL and region",
		"sesame: using your sign-in to sso-session my-corp",
		"sesame: the only role you can use in dev-sandbox is Developer",
		"sesame: wrote [profile sandbox] to " + h.ConfigFile,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("second run: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(term.screen(), "role> ") {
		t.Errorf("second run: a role list for one role:\n%s", term.screen())
	}
	if n := srv.Count(fakesso.OpCreateToken, ""); n != signIns {
		t.Errorf("second run: %d CreateToken calls, want none", n-signIns)
	}
	wantSecond := wantConfig + `
[profile sandbox]
sso_session = my-corp
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1
output = table
`
	if data, _ := os.ReadFile(h.ConfigFile); string(data) != wantSecond {
		t.Errorf("second run: config:\n%s\nwant:\n%s", data, wantSecond)
	}
	stdout, errOut, code := testenv.RunBinary(t, bin, append(env, "BROWSER=false"), "", "export", "--format", "json", "sandbox")
	if code != 0 || !strings.Contains(stdout, `"AccessKeyId": "ASIA`) {
		t.Errorf("sesame export sandbox: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, errOut)
	}

	// Esc in a list cancels: exit status 130, nothing written.
	term = startWizard(t, tmux, append(env, "BROWSER=false"), bin, "configure", "sso")
	term.waitFor("SSO start URL [https://my-corp.awsapps.com/start]: ")
	term.keys("Enter")
	term.waitFor("SSO region [eu-west-1]: ")
	term.keys("Enter")
	term.waitFor("account> ")
	term.keys("Escape")
	term.finish(130)
	if data, _ := os.ReadFile(h.ConfigFile); string(data) != wantSecond {
		t.Errorf("a canceled run changed the config:\n%s", data)
	}
}

// startWizard runs the sesame binary bin with args in a new tmux terminal
// with the environment env. Its stderr (notes, sign-in, summary) shows on
// the terminal and is kept in a file for finish; its exit status too.
func startWizard(t *testing.T, tmux string, env []string, bin string, args ...string) *terminal {
	t.Helper()
	work := t.TempDir()
	cmd := shq(bin)
	for _, a := range args {
		cmd += " " + shq(a)
	}
	run := filepath.Join(work, "run.sh")
	script := "#!/bin/sh\n{ " + cmd + "; echo \"$?\" >" + shq(filepath.Join(work, "status")) +
		"; } 2>&1 | tee " + shq(filepath.Join(work, "stderr")) + "\necho WIZARD-DONE\n"
	if err := os.WriteFile(run, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	term := startTmux(t, tmux, env, work, run)
	term.work = work
	return term
}

// finish waits for the wizard to end, checks its exit status and returns
// its stderr.
func (tm *terminal) finish(code int) string {
	tm.t.Helper()
	screen := tm.waitFor("WIZARD-DONE")
	status, _ := os.ReadFile(filepath.Join(tm.work, "status"))
	stderr, _ := os.ReadFile(filepath.Join(tm.work, "stderr"))
	if strings.TrimSpace(string(status)) != fmt.Sprint(code) {
		tm.t.Fatalf("sesame exited %q, want %d\nstderr:\n%s\nscreen:\n%s", status, code, stderr, screen)
	}
	return string(stderr)
}

// terminal is a command in a detached tmux session of a private tmux
// server.
type terminal struct {
	t      *testing.T
	tmux   string
	socket string
	work   string // where startWizard keeps the run's stderr and status
}

// startTmux runs argv in dir in a new tmux server with the environment
// env, in a 160x50 terminal whose pane stays when the command exits. The
// server is killed when the test ends.
func startTmux(t *testing.T, tmux string, env []string, dir string, argv ...string) *terminal {
	t.Helper()
	sockDir, err := os.MkdirTemp("", "tmux") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	conf := filepath.Join(sockDir, "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g remain-on-exit on\nset -g history-limit 2000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, tmux: tmux, socket: filepath.Join(sockDir, "sock")}
	args := append([]string{"-f", conf, "new-session", "-d", "-s", "wizard", "-c", dir, "-x", "160", "-y", "50"}, argv...)
	if out, err := term.command(env, args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = term.command(nil, "kill-server").Run() })
	return term
}

func (tm *terminal) command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(tm.tmux, append([]string{"-S", tm.socket}, args...)...)
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = env
	if env == nil {
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	}
	return cmd
}

func (tm *terminal) run(args ...string) string {
	tm.t.Helper()
	out, err := tm.command(nil, args...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// typeLine types text and presses Enter.
func (tm *terminal) typeLine(text string) {
	tm.t.Helper()
	tm.typeText(text)
	tm.keys("Enter")
}

// typeText types text literally.
func (tm *terminal) typeText(text string) {
	tm.t.Helper()
	tm.run("send-keys", "-t", "wizard", "-l", text)
}

// keys presses named keys (Enter, Escape, C-c, ...).
func (tm *terminal) keys(keys ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", "wizard"}, keys...)...)
}

// screen is what the terminal shows, with its scroll-back.
func (tm *terminal) screen() string {
	tm.t.Helper()
	return tm.run("capture-pane", "-p", "-J", "-t", "wizard", "-S", "-1000")
}

// waitFor waits (up to waitTimeout) until the terminal shows text, and
// returns the screen.
func (tm *terminal) waitFor(text string) string {
	tm.t.Helper()
	// capture-pane drops the spaces at the end of a line.
	rx := regexp.MustCompile(regexp.QuoteMeta(strings.TrimRight(text, " ")))
	deadline := time.Now().Add(waitTimeout)
	for {
		s := tm.screen()
		if rx.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the terminal did not show %q within %v; it shows:\n%s", text, waitTimeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shq quotes s for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
