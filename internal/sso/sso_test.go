package sso

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/store"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// fakeOIDC plays SSO OIDC. pending is how many AuthorizationPending
// answers the device flow gets; slow how many SlowDown.
type fakeOIDC struct {
	mu         sync.Mutex
	calls      []string
	pending    int
	slow       int
	refreshErr error
	challenge  string
	redirect   string
	registered int
}

func (f *fakeOIDC) RegisterClient(ctx context.Context, in *ssooidc.RegisterClientInput, _ ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registered++
	f.calls = append(f.calls, "register:"+strings.Join(in.GrantTypes, ","))
	return &ssooidc.RegisterClientOutput{ClientId: aws.String("cid"), ClientSecret: aws.String("csecret"), ClientSecretExpiresAt: t0.Add(90 * 24 * time.Hour).Unix()}, nil
}

func (f *fakeOIDC) StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, _ ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error) {
	f.calls = append(f.calls, "device")
	return &ssooidc.StartDeviceAuthorizationOutput{DeviceCode: aws.String("dc"), UserCode: aws.String("ABCD-EFGH"), Interval: 1,
		VerificationUri: aws.String("https://device.sso/"), VerificationUriComplete: aws.String("https://device.sso/?user_code=ABCD-EFGH"), ExpiresIn: 600}, nil
}

func (f *fakeOIDC) CreateToken(ctx context.Context, in *ssooidc.CreateTokenInput, _ ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	grant := aws.ToString(in.GrantType)
	f.calls = append(f.calls, "token:"+grant)
	switch grant {
	case "refresh_token":
		if f.refreshErr != nil {
			return nil, f.refreshErr
		}
		return &ssooidc.CreateTokenOutput{AccessToken: aws.String("refreshed"), ExpiresIn: 3600, RefreshToken: aws.String("rt2")}, nil
	case "authorization_code":
		sum := sha256.Sum256([]byte(aws.ToString(in.CodeVerifier)))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != f.challenge || aws.ToString(in.Code) != "the-code" || aws.ToString(in.RedirectUri) != f.redirect {
			return nil, &oidctypes.InvalidGrantException{}
		}
	default:
		if f.slow > 0 {
			f.slow--
			return nil, &oidctypes.SlowDownException{}
		}
		if f.pending > 0 {
			f.pending--
			return nil, &oidctypes.AuthorizationPendingException{}
		}
	}
	return &ssooidc.CreateTokenOutput{AccessToken: aws.String("access-" + grant), ExpiresIn: 28800, RefreshToken: aws.String("rt")}, nil
}

type fakePortal struct {
	calls int
	err   error
}

func (p *fakePortal) GetRoleCredentials(ctx context.Context, in *sso.GetRoleCredentialsInput, _ ...func(*sso.Options)) (*sso.GetRoleCredentialsOutput, error) {
	p.calls++
	if p.err != nil {
		return nil, p.err
	}
	return &sso.GetRoleCredentialsOutput{RoleCredentials: &ssotypes.RoleCredentials{AccessKeyId: aws.String("ASIASSO"), SecretAccessKey: aws.String("s"),
		SessionToken: aws.String("t"), Expiration: t0.Add(time.Hour).UnixMilli()}}, nil
}

func (p *fakePortal) Logout(ctx context.Context, in *sso.LogoutInput, _ ...func(*sso.Options)) (*sso.LogoutOutput, error) {
	return &sso.LogoutOutput{}, nil
}

func (p *fakePortal) ListAccounts(ctx context.Context, in *sso.ListAccountsInput, _ ...func(*sso.Options)) (*sso.ListAccountsOutput, error) {
	return &sso.ListAccountsOutput{}, nil
}

func (p *fakePortal) ListAccountRoles(ctx context.Context, in *sso.ListAccountRolesInput, _ ...func(*sso.Options)) (*sso.ListAccountRolesOutput, error) {
	return &sso.ListAccountRolesOutput{}, nil
}

func newClient(t *testing.T, oidc *fakeOIDC, portal *fakePortal) (*Client, *store.Store) {
	t.Helper()
	dir := t.TempDir()
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	return &Client{
		Store:        func(context.Context) (*store.Store, error) { return st, nil },
		NewOIDC:      func(context.Context, string) (OIDCAPI, error) { return oidc, nil },
		NewPortal:    func(context.Context, string) (PortalAPI, error) { return portal, nil },
		OIDCEndpoint: func(region string) string { return "https://oidc.example" },
		Home:         dir,
		LockDir:      filepath.Join(dir, "locks"),
		Now:          func() time.Time { return t0 },
	}, st
}

