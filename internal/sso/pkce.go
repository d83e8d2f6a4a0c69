package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/sesamehq/sesame/internal/browser"
	"github.com/sesamehq/sesame/internal/loopback"
	"github.com/sesamehq/sesame/internal/store"
)

// pkceFlow signs in with the authorization code flow and PKCE. The
// redirect_uri is a [loopback.Callback], which ignores answers without the
// flow's state and keeps waiting until ctx ends. The browser is given a
// one-time [loopback.Redirect] to the /authorize URL, so that the state
// and the challenge never appear on a command line.
func (c *Client) pkceFlow(ctx context.Context, oidc OIDCAPI, s Session, reg store.Token, o LoginOptions) (*ssooidc.CreateTokenOutput, error) {
	verifier := randomString(64)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	state := randomString(32)
	cb, err := loopback.NewCallback("/oauth/callback", state)
	if err != nil {
		return nil, err
	}
	defer cb.Close()
	redirect := cb.URL()

	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("client_id", reg.ClientID)
	q.Set("redirect_uri", redirect)
	q.Set("state", state)
	q.Set("code_challenge_method", "S256")
	q.Set("scopes", strings.Join(s.Scopes, " "))
	q.Set("code_challenge", challenge)
	link := strings.TrimSuffix(c.OIDCEndpoint(s.Region), "/") + "/authorize?" + q.Encode()
	if o.NoBrowser || o.Opener == nil {
		fmt.Fprintf(o.Out, "sesame: to sign in to %s, open this URL in a browser on this machine:\n\n  %s\n\n", s.Describe(), link)
	} else {
		fmt.Fprintf(o.Out, "sesame: signing in to %s in your browser\n", s.Describe())
		stop, err := openOnce(ctx, o.Opener, link)
		if err != nil {
			fmt.Fprintf(o.Out, "sesame: could not open a browser (%v); open this URL yourself:\n\n  %s\n\n", err, link)
		}
		defer stop()
	}
	code, err := cb.Wait(ctx)
	if err != nil {
		return nil, err
	}
	out, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
		GrantType: aws.String("authorization_code"), Code: aws.String(code), CodeVerifier: aws.String(verifier), RedirectUri: aws.String(redirect)})
	if err != nil {
		return nil, oidcError("finishing the sign-in", err)
	}
	return out, nil
}

// openOnce opens link in the browser through a one-time loopback
// redirect, which lives until the browser has used it, ctx ends or stop
// is called.
func openOnce(ctx context.Context, opener browser.Opener, link string) (stop func(), err error) {
	r, err := loopback.NewRedirect(ctx, link, 0)
	if err != nil {
		return func() {}, err
	}
	if err := opener.Open(ctx, r.URL()); err != nil {
		r.Close()
		return func() {}, err
	}
	return r.Close, nil
}

func randomString(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}
