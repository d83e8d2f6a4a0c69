package fakesso_test

// Faithfulness: clients nobody here wrote (boto3, the AWS CLI v2) against
// the fake, with role credentials from moto.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"github.com/sesamehq/sesame/internal/testenv"
)

const (
	cliPath = "/usr/bin/aws"
	cliHint = "install the AWS CLI v2 with apt-get install -y --no-install-recommends awscli (it is /usr/bin/aws)"

	ssoAccount = "100000000002"
	ssoRole    = "ReadOnlyAccess"
)

// ssoConfig is an ~/.aws/config with an sso-session x and a profile p
// using it.
const ssoConfig = `[sso-session x]
sso_start_url = ` + startURL + `
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile p]
sso_session = x
sso_account_id = ` + ssoAccount + `
sso_role_name = ` + ssoRole + `
region = us-east-1
`

// wantARN is what moto says the profile's credentials are.
var wantARN = "arn:aws:sts::" + ssoAccount + ":assumed-role/" + ssoRole + "/" + fakesso.DefaultUserName

// needBoto3 returns python3, failing in CI and skipping elsewhere when it
// or boto3 is missing.
func needBoto3(t *testing.T) string {
	t.Helper()
	py := testenv.NeedCommand(t, "python3", "install Python 3 and boto3 (apt-get install -y python3-boto3)")
	if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, fmt.Errorf("python3 cannot import boto3 (%v: %s): install it with apt-get install -y python3-boto3", err, bytes.TrimSpace(out)))
	}
	return py
}

// run runs a program with env and returns its stdout, failing the test
// with its stderr on a non-zero exit.
func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// callerIdentity is a boto3 script printing the ARN of profile p.
const callerIdentity = `
import boto3
print(boto3.Session(profile_name="p").client("sts").get_caller_identity()["Arn"])
`

// boto3Env is the environment that points botocore at the fake and moto.
func boto3Env(home *testenv.Home, ssoURL, stsURL string) []string {
	return append(home.Env(),
		"AWS_ENDPOINT_URL_SSO="+ssoURL,
		"AWS_ENDPOINT_URL_SSO_OIDC="+ssoURL,
		"AWS_ENDPOINT_URL_STS="+stsURL,
		"AWS_DEFAULT_REGION=us-east-1",
	)
}

// TestBoto3ReadsTokenCache: boto3 reads a token cache file written in the
// AWS CLI's format and gets role credentials from the fake, which work
// against moto.
func TestBoto3ReadsTokenCache(t *testing.T) {
	py := needBoto3(t)
	m := testenv.Moto(t)
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(3, 2), MotoURL: m.ProxyURL()})
	u := srv.Start(t)
	home := testenv.Sandbox(t)
	home.WriteConfig(ssoConfig)
	tok := srv.IssueToken(startURL, fakesso.ScopeAccountAccess)
	if _, err := fakesso.WriteTokenCache(home.Dir, "x", tok); err != nil {
		t.Fatal(err)
	}

	got := strings.TrimSpace(run(t, boto3Env(home, u, m.ProxyURL()), py, "-c", callerIdentity))
	if got != wantARN {
		t.Errorf("caller %q, want %q", got, wantARN)
	}
	if n := srv.Count(fakesso.OpGetRoleCredentials, ""); n != 1 {
		t.Errorf("%d GetRoleCredentials calls, want 1: %+v", n, srv.Requests())
	}
	if n := srv.Count(fakesso.OpCreateToken, ""); n != 0 {
		t.Errorf("botocore refreshed a fresh token: %+v", srv.Requests())
	}
}

// TestBoto3RefreshesToken: with fewer than 15 minutes left botocore
// refreshes the token through CreateToken's refresh_token grant, rewrites
// the cache file, and uses the new token.
func TestBoto3RefreshesToken(t *testing.T) {
	py := needBoto3(t)
	m := testenv.Moto(t)
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(3, 2), MotoURL: m.ProxyURL()})
	u := srv.Start(t)
	home := testenv.Sandbox(t)
	home.WriteConfig(ssoConfig)
	old := srv.IssueToken(startURL, fakesso.ScopeAccountAccess)
	old.ExpiresAt = time.Now().Add(5 * time.Minute).UTC().Truncate(time.Second)
	path, err := fakesso.WriteTokenCache(home.Dir, "x", old)
	if err != nil {
		t.Fatal(err)
	}
	// Had botocore used the old token, the portal would refuse it.
	srv.ExpireToken(old.AccessToken)

	got := strings.TrimSpace(run(t, boto3Env(home, u, m.ProxyURL()), py, "-c", callerIdentity))
	if got != wantARN {
		t.Errorf("caller %q, want %q", got, wantARN)
	}
	if n := srv.Count(fakesso.OpCreateToken, fakesso.GrantRefreshToken); n != 1 {
		t.Errorf("%d refresh_token grants, want 1: %+v", n, srv.Requests())
	}
	now, err := fakesso.ReadTokenCache(path)
	if err != nil {
		t.Fatal(err)
	}
	if now.AccessToken == old.AccessToken || now.RefreshToken == old.RefreshToken || now.RefreshToken == "" {
		t.Errorf("cache file not rewritten with the new tokens: %+v", now)
	}
	if time.Until(now.ExpiresAt) < 50*time.Minute || now.ClientID != old.ClientID || !now.RegistrationExpiresAt.Equal(old.RegistrationExpiresAt) {
		t.Errorf("rewritten cache %+v, want an hour left and the same registration", now)
	}
}