var corp = Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1", Scopes: []string{DefaultScope}}

func TestDeviceFlowPollsAndSlowsDown(t *testing.T) {
	t.Parallel()
	oidc := &fakeOIDC{pending: 1}
	c, st := newClient(t, oidc, &fakePortal{})
	var out strings.Builder
	opened := ""
	tok, err := c.Login(context.Background(), corp, LoginOptions{DeviceCode: true, Out: &out, Opener: openerFunc(func(u string) error { opened = u; return nil })})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "access-urn:ietf:params:oauth:grant-type:device_code" || tok.RefreshToken != "rt" || tok.Flow != "device" {
		t.Errorf("token = %+v", tok)
	}
	if !strings.Contains(out.String(), "ABCD-EFGH") || opened != "https://device.sso/?user_code=ABCD-EFGH" {
		t.Errorf("instructions %q, opened %q", out.String(), opened)
	}
	if got, _ := st.Token(context.Background(), "corp"); got.AccessToken != tok.AccessToken {
		t.Errorf("the token was not stored")
	}
	// A second sign-in reuses the registration.
	if _, err := c.Login(context.Background(), corp, LoginOptions{DeviceCode: true, Out: io.Discard, NoBrowser: true}); err != nil {
		t.Fatal(err)
	}
	if oidc.registered != 1 {
		t.Errorf("registered %d times, want once", oidc.registered)
	}
}

