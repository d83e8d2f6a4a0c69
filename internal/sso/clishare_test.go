package sso

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"github.com/sesamehq/sesame/internal/store"
)

// These tests run against the fake IAM Identity Center, whose refresh
// tokens rotate: a refresh answers a new one and the one used dies.

var loopbackHTTP = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type sharedEnv struct {
	srv  *fakesso.Server
	oidc *ssooidc.Client
	c    *Client
	st   *store.Store
	clk  *testClock
}

func newSharedEnv(t *testing.T, tokenTTL time.Duration) *sharedEnv {
	t.Helper()
	srv := fakesso.New(fakesso.Config{TokenTTL: tokenTTL, Region: corp.Region})
	u := srv.Start(t)
	oidc := ssooidc.New(ssooidc.Options{Region: corp.Region, BaseEndpoint: aws.String(u), HTTPClient: loopbackHTTP})
	portal := sso.New(sso.Options{Region: corp.Region, BaseEndpoint: aws.String(u), HTTPClient: loopbackHTTP})
	dir := t.TempDir()
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	clk := &testClock{now: time.Now()}
	c := &Client{
		Store:        func(context.Context) (*store.Store, error) { return st, nil },
		NewOIDC:      func(context.Context, string) (OIDCAPI, error) { return oidc, nil },
		NewPortal:    func(context.Context, string) (PortalAPI, error) { return portal, nil },
		OIDCEndpoint: func(string) string { return u },
		Home:         dir,
		LockDir:      filepath.Join(dir, "locks"),
		Now:          clk.Now,
	}
	return &sharedEnv{srv: srv, oidc: oidc, c: c, st: st, clk: clk}
}

// signIn is a sign-in to corp at the fake, as sesame stores it.
func (e *sharedEnv) signIn() store.Token {
	ct := e.srv.IssueToken(corp.StartURL, DefaultScope)
	return store.Token{Session: corp.Key(), StartURL: corp.StartURL, Region: corp.Region, AccessToken: ct.AccessToken, ExpiresAt: ct.ExpiresAt,
		RefreshToken: ct.RefreshToken, ClientID: ct.ClientID, ClientSecret: ct.ClientSecret, RegistrationExpiresAt: ct.RegistrationExpiresAt,
		Scopes: []string{DefaultScope}, Flow: "device", Issued: time.Now().UTC()}
}

// otherToolRefreshes refreshes the file's sign-in as the AWS CLI or boto3
// does, writing the new token and refresh token back to the file with the
// given expiry.
func (e *sharedEnv) otherToolRefreshes(t *testing.T, expires time.Time) CLIToken {
	t.Helper()
	ct, ok, err := ReadCLICache(e.c.Home, corp)
	if err != nil || !ok {
		t.Fatalf("reading the cache file: %v %v", ok, err)
	}
	out, err := e.oidc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{ClientId: aws.String(ct.ClientID), ClientSecret: aws.String(ct.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(ct.RefreshToken)})
	if err != nil {
		t.Fatalf("the other tool's refresh: %v", err)
	}
	ct.AccessToken, ct.RefreshToken, ct.ExpiresAt = aws.ToString(out.AccessToken), aws.ToString(out.RefreshToken), expires
	if err := WriteCLICache(e.c.Home, corp, ct); err != nil {
		t.Fatal(err)
	}
	return ct
}

func (e *sharedEnv) invalidGrants() int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.ErrorCode == "InvalidGrantException" {
			n++
		}
	}
	return n
}

// checkInStep asserts sesame's stored refresh token is the file's, and
// live: the next refresh of either side works.
func (e *sharedEnv) checkInStep(t *testing.T) store.Token {
	t.Helper()
	st, err := e.st.Token(t.Context(), corp.Key())
	if err != nil {
		t.Fatal(err)
	}
	ct, ok, err := ReadCLICache(e.c.Home, corp)
	if err != nil || !ok {
		t.Fatalf("reading the cache file: %v %v", ok, err)
	}
	if st.RefreshToken == "" || st.RefreshToken != ct.RefreshToken || st.AccessToken != ct.AccessToken || !st.Shared {
		t.Fatalf("sesame's token and the AWS CLI's file differ (or not marked shared): shared=%v same refresh token=%v same access token=%v",
			st.Shared, st.RefreshToken == ct.RefreshToken, st.AccessToken == ct.AccessToken)
	}
	return st
}

