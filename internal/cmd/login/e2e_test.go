//go:build unix

package login

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/fakeaws"
	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The key moto's examples use; with authentication off moto takes any.
const (
	motoKeyID  = "AKIAIOSFODNN7EXAMPLE"
	motoSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

const e2eConfig = `[profile base]
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base

[profile secure]
role_arn = arn:aws:iam::123456789012:role/secure
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
mfa_process = MFA_SCRIPT

[profile chained]
role_arn = arn:aws:iam::123456789012:role/second
source_profile = admin
region = eu-west-1
`

// e2e is the built binary in a sandbox, against moto (through the
// recording proxy) and a fake federation endpoint on loopback.
type e2e struct {
	bin  string
	env  []string
	moto *testenv.MotoServer
	fed  *fakeaws.Federation
	url  string // SESAME_FEDERATION_URL
	dir  string
}

func (e *e2e) reset() {
	e.moto.Proxy.Reset()
	e.fed.Reset()
	e.fed.SetDefaultKind(fakeaws.CredRole)
}

// run runs sesame with args and extra environment entries, wanting exit
// status code, and checks that no secret reached stdout or stderr.
func (e *e2e) run(t *testing.T, code int, extraEnv []string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, got := testenv.RunBinary(t, e.bin, append(append([]string(nil), e.env...), extraEnv...), "", args...)
	if got != code {
		t.Fatalf("sesame %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, code, stdout, stderr)
	}
	for _, text := range []string{stdout, stderr} {
		if strings.Contains(text, motoSecret) || strings.Contains(text, "sessionKey") {
			t.Errorf("a secret is shown:\n%s", text)
		}
	}
	if strings.Contains(stderr, "SigninToken") {
		t.Errorf("stderr shows the sign-in URL:\n%s", stderr)
	}
	return stdout, stderr
}

// signins are the getSigninToken requests the fake saw, each accepted.
func (e *e2e) signins(t *testing.T) []fakeaws.FederationRequest {
	t.Helper()
	var out []fakeaws.FederationRequest
	for _, r := range e.fed.Requests() {
		if r.Action == "getSigninToken" {
			if r.Status != 200 || strings.Join(r.SessionKeys, ",") != "sessionId,sessionKey,sessionToken" {
				t.Errorf("getSigninToken: %+v", r)
			}
			out = append(out, r)
		}
	}
	return out
}

// follow checks the login URL's shape and opens it as the browser would,
// returning its Destination.
func (e *e2e) follow(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		t.Fatal(err)
	}
	if base := u.Scheme + "://" + u.Host + u.Path; base != e.url {
		t.Fatalf("login URL goes to %s, want %s", base, e.url)
	}
	q := u.Query()
	if q.Get("Action") != "login" || q.Get("Issuer") != "sesame" || q.Get("SigninToken") == "" {
		t.Errorf("login URL query %v", q)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `id="destination"`) {
		t.Fatalf("login URL: %s\n%s", resp.Status, page)
	}
	return q.Get("Destination")
}

func TestEndToEnd(t *testing.T) {
	e := &e2e{bin: testenv.Sesame(t), moto: testenv.Moto(t), fed: fakeaws.NewFederation(), dir: t.TempDir()}
	e.url = serveLoopback(t, e.fed).URL + fakeaws.FederationPath
	home := testenv.Sandbox(t)
	mfa := script(t, e.dir, "mfa", "echo 123456\n")
	home.WriteConfig(strings.ReplaceAll(e2eConfig, "MFA_SCRIPT", mfa))
	e.env = append(append(home.Env(), e.moto.Env()...),
		"SESAME_BACKEND=file", "SESAME_FILE_PASSPHRASE=login-e2e", "SESAME_FEDERATION_URL="+e.url)
	if _, stderr, code := testenv.RunBinary(t, e.bin, e.env, motoKeyID+"\n"+motoSecret+"\n", "add", "base", "--no-config"); code != 0 {
		t.Fatalf("sesame add: exit %d\n%s", code, stderr)
	}

	t.Run("role", func(t *testing.T) {
		e.reset()
		stdout, stderr := e.run(t, 0, nil, "login", "admin", "--stdout")
		if dest := e.follow(t, stdout); dest != "https://console.aws.amazon.com/console/home?region=us-east-1" {
			t.Errorf("Destination = %s", dest)
		}
		if !strings.Contains(stderr, "valid for 15m ") {
			t.Errorf("stderr = %q", stderr)
		}
		s := e.signins(t)
		if len(s) != 1 || s[0].SessionDuration != "" || !strings.HasPrefix(s[0].AccessKeyID, "ASIA") {
			t.Errorf("getSigninToken requests %+v", s)
		}
		if n := e.moto.Proxy.Count("sts", "AssumeRole"); n != 1 {
			t.Errorf("%d AssumeRole calls, want 1", n)
		}
	})

	t.Run("role with --duration, --region and --path", func(t *testing.T) {
		e.reset()
		stdout, _ := e.run(t, 0, nil, "login", "admin", "--stdout", "--duration", "2h", "--region", "eu-west-1", "--path", "s3/home")
		if dest := e.follow(t, stdout); dest != "https://console.aws.amazon.com/s3/home?region=eu-west-1" {
			t.Errorf("Destination = %s", dest)
		}
		if s := e.signins(t); len(s) != 1 || s[0].SessionDuration != "7200" {
			t.Errorf("getSigninToken requests %+v", s)
		}
	})

	t.Run("MFA role with --duration is assumed straight from the keys", func(t *testing.T) {
		e.reset()
		stdout, _ := e.run(t, 0, nil, "login", "secure", "--stdout", "--duration", "3h")
		e.follow(t, stdout)
		if s := e.signins(t); len(s) != 1 || s[0].SessionDuration != "10800" {
			t.Errorf("getSigninToken requests %+v", s)
		}
		if n := e.moto.Proxy.Count("sts", "GetSessionToken"); n != 0 {
			t.Errorf("%d GetSessionToken calls, want 0 (the role would be chained)", n)
		}
		var ar []fakeaws.Request
		for _, r := range e.moto.Proxy.Requests() {
			if r.Action == "AssumeRole" {
				ar = append(ar, r)
			}
		}
		if len(ar) != 1 || ar[0].AccessKeyID != motoKeyID || ar[0].Param("SerialNumber") != "arn:aws:iam::123456789012:mfa/alice" || ar[0].Param("TokenCode") != "123456" {
			t.Errorf("AssumeRole requests %+v", ar)
		}
	})

	t.Run("chained role with --duration", func(t *testing.T) {
		e.reset()
		// The endpoint refuses SessionDuration for these credentials.
		e.fed.SetDefaultKind(fakeaws.CredRoleChained)
		stdout, stderr := e.run(t, 0, nil, "login", "chained", "--stdout", "--duration", "2h", "--debug")
		if dest := e.follow(t, stdout); dest != "https://console.aws.amazon.com/console/home?region=eu-west-1" {
			t.Errorf("Destination = %s", dest)
		}
		if !strings.Contains(stderr, "role chaining") {
			t.Errorf("stderr = %q, want the role chaining notice", stderr)
		}
		if s := e.signins(t); len(s) != 1 || s[0].SessionDuration != "" || s[0].Kind != fakeaws.CredRoleChained {
			t.Errorf("getSigninToken requests %+v", s)
		}
	})

	for _, tt := range []struct {
		args     []string
		duration string
	}{
		{[]string{"login", "base", "--stdout", "--debug"}, "3600"},
		{[]string{"login", "base", "--stdout", "--duration", "20h"}, "72000"},
	} {
		t.Run("IAM user: "+strings.Join(tt.args, " "), func(t *testing.T) {
			e.reset()
			e.fed.SetDefaultKind(fakeaws.CredFederationToken)
			stdout, _ := e.run(t, 0, nil, tt.args...)
			e.follow(t, stdout)
			var gft []fakeaws.Request
			for _, r := range e.moto.Proxy.Requests() {
				switch r.Action {
				case "GetFederationToken":
					gft = append(gft, r)
				case "GetSessionToken", "AssumeRole":
					t.Errorf("unexpected %s call", r.Action)
				}
			}
			if len(gft) != 1 {
				t.Fatalf("%d GetFederationToken calls, want 1", len(gft))
			}
			r := gft[0]
			if r.AccessKeyID != motoKeyID || r.Param("Name") != "sesame-moto" || r.Param("DurationSeconds") != tt.duration || r.Param("Policy") != FederationPolicy {
				t.Errorf("GetFederationToken signed by %s with %v", r.AccessKeyID, r.Params)
			}
			// moto's GetFederationToken answers with its example key id,
			// so the key id proves nothing; but the stored keys have no
			// session token, and the fake refuses a session without one.
			s := e.signins(t)
			if len(s) != 1 || s[0].SessionDuration != "" || s[0].Kind != fakeaws.CredFederationToken {
				t.Errorf("getSigninToken requests %+v", s)
			}
		})
	}

	t.Run("BROWSER", func(t *testing.T) {
		// The browser notes its arguments and every process's command
		// line while sesame waits for it (as any local user could read
		// them), then follows the link it was given, twice.
		e.reset()
		got := filepath.Join(e.dir, "browser-args")
		cmdlines := filepath.Join(e.dir, "cmdlines")
		followed := filepath.Join(e.dir, "followed")
		browser := script(t, e.dir, "browser", `printf '%s\n' "$#" "$1" > "`+got+`"
for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' 2>/dev/null < "$f"; echo; done > "`+cmdlines+`"
curl -sS -o /dev/null -w '%{http_code} %{redirect_url}\n' "$1" > "`+followed+`"
curl -fsS -o /dev/null "$1" 2>/dev/null && echo "second use worked" >> "`+followed+`"
exit 0
`)
		testenv.NeedCommand(t, "curl", "apt-get install -y curl")
		stdout, stderr := e.run(t, 0, []string{"BROWSER=" + browser}, "login", "admin", "--path", "ec2/home#Instances:")
		if stdout != "" {
			t.Errorf("stdout = %q, want nothing", stdout)
		}
		if !strings.Contains(stderr, "opened the AWS console") {
			t.Errorf("stderr = %q", stderr)
		}
		b, err := os.ReadFile(got)
		if err != nil {
			t.Fatal(err)
		}
		n, link, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		if n != "1" {
			t.Errorf("the browser got %s arguments, want 1", n)
		}
		procs, err := os.ReadFile(cmdlines)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(procs), link) {
			t.Fatalf("the scan of /proc/*/cmdline does not see the browser's own argument %s:\n%s", link, procs)
		}
		if strings.Contains(string(procs), "SigninToken") {
			t.Errorf("a command line holds the sign-in URL:\n%s", procs)
		}
		if u, err := url.Parse(link); err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.RawQuery != "" {
			t.Errorf("the browser got %q, want a one-time link on 127.0.0.1", link)
		}
		f, err := os.ReadFile(followed)
		if err != nil {
			t.Fatal(err)
		}
		status, location, _ := strings.Cut(strings.TrimSpace(string(f)), " ")
		if status != "303" || strings.Contains(location, "second use worked") {
			t.Fatalf("the browser following the link twice: %s", f)
		}
		if dest := e.follow(t, location); dest != "https://console.aws.amazon.com/ec2/home?region=us-east-1#Instances:" {
			t.Errorf("Destination = %s", dest)
		}
		lu, _ := url.Parse(location)
		token := lu.Query().Get("SigninToken")
		if token == "" || strings.Contains(string(procs), token) {
			t.Errorf("a command line holds the sign-in token:\n%s", procs)
		}
	})

	t.Run("no browser", func(t *testing.T) {
		e.reset()
		_, stderr := e.run(t, 1, nil, "login", "admin")
		if !strings.Contains(stderr, "sesame: cannot open the sign-in URL in a browser") || !strings.Contains(stderr, "hint: print it and open it yourself: sesame login admin --stdout") {
			t.Errorf("stderr = %q", stderr)
		}
	})

	t.Run("usage", func(t *testing.T) {
		e.reset()
		_, stderr := e.run(t, 2, nil, "login", "admin", "--duration", "13h")
		if !strings.Contains(stderr, "at most 12h") {
			t.Errorf("stderr = %q", stderr)
		}
		if len(e.moto.Proxy.Requests()) != 0 || len(e.fed.Requests()) != 0 {
			t.Errorf("a usage error called AWS")
		}
	})
}

// script writes an executable sh script into dir and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	testenv.WriteExecutable(t, path, []byte("#!/bin/sh\n"+body))
	return path
}