func TestDeviceFlowSlowDownAddsFiveSeconds(t *testing.T) {
	t.Parallel()
	oidc := &fakeOIDC{slow: 1}
	c, _ := newClient(t, oidc, &fakePortal{})
	// Polls every second; after one SlowDown the next poll is 6 s later,
	// past the 3 s timeout. Without the slow-down it would succeed at 2 s.
	_, err := c.Login(context.Background(), corp, LoginOptions{DeviceCode: true, Out: io.Discard, NoBrowser: true, Timeout: 3 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "within") {
		t.Errorf("after SlowDown the next poll did not wait 5 s more: %v", err)
	}
}

type openerFunc func(string) error

func (f openerFunc) Open(ctx context.Context, u string) error { return f(u) }

func TestTokenSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("refresh near expiry", func(t *testing.T) {
		oidc := &fakeOIDC{}
		c, st := newClient(t, oidc, &fakePortal{})
		_ = st.SetToken(ctx, store.Token{Session: "corp", AccessToken: "old", ExpiresAt: t0.Add(2 * time.Minute), RefreshToken: "rt",
			ClientID: "cid", ClientSecret: "cs", RegistrationExpiresAt: t0.Add(time.Hour)})
		tok, err := c.Token(ctx, corp, "dev")
		if err != nil || tok != "refreshed" {
			t.Fatalf("Token = %q, %v", tok, err)
		}
		if got, _ := st.Token(ctx, "corp"); got.AccessToken != "refreshed" || got.RefreshToken != "rt2" || got.ClientID != "cid" {
			t.Errorf("stored %+v", got)
		}
	})
	t.Run("refused refresh of an expired token needs a sign-in", func(t *testing.T) {
		oidc := &fakeOIDC{refreshErr: &oidctypes.InvalidGrantException{}}
		c, st := newClient(t, oidc, &fakePortal{})
		_ = st.SetToken(ctx, store.Token{Session: "corp", AccessToken: "old", ExpiresAt: t0.Add(-time.Minute), RefreshToken: "rt",
			ClientID: "cid", RegistrationExpiresAt: t0.Add(time.Hour)})
		_, err := c.Token(ctx, corp, "dev")
		var le *LoginError
		if !errors.As(err, &le) || !errors.Is(err, ErrNeedLogin) || le.NextStep() != "run: sesame sso login --sso-session corp" || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("the AWS CLI's cached sign-in is used", func(t *testing.T) {
		c, _ := newClient(t, &fakeOIDC{}, &fakePortal{})
		if err := WriteCLICache(c.Home, corp, CLIToken{StartURL: corp.StartURL, Region: corp.Region, AccessToken: "from-cli", ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if tok, err := c.Token(ctx, corp, "dev"); err != nil || tok != "from-cli" {
			t.Fatalf("Token = %q, %v", tok, err)
		}
	})
	t.Run("nothing at all", func(t *testing.T) {
		c, _ := newClient(t, &fakeOIDC{}, &fakePortal{})
		legacy := Session{StartURL: "https://x.awsapps.com/start", Region: "us-east-1"}
		_, err := c.Token(ctx, legacy, "old")
		var le *LoginError
		if !errors.As(err, &le) || le.NextStep() != "run: sesame sso login --profile old" {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestCLICacheKeepsUnknownFields(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	path := CachePath(home, corp)
	if filepath.Base(path) != "9a84ffd28ff58a1e1fc90ad8da7a35d6b2c7bf3a.json" && len(filepath.Base(path)) != 45 {
		t.Errorf("cache file name %s", filepath.Base(path))
	}
	_ = os.MkdirAll(filepath.Dir(path), 0o700)
	_ = os.WriteFile(path, []byte(`{"accessToken":"x","expiresAt":"2020-01-01T00:00:00Z","someFutureField":{"a":1}}`), 0o644)
	if err := WriteCLICache(home, corp, CLIToken{StartURL: corp.StartURL, Region: "eu-west-1", AccessToken: "new", ExpiresAt: t0}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	if m["someFutureField"] == nil || m["accessToken"] != "new" || m["expiresAt"] != "2026-11-21T12:00:00Z" || m["startUrl"] != corp.StartURL {
		t.Errorf("cache = %s", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	got, ok, err := ReadCLICache(home, corp)
	if err != nil || !ok || got.AccessToken != "new" || !got.ExpiresAt.Equal(t0) {
		t.Errorf("read back %+v %v %v", got, ok, err)
	}
}

func TestPortalUnauthorizedDropsTheToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	portal := &fakePortal{err: &ssotypes.UnauthorizedException{}}
	c, st := newClient(t, &fakeOIDC{}, portal)
	_ = st.SetToken(ctx, store.Token{Session: "corp", AccessToken: "revoked", ExpiresAt: t0.Add(time.Hour)})
	p := &RoleProvider{Client: c, Session: corp, Profile: "dev", AccountID: "111111111111", RoleName: "Dev"}
	_, err := p.Retrieve(ctx)
	if !errors.Is(err, ErrNeedLogin) || !strings.Contains(err.Error(), "refused the sign-in") {
		t.Fatalf("error = %v", err)
	}
	if _, err := st.Token(ctx, "corp"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused token was kept: %v", err)
	}
	portal.err = nil
	_ = st.SetToken(ctx, store.Token{Session: "corp", AccessToken: "good", ExpiresAt: t0.Add(time.Hour)})
	creds, err := p.Retrieve(ctx)
	if err != nil || creds.AccessKeyID != "ASIASSO" || !creds.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("Retrieve = %+v, %v", creds, err)
	}
}

func TestSessionChecks(t *testing.T) {
	t.Parallel()
	cfgText := `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
[sso-session http]
sso_start_url = http://corp.awsapps.com/start
sso_region = eu-west-1
[sso-session wrongregion]
sso_start_url = https://ssoins-123.portal.us-east-1.app.aws
sso_region = eu-west-1
[profile ok]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev
[profile norole]
sso_session = corp
sso_account_id = 111111111111
[profile plain]
sso_session = http
sso_account_id = 1
sso_role_name = x
[profile region]
sso_session = wrongregion
sso_account_id = 1
sso_role_name = x
`
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "config"), []byte(cfgText), 0o600)
	cfg, err := awsconfig.Load(awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "none")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ profile, want string }{
		{"ok", ""},
		{"norole", `profile "norole": sso_role_name is missing`},
		{"plain", `[sso-session http]: sso_start_url "http://corp.awsapps.com/start" is not an https URL`},
		{"region", `sso_region "eu-west-1" does not match the start URL's region us-east-1`},
	} {
		r, err := cfg.Resolve(tt.profile)
		if err != nil {
			t.Fatal(err)
		}
		_, err = SessionFor(cfg, r, true)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: error %v, want %q", tt.profile, err, tt.want)
		}
	}
}

func TestValidRegion(t *testing.T) {
	t.Parallel()
	for r, want := range map[string]bool{
		"eu-west-1": true, "us-gov-west-1": true, "cn-north-1": true, "ap-southeast-3": true, "eu-isoe-west-1": true,
		"": false, "eu west 1": false, "eu-west": false, "EU-WEST-1": false, "1-west-1": false, "eu--1": false, "eu-west-1a": false, "eu-west-1\n": false,
	} {
		if got := ValidRegion(r); got != want {
			t.Errorf("ValidRegion(%q) = %v", r, got)
		}
	}
}