// The AWS SDK for Go v2 refreshes the shared token (rotating the refresh
// token) between two uses by sesame: sesame takes the file's refresh token,
// writes the rotated one back, and goes on refreshing.
func TestSharedTokenRefreshedByGoSDK(t *testing.T) {
	e := newSharedEnv(t, 3*time.Minute)
	ctx := t.Context()
	tok := e.signIn()
	tok.ExpiresAt = time.Now().Add(-time.Minute).UTC().Truncate(time.Second) // expired: the Go SDK refreshes only then
	if err := e.c.Share(ctx, corp, tok); err != nil {
		t.Fatal(err)
	}
	p := ssocreds.NewSSOTokenProvider(e.oidc, CachePath(e.c.Home, corp))
	sdkTok, err := p.RetrieveBearerToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sdkTok.Value == tok.AccessToken {
		t.Fatal("the Go SDK did not refresh the cached token")
	}

	got, err := e.c.Token(ctx, corp, "dev")
	if err != nil {
		t.Fatalf("Token after the Go SDK refreshed: %v", err)
	}
	if got == tok.AccessToken {
		t.Fatal("Token answered the expired token")
	}
	e.checkInStep(t)
	if n := e.invalidGrants(); n != 0 {
		t.Errorf("%d refresh(es) with a dead refresh token; sesame should have tried the file's first (it is newer)", n)
	}

	// Three minutes on, sesame refreshes again, with what it wrote.
	e.clk.Advance(3 * time.Minute)
	got2, err := e.c.Token(ctx, corp, "dev")
	if err != nil {
		t.Fatalf("Token on the next refresh: %v", err)
	}
	if got2 == got {
		t.Fatal("Token did not refresh")
	}
	e.checkInStep(t)
	if n := e.srv.Count(fakesso.OpCreateToken, fakesso.GrantRefreshToken); n != 3 {
		t.Errorf("%d refreshes, want 3 (Go SDK, sesame, sesame)", n)
	}
	if n := e.invalidGrants(); n != 0 {
		t.Errorf("%d refresh(es) with a dead refresh token", n)
	}
	// The file's refresh token is live for the other tool.
	e.otherToolRefreshes(t, time.Now().Add(time.Minute))
}

