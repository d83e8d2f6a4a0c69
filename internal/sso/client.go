package sso

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go"
	"github.com/gofrs/flock"

	"github.com/sesamehq/sesame/internal/browser"
	"github.com/sesamehq/sesame/internal/store"
)

// OIDCAPI is the part of SSO OIDC sesame calls.
type OIDCAPI interface {
	RegisterClient(ctx context.Context, in *ssooidc.RegisterClientInput, optFns ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error)
	StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, optFns ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error)
	CreateToken(ctx context.Context, in *ssooidc.CreateTokenInput, optFns ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error)
}

// PortalAPI is the part of the SSO portal sesame calls.
type PortalAPI interface {
	GetRoleCredentials(ctx context.Context, in *sso.GetRoleCredentialsInput, optFns ...func(*sso.Options)) (*sso.GetRoleCredentialsOutput, error)
	Logout(ctx context.Context, in *sso.LogoutInput, optFns ...func(*sso.Options)) (*sso.LogoutOutput, error)
	ListAccounts(ctx context.Context, in *sso.ListAccountsInput, optFns ...func(*sso.Options)) (*sso.ListAccountsOutput, error)
	ListAccountRoles(ctx context.Context, in *sso.ListAccountRolesInput, optFns ...func(*sso.Options)) (*sso.ListAccountRolesOutput, error)
}

var _ PortalAPI = (*sso.Client)(nil)

// ErrNeedLogin means there is no usable sign-in and getting one needs a
// person.
var ErrNeedLogin = errors.New("not signed in")

// LoginError is ErrNeedLogin for a session, with the command to run.
type LoginError struct {
	Session Session
	Profile string
	Reason  string
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("not signed in to IAM Identity Center (%s): %s", e.Session.Describe(), e.Reason)
}

// Unwrap makes errors.Is(err, ErrNeedLogin) true.
func (e *LoginError) Unwrap() error { return ErrNeedLogin }

// NextStep is the hint shown under the error.
func (e *LoginError) NextStep() string { return e.Session.LoginHint(e.Profile) }

// SaysAll is true: the message names the sign-in and NextStep the command,
// so a caller that failed because of it (an STS call signed with a role's
// credentials, say) passes it on as it is, not wrapped in its own words.
func (e *LoginError) SaysAll() bool { return true }

// Client keeps sign-ins. Its fields are its dependencies.
type Client struct {
	Store     func(context.Context) (*store.Store, error)
	NewOIDC   func(ctx context.Context, region string) (OIDCAPI, error)
	NewPortal func(ctx context.Context, region string) (PortalAPI, error)
	// OIDCEndpoint is the base URL of SSO OIDC in a region, from which the
	// /authorize URL of the PKCE flow is made.
	OIDCEndpoint func(region string) string
	// Home is where the AWS CLI's cache lives (~/.aws/sso/cache).
	Home string
	// LockDir holds lock files, so that parallel sesame processes refresh
	// or sign in once.
	LockDir string
	Now     func() time.Time
	Logger  *slog.Logger
}

// refreshBefore is how long before expiry a token is refreshed.
const refreshBefore = 5 * time.Minute

func (c *Client) debug(msg string, args ...any) {
	if c.Logger != nil {
		c.Logger.Debug(msg, args...)
	}
}

// Token returns a valid access token for the session without asking anyone:
// sesame's own (refreshed when near expiry, if it can be), else one the AWS
// CLI cached. Otherwise a *LoginError.
func (c *Client) Token(ctx context.Context, s Session, profile string) (string, error) {
	st, err := c.Store(ctx)
	if err != nil {
		return "", err
	}
	unlock, err := c.lock(ctx, st, "sso-token", s.Key())
	if err != nil {
		return "", err
	}
	defer unlock()
	t, err := st.Token(ctx, s.Key())
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return "", err
	case t.ExpiresAt.Sub(c.Now()) > refreshBefore:
		c.debug("using sesame's SSO token", "session", s.Key(), "expires", t.ExpiresAt)
		return t.AccessToken, nil
	default:
		// Refreshed with sesame's refresh token, or taken from the AWS
		// CLI's cache when another tool refreshed the shared sign-in
		// (clishare.go).
		nt, ok, rerr := c.renew(ctx, st, s, t)
		if rerr != nil {
			return "", rerr
		}
		if ok {
			return nt.AccessToken, nil
		}
		if t.ExpiresAt.Sub(c.Now()) > time.Minute {
			return t.AccessToken, nil
		}
	}
	ct, ok, err := ReadCLICache(c.Home, s)
	if err != nil {
		return "", err
	}
	if ok && (ct.StartURL == "" || ct.BelongsTo(s)) && ct.ExpiresAt.Sub(c.Now()) > time.Minute {
		c.debug("using the AWS CLI's SSO token", "session", s.Key(), "expires", ct.ExpiresAt)
		return ct.AccessToken, nil
	}
	reason := "no sign-in yet"
	if err == nil && (ok || t.AccessToken != "") {
		reason = "the sign-in has expired"
	}
	return "", &LoginError{Session: s, Profile: profile, Reason: reason}
}

