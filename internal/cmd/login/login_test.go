package login

import (
	"context"
	"errors"
	"github.com/sesamehq/sesame/internal/browser"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/fakeaws"
	"github.com/sesamehq/sesame/internal/iostreams"
)

// Secrets that must never show up in output other than the URL, errors or
// logs.
const (
	roleSecret = "roleSecretDoNotShow/+="
	roleToken  = "roleSessionTokenDoNotShow+/="
	userSecret = "userSecretDoNotShow/+="
	fedSecret  = "federatedSecretDoNotShow/+="
	fedToken   = "federatedTokenDoNotShow+/="
)

var (
	roleCreds = aws.Credentials{AccessKeyID: "ASIAROLE", SecretAccessKey: roleSecret, SessionToken: roleToken, CanExpire: true, Expires: time.Now().Add(time.Hour)}
	userKeys  = aws.Credentials{AccessKeyID: "AKIAUSER", SecretAccessKey: userSecret}
)

// fakeGetter records requests and answers with res.
type fakeGetter struct {
	mu   sync.Mutex
	res  creds.Result
	err  error
	reqs []creds.Request
}

func (g *fakeGetter) get(_ context.Context, req creds.Request) (creds.Result, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reqs = append(g.reqs, req)
	res := g.res
	if req.Region != "" {
		res.Region = req.Region
	}
	return res, g.err
}

// fakeSTS records the calls made with an IAM user's keys.
type fakeSTS struct {
	mu        sync.Mutex
	arn       string
	err       error
	callerErr error
	signedBy  []aws.Credentials
	regions   []string
	calls     []string
	fedInputs []*sts.GetFederationTokenInput
}

func (f *fakeSTS) newSTS(_ context.Context, c aws.Credentials, _, region string) (STSClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signedBy = append(f.signedBy, c)
	f.regions = append(f.regions, region)
	return f, nil
}

func (f *fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "GetCallerIdentity")
	if f.callerErr != nil {
		return nil, f.callerErr
	}
	arn := f.arn
	if arn == "" {
		arn = "arn:aws:iam::123456789012:user/alice"
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(arn), Account: aws.String("123456789012")}, nil
}

func (f *fakeSTS) GetFederationToken(_ context.Context, in *sts.GetFederationTokenInput, _ ...func(*sts.Options)) (*sts.GetFederationTokenOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "GetFederationToken")
	f.fedInputs = append(f.fedInputs, in)
	if f.err != nil {
		return nil, f.err
	}
	exp := time.Now().Add(time.Duration(aws.ToInt32(in.DurationSeconds)) * time.Second)
	return &sts.GetFederationTokenOutput{Credentials: &ststypes.Credentials{
		AccessKeyId: aws.String("ASIAFEDERATED"), SecretAccessKey: aws.String(fedSecret), SessionToken: aws.String(fedToken), Expiration: &exp,
	}}, nil
}

// fakeBrowser records the URLs it is asked to open.
// fakeBrowser records the URLs it is given and, unless it fails or
// stays away, opens each once as a browser would, recording where it was
// redirected.
type fakeBrowser struct {
	mu        sync.Mutex
	urls      []string
	locations []string
	err       error
	stayAway  bool
}

func (b *fakeBrowser) Open(_ context.Context, u string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.urls = append(b.urls, u)
	if b.err != nil || b.stayAway {
		return b.err
	}
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	resp.Body.Close()
	b.locations = append(b.locations, resp.Header.Get("Location"))
	return nil
}

// fixture is one run's world: a fake federation endpoint on loopback and
// fakes for everything else.
type fixture struct {
	opts    *Options
	out     *strings.Builder
	errOut  *strings.Builder
	log     *strings.Builder // --debug output
	getter  *fakeGetter
	sts     *fakeSTS
	browser *fakeBrowser
	fed     *fakeaws.Federation
	fedURL  string
}

