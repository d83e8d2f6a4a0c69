//go:build unix

package configure_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
page=$(curl -fsSL "$1") || exit 1
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
	testenv.WriteExecutable(t, browser, []byte(pkceScript))
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
	term.WaitForText("SSO start URL: ")
	term.TypeLine("https://my-corp.awsapps.com/start")
	term.WaitForText("SSO region: ")
	term.TypeLine("eu-west-1")
	term.WaitForText("SSO session name [my-corp]: ")
	term.Keys("Enter")
	term.WaitForText("SSO registration scopes [sso:account:access]: ")
	term.Keys("Enter")

	// Signed in through BROWSER; the account list is up.
	term.WaitForText("account> ")
	term.WaitForText("2/2  enter: choose")
	term.TypeText("prod")
	screen := term.WaitForText("1/2  enter: choose")
	if !strings.Contains(screen, "> workloads-prod") {
		t.Errorf("filtering on prod does not select workloads-prod:\n%s", screen)
	}
	term.Keys("Enter")
	term.WaitForText("AWS account: workloads-prod  222222222222  prod@example.com")

	// Two roles: a list of its own.
	term.WaitForText("role> ")
	term.TypeText("read")
	term.WaitForText("1/2  enter: choose")
	term.Keys("Enter")
	term.WaitForText("Role: ReadOnly")

	term.WaitForText("Default client region [eu-west-1]: ")
	term.TypeLine("us-east-2")
	term.WaitForText("CLI default output format [json]: ")
	term.Keys("Enter")
	term.WaitForText("Profile name [workloads-prod-ReadOnly]: ")
	term.Keys("Enter")
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
	term.WaitForText("SSO start URL [https://my-corp.awsapps.com/start]: ")
	term.Keys("Enter")
	term.WaitForText("SSO region [eu-west-1]: ")
	term.Keys("Enter")
	term.WaitForText("account> ")
	term.TypeText("sand")
	term.WaitForText("1/2  enter: choose")
	term.Keys("Enter")
	term.WaitForText("AWS account: dev-sandbox  111111111111  dev@example.com")
	term.WaitForText("Default client region [eu-west-1]: ")
	term.Keys("Enter")
	term.WaitForText("CLI default output format [json]: ")
	term.TypeLine("table")
	term.WaitForText("Profile name [dev-sandbox-Developer]: ")
	term.TypeLine("sandbox")
	term.WaitForText("Make sandbox the default profile (replacing the settings of [default])? [y/N]")
	term.Keys("Enter")
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
	if strings.Contains(term.Screen(), "role> ") {
		t.Errorf("second run: a role list for one role:\n%s", term.Screen())
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
	term.WaitForText("SSO start URL [https://my-corp.awsapps.com/start]: ")
	term.Keys("Enter")
	term.WaitForText("SSO region [eu-west-1]: ")
	term.Keys("Enter")
	term.WaitForText("account> ")
	term.Keys("Escape")
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
	testenv.WriteExecutable(t, run, []byte(script))
	return &terminal{Terminal: testenv.StartTerminal(t, env, work, 160, 50, run), t: t, work: work}
}

// finish waits for the wizard to end, checks its exit status and returns
// its stderr.
func (tm *terminal) finish(code int) string {
	tm.t.Helper()
	screen := tm.WaitForText("WIZARD-DONE")
	status, _ := os.ReadFile(filepath.Join(tm.work, "status"))
	stderr, _ := os.ReadFile(filepath.Join(tm.work, "stderr"))
	if strings.TrimSpace(string(status)) != fmt.Sprint(code) {
		tm.t.Fatalf("sesame exited %q, want %d\nstderr:\n%s\nscreen:\n%s", status, code, stderr, screen)
	}
	return string(stderr)
}

// terminal is the wizard in a real pseudo-terminal (testenv.Terminal).
type terminal struct {
	*testenv.Terminal
	t    *testing.T
	work string // where startWizard keeps the run's stderr and status
}

// shq quotes s for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