// Forget drops sesame's token of the session (after the portal refused it).
func (c *Client) Forget(ctx context.Context, s Session) error {
	st, err := c.Store(ctx)
	if err != nil {
		return err
	}
	if err := st.RemoveToken(ctx, s.Key()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func (c *Client) refresh(ctx context.Context, s Session, t store.Token) (store.Token, error) {
	oidc, err := c.NewOIDC(ctx, s.Region)
	if err != nil {
		return t, err
	}
	out, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(t.ClientID), ClientSecret: aws.String(t.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(t.RefreshToken)})
	if err != nil {
		return t, oidcError("refreshing the sign-in", err)
	}
	c.debug("refreshed the SSO token", "session", s.Key())
	return c.tokenFrom(s, t, out), nil
}

func (c *Client) tokenFrom(s Session, reg store.Token, out *ssooidc.CreateTokenOutput) store.Token {
	t := reg
	t.Session, t.StartURL, t.Region = s.Key(), s.StartURL, s.Region
	t.AccessToken = aws.ToString(out.AccessToken)
	t.ExpiresAt = c.Now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	if out.RefreshToken != nil {
		t.RefreshToken = aws.ToString(out.RefreshToken)
	}
	return t
}

// LoginOptions are how a person signs in.
type LoginOptions struct {
	// DeviceCode uses the device authorization flow instead of PKCE.
	DeviceCode bool
	// NoBrowser prints the URL instead of opening it.
	NoBrowser bool
	Opener    browser.Opener
	// Out receives the instructions (stderr).
	Out io.Writer
	// QR draws the device flow's URL as a QR code on Out.
	QR func(w io.Writer, url string)
	// Timeout bounds the wait for the person (default 5 minutes).
	Timeout time.Duration
}

// Login signs in to the session interactively and stores the token. Only
// one sesame signs in to a session at a time; one that waited for another
// to finish uses its sign-in.
func (c *Client) Login(ctx context.Context, s Session, o LoginOptions) (store.Token, error) {
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
	st, err := c.Store(ctx)
	if err != nil {
		return store.Token{}, err
	}
	started := c.Now()
	unlock, err := c.lock(ctx, st, "sso-login", s.Key())
	if err != nil {
		return store.Token{}, err
	}
	defer unlock()
	if t, err := st.Token(ctx, s.Key()); err == nil && t.ExpiresAt.Sub(c.Now()) > refreshBefore && t.IssuedAfter(started) {
		return t, nil // another sesame signed in while this one waited
	}
	oidc, err := c.NewOIDC(ctx, s.Region)
	if err != nil {
		return store.Token{}, err
	}
	flow := "pkce"
	if o.DeviceCode {
		flow = "device"
	}
	reg, err := c.registration(ctx, st, oidc, s, flow)
	if err != nil {
		return store.Token{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var out *ssooidc.CreateTokenOutput
	if o.DeviceCode {
		out, err = c.deviceFlow(ctx, oidc, s, reg, o)
	} else {
		out, err = c.pkceFlow(ctx, oidc, s, reg, o)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return store.Token{}, fmt.Errorf("nobody finished signing in to %s within %s", s.Describe(), o.Timeout)
		}
		return store.Token{}, err
	}
	t := c.tokenFrom(s, reg, out)
	t.Issued = c.Now().UTC()
	if err := st.SetToken(ctx, t); err != nil {
		return store.Token{}, err
	}
	return t, nil
}

// registration returns a client registration for the flow that has not
// expired, registering a new one when needed.
func (c *Client) registration(ctx context.Context, st *store.Store, oidc OIDCAPI, s Session, flow string) (store.Token, error) {
	if t, err := st.Token(ctx, s.Key()); err == nil && t.Flow == flow && t.ClientID != "" &&
		t.RegistrationExpiresAt.Sub(c.Now()) > time.Hour && slices.Equal(t.Scopes, s.Scopes) {
		c.debug("reusing the SSO client registration", "session", s.Key())
		return store.Token{ClientID: t.ClientID, ClientSecret: t.ClientSecret, RegistrationExpiresAt: t.RegistrationExpiresAt, Scopes: t.Scopes, Flow: flow}, nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Token{}, err
	}
	in := &ssooidc.RegisterClientInput{ClientName: aws.String("sesame"), ClientType: aws.String("public"), Scopes: s.Scopes}
	if flow == "pkce" {
		in.GrantTypes = []string{"authorization_code", "refresh_token"}
		in.RedirectUris = []string{"http://127.0.0.1/oauth/callback"}
		in.IssuerUrl = aws.String(s.StartURL)
	}
	out, err := oidc.RegisterClient(ctx, in)
	if err != nil {
		return store.Token{}, oidcError("registering sesame with IAM Identity Center", err)
	}
	c.debug("registered an SSO client", "session", s.Key(), "flow", flow)
	return store.Token{ClientID: aws.ToString(out.ClientId), ClientSecret: aws.ToString(out.ClientSecret),
		RegistrationExpiresAt: time.Unix(out.ClientSecretExpiresAt, 0).UTC(), Scopes: s.Scopes, Flow: flow}, nil
}

func (c *Client) deviceFlow(ctx context.Context, oidc OIDCAPI, s Session, reg store.Token, o LoginOptions) (*ssooidc.CreateTokenOutput, error) {
	auth, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret), StartUrl: aws.String(s.StartURL)})
	if err != nil {
		return nil, oidcError("starting the device sign-in", err)
	}
	link := aws.ToString(auth.VerificationUriComplete)
	if link == "" {
		link = aws.ToString(auth.VerificationUri)
	}
	fmt.Fprintf(o.Out, "sesame: to sign in to %s, open\n\n  %s\n\nsesame: and check that it shows the code %s\n", s.Describe(), link, aws.ToString(auth.UserCode))
	if o.QR != nil {
		o.QR(o.Out, link)
	}
	if !o.NoBrowser && o.Opener != nil {
		if err := o.Opener.Open(ctx, link); err != nil {
			fmt.Fprintf(o.Out, "sesame: could not open a browser (%v); open the URL above yourself\n", err)
		}
	}
	interval := time.Duration(auth.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
		out, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: auth.DeviceCode})
		var pending *oidctypes.AuthorizationPendingException
		var slow *oidctypes.SlowDownException
		var expired *oidctypes.ExpiredTokenException
		switch {
		case err == nil:
			return out, nil
		case errors.As(err, &pending):
		case errors.As(err, &slow):
			interval += 5 * time.Second
			c.debug("SSO asked to poll more slowly", "interval", interval)
		case errors.As(err, &expired):
			return nil, errors.New("the device code expired before the sign-in was approved; run sesame sso login again")
		default:
			return nil, oidcError("waiting for the sign-in", err)
		}
	}
}