func newFixture(t *testing.T, source awsconfig.Source, res creds.Result) *fixture {
	t.Helper()
	fed := fakeaws.NewFederation()
	srv := serveLoopback(t, fed)
	ios, _, out, errOut := iostreams.Test()
	fx := &fixture{getter: &fakeGetter{res: res}, sts: &fakeSTS{}, browser: &fakeBrowser{}, fed: fed, fedURL: srv.URL + fakeaws.FederationPath}
	fx.opts = &Options{
		IO:    ios,
		Creds: credcheck.Checked(fx.getter.get),
		SelectProfile: func(_ context.Context, arg string) (string, error) {
			if arg == "" {
				return "dev", nil
			}
			return arg, nil
		},
		Source:        func(string) (awsconfig.Source, error) { return source, nil },
		NewSTS:        fx.sts.newSTS,
		HTTPClient:    srv.Client(),
		Browser:       fx.browser,
		FederationURL: fx.fedURL,
		Stdout:        true,
	}
	fx.out, fx.errOut, fx.log = &strings.Builder{}, &strings.Builder{}, &strings.Builder{}
	fx.opts.Logger = slog.New(slog.NewTextHandler(fx.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ios.Out = io.MultiWriter(out, fx.out)
	ios.ErrOut = io.MultiWriter(errOut, fx.errOut)
	return fx
}

// serveLoopback serves h on 127.0.0.1 until the test ends.
func serveLoopback(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// loginURL parses the URL printed by --stdout and checks its shape.
func (fx *fixture) loginURL(t *testing.T) url.Values {
	t.Helper()
	printed := fx.out.String()
	if !strings.HasSuffix(printed, "\n") || strings.Count(printed, "\n") != 1 {
		t.Fatalf("stdout = %q, want one line", printed)
	}
	u, err := url.Parse(strings.TrimSpace(printed))
	if err != nil {
		t.Fatal(err)
	}
	if base := u.Scheme + "://" + u.Host + u.Path; base != fx.fedURL {
		t.Errorf("login URL goes to %s, want %s", base, fx.fedURL)
	}
	q := u.Query()
	if q.Get("Action") != "login" || q.Get("Issuer") != "sesame" || q.Get("SigninToken") == "" || len(q) != 4 {
		t.Errorf("login URL query = %v", q)
	}
	return q
}

// signinRequest is the one getSigninToken request the fake saw.
func (fx *fixture) signinRequest(t *testing.T) fakeaws.FederationRequest {
	t.Helper()
	var found []fakeaws.FederationRequest
	for _, r := range fx.fed.Requests() {
		if r.Action == "getSigninToken" {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d getSigninToken requests, want 1: %+v", len(found), fx.fed.Requests())
	}
	if found[0].Status != 200 {
		t.Fatalf("getSigninToken refused: %+v", found[0])
	}
	return found[0]
}

// noSecrets fails when stderr or stdout shows a secret (stdout holds the
// URL, which carries only the sign-in token).
func (fx *fixture) noSecrets(t *testing.T, err error) {
	t.Helper()
	texts := []string{fx.out.String(), fx.errOut.String(), fx.log.String()}
	if err != nil {
		texts = append(texts, err.Error(), cmdutil.Hint(err))
	}
	for _, text := range texts {
		if strings.Contains(text, "DoNotShow") || strings.Contains(text, "sessionKey") {
			t.Errorf("a secret is shown: %q", text)
		}
	}
	for _, text := range []string{fx.errOut.String(), fx.log.String()} {
		if strings.Contains(text, "SigninToken") {
			t.Errorf("stderr or the log shows the sign-in URL: %q", text)
		}
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		source   awsconfig.Source
		res      creds.Result
		duration time.Duration
		fedKind  fakeaws.CredKind // what the fake endpoint takes the credentials for

		wantReq             creds.Request
		wantSessionDuration string
		wantAccessKey       string
		wantFederation      *sts.GetFederationTokenInput
		wantNotice          string
	}{
		{
			name: "role", source: awsconfig.SourceRole, res: creds.Result{Credentials: roleCreds, Kind: creds.KindRole},
			wantReq: creds.Request{Profile: "dev"}, wantAccessKey: "ASIAROLE",
		},
		{
			name: "role with --duration", source: awsconfig.SourceRole, res: creds.Result{Credentials: roleCreds, Kind: creds.KindRole}, duration: 8 * time.Hour,
			wantReq: creds.Request{Profile: "dev", DirectRole: true}, wantSessionDuration: "28800", wantAccessKey: "ASIAROLE",
		},
		{
			name: "role-chained with --duration", source: awsconfig.SourceRole, res: creds.Result{Credentials: roleCreds, Kind: creds.KindRoleChained}, duration: 2 * time.Hour,
			fedKind: fakeaws.CredRoleChained,
			wantReq: creds.Request{Profile: "dev", DirectRole: true}, wantAccessKey: "ASIAROLE", wantNotice: "role chaining",
		},
		{
			name: "role-chained", source: awsconfig.SourceRole, res: creds.Result{Credentials: roleCreds, Kind: creds.KindRoleChained},
			fedKind: fakeaws.CredRoleChained,
			wantReq: creds.Request{Profile: "dev"}, wantAccessKey: "ASIAROLE",
		},
		{
			name: "sso with --duration", source: awsconfig.SourceSSO, res: creds.Result{Credentials: roleCreds, Kind: creds.KindSSO}, duration: time.Hour,
			wantReq: creds.Request{Profile: "dev", DirectRole: true}, wantSessionDuration: "3600", wantAccessKey: "ASIAROLE",
		},
		{
			name: "web identity", source: awsconfig.SourceWebIdentity, res: creds.Result{Credentials: roleCreds, Kind: creds.KindRole}, duration: 12 * time.Hour,
			wantReq: creds.Request{Profile: "dev", DirectRole: true}, wantSessionDuration: "43200", wantAccessKey: "ASIAROLE",
		},
		{
			name: "long-term keys", source: awsconfig.SourceKeys, res: creds.Result{Credentials: userKeys, Kind: creds.KindLongTerm},
			fedKind: fakeaws.CredFederationToken,
			wantReq: creds.Request{Profile: "dev", NoSession: true}, wantAccessKey: "ASIAFEDERATED",
			wantFederation: &sts.GetFederationTokenInput{Name: aws.String("sesame-alice"), DurationSeconds: aws.Int32(3600), Policy: aws.String(FederationPolicy)},
		},
		{
			name: "long-term keys with --duration", source: awsconfig.SourceKeys, res: creds.Result{Credentials: userKeys, Kind: creds.KindLongTerm}, duration: 20 * time.Hour,
			fedKind: fakeaws.CredFederationToken,
			wantReq: creds.Request{Profile: "dev", NoSession: true}, wantAccessKey: "ASIAFEDERATED",
			wantFederation: &sts.GetFederationTokenInput{Name: aws.String("sesame-alice"), DurationSeconds: aws.Int32(72000), Policy: aws.String(FederationPolicy)},
		},
		{
			name: "credential_process with a session", source: awsconfig.SourceProcess, res: creds.Result{Credentials: roleCreds, Kind: creds.KindProcess}, duration: time.Hour,
			wantReq: creds.Request{Profile: "dev"}, wantAccessKey: "ASIAROLE", wantNotice: "credential_process",
		},
		{
			name: "credential_process with long-term keys", source: awsconfig.SourceProcess, res: creds.Result{Credentials: userKeys, Kind: creds.KindProcess}, duration: 30 * time.Hour,
			fedKind: fakeaws.CredFederationToken,
			wantReq: creds.Request{Profile: "dev"}, wantAccessKey: "ASIAFEDERATED",
			wantFederation: &sts.GetFederationTokenInput{Name: aws.String("sesame-alice"), DurationSeconds: aws.Int32(108000), Policy: aws.String(FederationPolicy)},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, tt.source, tt.res)
			if tt.fedKind != "" {
				fx.fed.SetDefaultKind(tt.fedKind)
			}
			fx.opts.Duration = tt.duration
			err := Run(t.Context(), fx.opts)
			if err != nil {
				t.Fatalf("Run: %v (hint %q)", err, cmdutil.Hint(err))
			}
			if len(fx.getter.reqs) != 1 || fx.getter.reqs[0] != tt.wantReq {
				t.Errorf("requests = %+v, want %+v", fx.getter.reqs, tt.wantReq)
			}
			r := fx.signinRequest(t)
			if r.SessionDuration != tt.wantSessionDuration || r.AccessKeyID != tt.wantAccessKey {
				t.Errorf("getSigninToken with SessionDuration %q and key %s, want %q and %s", r.SessionDuration, r.AccessKeyID, tt.wantSessionDuration, tt.wantAccessKey)
			}
			if tt.wantFederation == nil {
				if len(fx.sts.calls) != 0 {
					t.Errorf("STS calls %v, want none", fx.sts.calls)
				}
			} else {
				if strings.Join(fx.sts.calls, ",") != "GetCallerIdentity,GetFederationToken" {
					t.Fatalf("STS calls %v", fx.sts.calls)
				}
				in := fx.sts.fedInputs[0]
				if aws.ToString(in.Name) != aws.ToString(tt.wantFederation.Name) || aws.ToInt32(in.DurationSeconds) != aws.ToInt32(tt.wantFederation.DurationSeconds) ||
					aws.ToString(in.Policy) != aws.ToString(tt.wantFederation.Policy) {
					t.Errorf("GetFederationToken(Name %s, DurationSeconds %d, Policy %s)", aws.ToString(in.Name), aws.ToInt32(in.DurationSeconds), aws.ToString(in.Policy))
				}
				if fx.sts.signedBy[0] != userKeys || fx.sts.regions[0] != DefaultRegion {
					t.Errorf("STS signed by %+v in %q, want the long-term keys in %s", fx.sts.signedBy[0], fx.sts.regions[0], DefaultRegion)
				}
			}
			if tt.wantNotice == "" && strings.Contains(fx.errOut.String(), "--duration") || !strings.Contains(fx.errOut.String(), tt.wantNotice) {
				t.Errorf("stderr = %q, want a notice about %q", fx.errOut.String(), tt.wantNotice)
			}
			if !strings.Contains(fx.log.String(), "kind="+string(tt.res.Kind)) {
				t.Errorf("debug log = %q", fx.log.String())
			}
			if !strings.Contains(fx.errOut.String(), "valid for 15m ") {
				t.Errorf("stderr = %q, want the 15 minutes notice", fx.errOut.String())
			}
			q := fx.loginURL(t)
			if got := q.Get("Destination"); got != "https://console.aws.amazon.com/console/home?region=us-east-1" {
				t.Errorf("Destination = %s", got)
			}
			// The URL signs in.
			resp, err := http.Get(strings.TrimSpace(fx.out.String()))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("login URL answered %s", resp.Status)
			}
			fx.noSecrets(t, nil)
		})
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	t.Run("session token", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindSessionToken})
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "GetSessionToken") || !strings.Contains(cmdutil.Hint(err), "role_arn") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if n := len(fx.fed.Requests()); n != 0 || fx.out.Len() != 0 {
			t.Errorf("%d federation requests, stdout %q; want none", n, fx.out.String())
		}
		fx.noSecrets(t, err)
	})
	t.Run("endpoint refuses SessionDuration", func(t *testing.T) {
		t.Parallel()
		// The chain says role, the endpoint knows better.
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		fx.fed.SetKind("ASIAROLE", fakeaws.CredRoleChained)
		fx.opts.Duration = 2 * time.Hour
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), "SessionDuration is not allowed") ||
			!strings.Contains(cmdutil.Hint(err), "without --duration") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if fx.out.Len() != 0 {
			t.Errorf("stdout = %q", fx.out.String())
		}
		fx.noSecrets(t, err)
	})
	t.Run("endpoint refuses the credentials", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		fx.fed.SetKind("ASIAROLE", fakeaws.CredSessionToken)
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(cmdutil.Hint(err), "sesame clear dev") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		fx.noSecrets(t, err)
	})
	t.Run("endpoint unreachable", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fx.opts.FederationURL = "http://" + l.Addr().String() + "/federation"
		l.Close()
		err = Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "cannot reach the federation endpoint http://127.0.0.1:") || !strings.Contains(cmdutil.Hint(err), "SESAME_FEDERATION_URL") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if strings.Contains(err.Error(), "Session") || strings.Contains(err.Error(), "ASIAROLE") {
			t.Errorf("the error shows the request: %v", err)
		}
		fx.noSecrets(t, err)
	})
	t.Run("redirect is not followed", func(t *testing.T) {
		t.Parallel()
		var hit sync.Mutex
		hits := 0
		elsewhere := serveLoopback(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Lock(); hits++; hit.Unlock() }))
		redirector := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/federation?"+r.URL.RawQuery, http.StatusFound)
		}))
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		fx.opts.FederationURL = redirector.URL + "/federation"
		fx.opts.HTTPClient = nil
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "302 Found") {
			t.Fatalf("error = %v", err)
		}
		hit.Lock()
		defer hit.Unlock()
		if hits != 0 {
			t.Errorf("the redirect was followed")
		}
		fx.noSecrets(t, err)
	})
	t.Run("no sign-in token", func(t *testing.T) {
		t.Parallel()
		empty := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"SigninToken": ""}`) }))
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		fx.opts.FederationURL = empty.URL + "/federation"
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "gave no sign-in token") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("an error page that quotes the secret", func(t *testing.T) {
		t.Parallel()
		echo := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad session "+url.QueryEscape(r.URL.Query().Get("Session")), http.StatusBadRequest)
		}))
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		fx.opts.FederationURL = echo.URL + "/federation"
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.HasSuffix(err.Error(), "400 Bad Request") {
			t.Fatalf("error = %v", err)
		}
		fx.noSecrets(t, err)
	})
	t.Run("GetFederationToken denied", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceKeys, creds.Result{Credentials: userKeys, Kind: creds.KindLongTerm})
		fx.sts.err = &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform sts:GetFederationToken"}
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "GetFederationToken failed: AccessDenied") || !strings.Contains(cmdutil.Hint(err), "role_arn and source_profile = dev") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if len(fx.fed.Requests()) != 0 {
			t.Errorf("the federation endpoint was called")
		}
	})
	t.Run("stored key refused", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceKeys, creds.Result{Credentials: userKeys, Kind: creds.KindLongTerm})
		fx.sts.callerErr = &smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."}
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "GetCallerIdentity failed") || !strings.Contains(cmdutil.Hint(err), "sesame add dev") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
	})
	t.Run("credentials error", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{})
		fx.getter.err = errors.New("no keys stored")
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "no keys stored") || cmdutil.Hint(err) == "" {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
	})
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		source   awsconfig.Source
		duration time.Duration
		path     string
		fedURL   string
		want     string
		usage    bool
	}{
		{name: "too short", source: awsconfig.SourceRole, duration: 10 * time.Minute, want: "too short", usage: true},
		{name: "negative", source: awsconfig.SourceRole, duration: -time.Hour, want: "positive", usage: true},
		{name: "role over 12h", source: awsconfig.SourceRole, duration: 13 * time.Hour, want: "at most 12h", usage: true},
		{name: "keys over 36h", source: awsconfig.SourceKeys, duration: 37 * time.Hour, want: "at most 36h", usage: true},
		{name: "path with a space", source: awsconfig.SourceRole, path: "s3/home x", want: "--path", usage: true},
		{name: "path URL not https", source: awsconfig.SourceRole, path: "http://console.aws.amazon.com/", want: "--path", usage: true},
		{name: "path of another scheme", source: awsconfig.SourceRole, path: "javascript:alert(1)", want: "--path", usage: true},
		{name: "plain http elsewhere", source: awsconfig.SourceRole, fedURL: "http://signin.example.com/federation", want: "plain http"},
		{name: "not a URL", source: awsconfig.SourceRole, fedURL: "signin.example.com", want: "not an absolute"},
		{name: "user in the URL", source: awsconfig.SourceRole, fedURL: "https://u:p@signin.example.com/federation", want: "user name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, tt.source, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
			fx.opts.Duration, fx.opts.Path = tt.duration, tt.path
			if tt.fedURL != "" {
				fx.opts.FederationURL = tt.fedURL
			}
			err := Run(t.Context(), fx.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if usage := cmdutil.ExitCode(err) == cmdutil.ExitUsage; usage != tt.usage {
				t.Errorf("usage error = %v, want %v", usage, tt.usage)
			}
			if tt.usage && len(fx.getter.reqs) != 0 {
				t.Errorf("credentials were asked for before the usage error")
			}
			if len(fx.fed.Requests()) != 0 {
				t.Errorf("the federation endpoint was called")
			}
		})
	}
}

func TestDestinations(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name          string
		resultRegion  string
		region        string
		path          string
		want          string
		wantPartition string
	}{
		{name: "default region", want: "https://console.aws.amazon.com/console/home?region=us-east-1", wantPartition: "aws"},
		{name: "profile's region", resultRegion: "eu-west-1", want: "https://console.aws.amazon.com/console/home?region=eu-west-1", wantPartition: "aws"},
		{name: "--region wins", resultRegion: "eu-west-1", region: "ap-south-2", want: "https://console.aws.amazon.com/console/home?region=ap-south-2", wantPartition: "aws"},
		{name: "China", region: "cn-north-1", want: "https://console.amazonaws.cn/console/home?region=cn-north-1", wantPartition: "aws-cn"},
		{name: "GovCloud", resultRegion: "us-gov-west-1", want: "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1", wantPartition: "aws-us-gov"},
		{name: "path", resultRegion: "eu-west-1", path: "s3/home", want: "https://console.aws.amazon.com/s3/home?region=eu-west-1", wantPartition: "aws"},
		{name: "path with a slash", path: "/iam/home", want: "https://console.aws.amazon.com/iam/home?region=us-east-1", wantPartition: "aws"},
		{name: "path with its own region and a fragment", region: "eu-west-1", path: "ec2/home?region=us-west-2#Instances:",
			want: "https://console.aws.amazon.com/ec2/home?region=us-west-2#Instances:", wantPartition: "aws"},
		{name: "path with a query", region: "eu-west-1", path: "cloudwatch/home?x=1#logsV2:log-groups",
			want: "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1&x=1#logsV2:log-groups", wantPartition: "aws"},
		{name: "path with a URL in its query", path: "cloudformation/home?templateURL=https://example.com/t.json",
			want: "https://console.aws.amazon.com/cloudformation/home?region=us-east-1&templateURL=https%3A%2F%2Fexample.com%2Ft.json", wantPartition: "aws"},
		{name: "path in China", region: "cn-northwest-1", path: "s3/home", want: "https://console.amazonaws.cn/s3/home?region=cn-northwest-1", wantPartition: "aws-cn"},
		{name: "URL as given", region: "eu-west-1", path: "https://eu-west-1.console.aws.amazon.com/lambda/home#/functions",
			want: "https://eu-west-1.console.aws.amazon.com/lambda/home#/functions", wantPartition: "aws"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole, Region: tt.resultRegion})
			fx.opts.Region, fx.opts.Path = tt.region, tt.path
			if err := Run(t.Context(), fx.opts); err != nil {
				t.Fatal(err)
			}
			if got := fx.loginURL(t).Get("Destination"); got != tt.want {
				t.Errorf("Destination = %s, want %s", got, tt.want)
			}
			region := tt.region
			if region == "" {
				region = tt.resultRegion
			}
			if p := PartitionOf(region); p.Name != tt.wantPartition {
				t.Errorf("partition %s, want %s", p.Name, tt.wantPartition)
			}
		})
	}
}

func TestPartitions(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"":               "https://signin.aws.amazon.com/federation",
		"us-east-1":      "https://signin.aws.amazon.com/federation",
		"eu-central-2":   "https://signin.aws.amazon.com/federation",
		"cn-north-1":     "https://signin.amazonaws.cn/federation",
		"cn-northwest-1": "https://signin.amazonaws.cn/federation",
		"us-gov-west-1":  "https://signin.amazonaws-us-gov.com/federation",
		"us-gov-east-1":  "https://signin.amazonaws-us-gov.com/federation",
	} {
		u, err := FederationURL(PartitionOf(region), "")
		if err != nil || u.String() != want {
			t.Errorf("%q: %v %v, want %s", region, u, err, want)
		}
	}
	for _, ok := range []string{"https://signin.example.com/federation", "http://127.0.0.1:8080/federation", "http://localhost/federation", "http://[::1]:9/federation"} {
		if u, err := FederationURL(PartitionAWS, ok); err != nil || u.String() != ok {
			t.Errorf("override %s: %v %v", ok, u, err)
		}
	}
}

func TestBrowser(t *testing.T) {
	t.Parallel()
	t.Run("opened", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole, Region: "eu-west-1"})
		fx.opts.Stdout = false
		if err := Run(t.Context(), fx.opts); err != nil {
			t.Fatal(err)
		}
		if fx.out.Len() != 0 {
			t.Errorf("stdout = %q, want nothing", fx.out.String())
		}
		if len(fx.browser.urls) != 1 || len(fx.browser.locations) != 1 {
			t.Fatalf("browser opened %d URLs", len(fx.browser.urls))
		}
		// The browser is given a one-time loopback link, which
		// redirects it to the sign-in URL, once.
		if b, _ := url.Parse(fx.browser.urls[0]); b.Scheme != "http" || b.Hostname() != "127.0.0.1" || b.RawQuery != "" || strings.Contains(b.String(), "SigninToken") {
			t.Errorf("browser got %s, want a one-time loopback link", fx.browser.urls[0])
		}
		u, _ := url.Parse(fx.browser.locations[0])
		if u.Query().Get("Destination") != "https://console.aws.amazon.com/console/home?region=eu-west-1" || u.Query().Get("SigninToken") == "" {
			t.Errorf("the link redirected to %s", fx.browser.locations[0])
		}
		if resp, err := http.Get(fx.browser.urls[0]); err == nil {
			resp.Body.Close()
			t.Errorf("the link still answers after its use: %s", resp.Status)
		}
		if !strings.Contains(fx.errOut.String(), "opened the AWS console") {
			t.Errorf("stderr = %q", fx.errOut.String())
		}
		fx.noSecrets(t, nil)
	})
	t.Run("fails", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		fx.opts.Stdout = false
		fx.browser.err = browser.ErrNoBrowser
		err := Run(t.Context(), fx.opts)
		if !errors.Is(err, browser.ErrNoBrowser) || !strings.Contains(cmdutil.Hint(err), "sesame login dev --stdout") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if fx.out.Len() != 0 {
			t.Errorf("stdout = %q", fx.out.String())
		}
		fx.noSecrets(t, err)
	})
	t.Run("never comes", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t, awsconfig.SourceRole, creds.Result{Credentials: roleCreds, Kind: creds.KindRole})
		fx.opts.Stdout = false
		fx.opts.BrowserWait = 100 * time.Millisecond
		fx.browser.stayAway = true
		err := Run(t.Context(), fx.opts)
		if err == nil || !strings.Contains(err.Error(), "the browser did not open the sign-in link within 100ms") || !strings.Contains(cmdutil.Hint(err), "sesame login dev --stdout") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if strings.Contains(fx.errOut.String(), "opened the AWS console") {
			t.Errorf("stderr = %q", fx.errOut.String())
		}
		if resp, err := http.Get(fx.browser.urls[0]); err == nil {
			resp.Body.Close()
			t.Errorf("the link still answers after the wait: %s", resp.Status)
		}
		fx.noSecrets(t, err)
	})
}

func TestFederatedName(t *testing.T) {
	t.Parallel()
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":                           "sesame-alice",
		"arn:aws:iam::123456789012:user/division/team/bob":               "sesame-bob",
		"arn:aws-cn:iam::123456789012:user/chen":                         "sesame-chen",
		"arn:aws:sts::123456789012:user/moto":                            "sesame-moto",
		"arn:aws:iam::123456789012:root":                                 "sesame-root",
		"arn:aws:iam::123456789012:user/a.very-long.name@example.com123": "sesame-a.very-long.name@example.",
		"arn:aws:sts::123456789012:assumed-role/admin/x":                 "sesame-user",
		"garbage": "sesame-user",
	} {
		if got := FederatedName(arn); got != want {
			t.Errorf("FederatedName(%s) = %s, want %s", arn, got, want)
		}
		if got := FederatedName(arn); len(got) > 32 || len(got) < 2 {
			t.Errorf("FederatedName(%s) = %s: length %d", arn, got, len(got))
		}
	}
}

func TestShort(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{15 * time.Minute: "15m", 12 * time.Hour: "12h", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s", 36 * time.Hour: "36h", time.Hour + time.Second: "1h0m1s"} {
		if got := short(d); got != want {
			t.Errorf("short(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	env := map[string]string{"SESAME_FEDERATION_URL": "http://127.0.0.1:1/federation"}
	f := &cmdutil.Factory{IOStreams: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	var got *Options
	cmd := NewCmdLogin(f, nil, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"prod", "--duration", "8h", "--region", "eu-north-1", "--path", "s3/home", "--stdout", "--mfa-token", "123456"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Profile != "prod" || got.Duration != 8*time.Hour || got.Region != "eu-north-1" || got.Path != "s3/home" || !got.Stdout || got.MFAToken != "123456" ||
		got.FederationURL != env["SESAME_FEDERATION_URL"] || got.Browser == nil || got.NewSTS == nil || got.Source == nil {
		t.Errorf("options = %+v", got)
	}
	cmd = NewCmdLogin(f, nil, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"a", "b"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("two profiles gave %v, want a usage error", err)
	}
}

// FuzzDestination checks that a --path never leads off the console host
// unless it is an https URL, and never makes anything but https.
func FuzzDestination(f *testing.F) {
	for _, seed := range []string{"", "s3/home", "/ec2/home?region=us-west-2#Instances:", "https://eu-west-1.console.aws.amazon.com/x", "//evil.example.com/x", "a b", "%zz", "?region=", "javascript:x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		got, err := Destination(PartitionAWS, "eu-west-1", path)
		if err != nil {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("Destination(%q) = %q: %v", path, got, err)
		}
		if u.Scheme != "https" || u.Host == "" {
			t.Fatalf("Destination(%q) = %q", path, got)
		}
		if p, _ := url.Parse(path); (p == nil || p.Scheme == "") && u.Host != PartitionAWS.ConsoleHost {
			t.Fatalf("Destination(%q) = %q leaves the console", path, got)
		}
	})
}