// sesame's own refresh is refused (another tool used its refresh token)
// while the file is not newer: sesame tries the file's refresh token.
func TestRefreshRefusedTakesTheFilesRefreshToken(t *testing.T) {
	e := newSharedEnv(t, time.Hour)
	ctx := t.Context()
	tok := e.signIn()
	tok.ExpiresAt = e.clk.Now().Add(2 * time.Minute).UTC().Truncate(time.Second)
	if err := e.st.SetToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	// The AWS CLI holds the same sign-in (an earlier --share) and refreshed
	// it, with an expiry no later than sesame's.
	if err := WriteCLICache(e.c.Home, corp, cliToken(corp, tok)); err != nil {
		t.Fatal(err)
	}
	e.otherToolRefreshes(t, tok.ExpiresAt.Add(-time.Minute))

	got, err := e.c.Token(ctx, corp, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if got == tok.AccessToken {
		t.Fatal("Token answered the old token instead of refreshing with the file's refresh token")
	}
	e.checkInStep(t)
	if n := e.invalidGrants(); n != 1 {
		t.Errorf("%d InvalidGrant answers, want 1 (sesame's own, dead refresh token)", n)
	}
}

// A newer token in the file with time left is taken as it is.
func TestNewerFileTokenTakenAsIs(t *testing.T) {
	e := newSharedEnv(t, time.Hour)
	ctx := t.Context()
	tok := e.signIn()
	tok.ExpiresAt = e.clk.Now().Add(time.Minute).UTC().Truncate(time.Second)
	if err := e.c.Share(ctx, corp, tok); err != nil {
		t.Fatal(err)
	}
	ct := e.otherToolRefreshes(t, e.clk.Now().Add(time.Hour).UTC().Truncate(time.Second))
	got, err := e.c.Token(ctx, corp, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if got != ct.AccessToken {
		t.Fatal("Token did not answer the file's newer token")
	}
	e.checkInStep(t)
	if n := e.srv.Count(fakesso.OpCreateToken, fakesso.GrantRefreshToken); n != 1 {
		t.Errorf("%d refreshes, want 1 (the other tool's)", n)
	}
}

// A file of another start URL is neither used for a refresh nor deleted.
func TestOtherStartURLsFileLeftAlone(t *testing.T) {
	e := newSharedEnv(t, time.Hour)
	ctx := t.Context()
	tok := e.signIn()
	tok.ExpiresAt = e.clk.Now().Add(time.Minute).UTC().Truncate(time.Second)
	if err := e.st.SetToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	other := e.srv.IssueToken("https://other.awsapps.com/start", DefaultScope)
	if err := WriteCLICache(e.c.Home, corp, CLIToken{StartURL: other.StartURL, Region: other.Region, AccessToken: other.AccessToken,
		ExpiresAt: other.ExpiresAt, ClientID: other.ClientID, ClientSecret: other.ClientSecret, RefreshToken: other.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	e.srv.RevokeRefreshTokens()
	if got, err := e.c.Token(ctx, corp, "dev"); err == nil && got == other.AccessToken {
		t.Fatal("Token took another start URL's token")
	}
	if err := e.c.Logout(ctx, corp); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(CachePath(e.c.Home, corp)); err != nil {
		t.Fatalf("logout deleted another start URL's file: %v", err)
	}
}

// sso login --share, then sso login without it, then logout: the shared
// file goes, and its sign-in is signed out at the portal.
func TestLogoutDeletesTheSessionsFileWhateverTheLastSignIn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		share bool // the file was written by sesame (else by aws sso login)
	}{{"shared earlier", true}, {"written by the AWS CLI", false}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSharedEnv(t, time.Hour)
			ctx := t.Context()
			first := e.signIn()
			if tc.share {
				if err := e.c.Share(ctx, corp, first); err != nil {
					t.Fatal(err)
				}
			} else if err := WriteCLICache(e.c.Home, corp, cliToken(corp, first)); err != nil {
				t.Fatal(err)
			}
			second := e.signIn() // a later sign-in without --share
			if err := e.st.SetToken(ctx, second); err != nil {
				t.Fatal(err)
			}
			// Another session's file stays.
			dev := Session{Name: "dev", StartURL: "https://dev.awsapps.com/start", Region: corp.Region}
			if err := WriteCLICache(e.c.Home, dev, CLIToken{StartURL: dev.StartURL, Region: dev.Region, AccessToken: "x", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}

			if err := e.c.Logout(ctx, corp); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(CachePath(e.c.Home, corp)); !os.IsNotExist(err) {
				t.Fatalf("the session's AWS CLI cache file is still there (%v)", err)
			}
			if _, err := os.Stat(CachePath(e.c.Home, dev)); err != nil {
				t.Fatalf("another session's file was deleted: %v", err)
			}
			if n := e.srv.Count(fakesso.OpLogout, ""); n != 2 {
				t.Errorf("%d portal logouts, want 2 (sesame's sign-in and the file's)", n)
			}
			// The file's sign-in is over at the service too.
			_, err := e.oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(first.ClientID), ClientSecret: aws.String(first.ClientSecret),
				GrantType: aws.String("refresh_token"), RefreshToken: aws.String(first.RefreshToken)})
			if err == nil {
				t.Fatal("the file's refresh token still works after logout")
			}
		})
	}
}