// Logout signs out at the portal (best effort) and deletes sesame's token
// of the session, and the AWS CLI's cache file of the session when sesame
// wrote it or it holds a sign-in to the session's start URL, whatever the
// last sign-in's flags (that sign-in is signed out at the portal too).
func (c *Client) Logout(ctx context.Context, s Session) error {
	st, err := c.Store(ctx)
	if err != nil {
		return err
	}
	t, err := st.Token(ctx, s.Key())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil && t.AccessToken != "" && t.ExpiresAt.After(c.Now()) {
		c.portalLogout(ctx, s, t.AccessToken)
	}
	if err := st.RemoveToken(ctx, s.Key()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return c.logoutCLICache(ctx, s, t.Shared, t.AccessToken)
}

// Share writes the token to the AWS CLI's cache, so that the AWS CLI,
// boto3 and the SDKs use this sign-in, and remembers that it did.
func (c *Client) Share(ctx context.Context, s Session, t store.Token) error {
	if err := WriteCLICache(c.Home, s, cliToken(s, t)); err != nil {
		return fmt.Errorf("cannot write the AWS CLI's SSO cache: %w", err)
	}
	st, err := c.Store(ctx)
	if err != nil {
		return err
	}
	t.Shared = true
	return st.SetToken(ctx, t)
}

func (c *Client) lock(ctx context.Context, st *store.Store, kind, key string) (func(), error) {
	tag, err := st.SessionTag(ctx, kind, key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.LockDir, 0o700); err != nil {
		return nil, err
	}
	l := flock.New(filepath.Join(c.LockDir, kind+"-"+tag+".lock"))
	ok, err := l.TryLockContext(ctx, 50*time.Millisecond)
	if err != nil || !ok {
		if err == nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("waiting for another sesame signing in: %w", err)
	}
	return func() { _ = l.Unlock() }, nil
}

// oidcError reports an OIDC failure by its code, never with a token.
func oidcError(doing string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		return fmt.Errorf("%s failed: %s", doing, api.ErrorCode())
	}
	return fmt.Errorf("%s failed: %w", doing, err)
}