// TestAWSCLIv2Login: the AWS CLI v2 signs in against the fake with the
// device flow (aws sso login --no-browser), approved through the approval
// page over HTTP, writes its token cache, and then gets credentials for an
// SSO profile that work against moto.
func TestAWSCLIv2Login(t *testing.T) {
	aws := testenv.NeedCommand(t, cliPath, cliHint)
	if out, err := exec.Command(aws, "--version").CombinedOutput(); err != nil || !bytes.HasPrefix(out, []byte("aws-cli/2.")) {
		testenv.SkipOrFail(t, fmt.Errorf("%s is not the AWS CLI v2 (%q, %v): %s", aws, bytes.TrimSpace(out), err, cliHint))
	}
	m := testenv.Moto(t)
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(3, 2), MotoURL: m.ProxyURL()})
	u := srv.Start(t)
	home := testenv.Sandbox(t)
	home.WriteConfig(ssoConfig)
	data := t.TempDir()
	if err := fakesso.WriteCLIv2Overrides(data, u, m.ProxyURL()); err != nil {
		t.Fatal(err)
	}
	env := append(home.Env(), "AWS_DATA_PATH="+data, "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=")

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	login := exec.CommandContext(ctx, aws, "sso", "login", "--no-browser", "--sso-session", "x")
	login.Env = env
	login.Dir = t.TempDir()
	var stderr bytes.Buffer
	login.Stderr = &stderr
	stdout, err := login.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	// The CLI prints the verification URI, then the user code on a line of
	// its own.
	var printed strings.Builder
	var verification, userCode string
	userCodeRE := regexp.MustCompile(`^[A-Z]{4}-[A-Z]{4}$`)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		printed.WriteString(line + "\n")
		switch {
		case verification == "" && strings.HasPrefix(line, u+"/"):
			verification = line
		case userCodeRE.MatchString(line):
			userCode = line
		}
		if verification != "" && userCode != "" {
			break
		}
	}
	if verification == "" || userCode == "" {
		_ = login.Wait()
		t.Fatalf("no verification URL or user code in the output:\n%s\nstderr:\n%s", printed.String(), stderr.String())
	}
	approve(t, verification, userCode)
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
	}
	if err := login.Wait(); err != nil {
		t.Fatalf("aws sso login: %v\nstdout:\n%s\nstderr:\n%s", err, printed.String(), stderr.String())
	}
	if !strings.Contains(printed.String(), "Successfully logged into Start URL: "+startURL) {
		t.Errorf("aws sso login said:\n%s", printed.String())
	}

	cached, err := fakesso.ReadTokenCache(fakesso.TokenCachePath(home.Dir, "x"))
	if err != nil {
		t.Fatalf("the CLI wrote no token cache for the session: %v", err)
	}
	if cached.StartURL != startURL || cached.AccessToken == "" || cached.RefreshToken == "" || cached.ClientID == "" ||
		time.Until(cached.ExpiresAt) < 50*time.Minute {
		t.Errorf("token cache %+v", cached)
	}
	if n := srv.Count(fakesso.OpCreateToken, fakesso.GrantDeviceCode); n < 2 {
		t.Errorf("%d device code polls, want the pending ones and the last: %+v", n, srv.Requests())
	}

	out := run(t, env, aws, "sts", "get-caller-identity", "--profile", "p", "--output", "json")
	var id struct{ Arn string }
	if err := json.Unmarshal([]byte(out), &id); err != nil || id.Arn != wantARN {
		t.Errorf("get-caller-identity said %q (%v), want the ARN %s", out, err, wantARN)
	}
	if n := srv.Count(fakesso.OpGetRoleCredentials, ""); n != 1 {
		t.Errorf("%d GetRoleCredentials calls, want 1", n)
	}
	// STS went to moto, through the override.
	if n := m.Proxy.Count("sts", "GetCallerIdentity"); n != 1 {
		t.Errorf("moto saw %d GetCallerIdentity calls, want 1", n)
	}
}

// approve does what a person does: open the verification page, type the
// code, click Allow.
func approve(t *testing.T, verification, userCode string) {
	t.Helper()
	page, err := plainHTTP.Get(verification)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(page.Body)
	page.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if page.StatusCode != 200 || !bytes.Contains(body, []byte(">Allow</button>")) {
		t.Fatalf("verification page %s: %d\n%s", verification, page.StatusCode, body)
	}
	action, err := url.Parse(verification)
	if err != nil {
		t.Fatal(err)
	}
	action.RawQuery = ""
	resp, err := plainHTTP.PostForm(action.String(), url.Values{"user_code": {userCode}, "action": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approving %s: %s", userCode, resp.Status)
	}
}
