package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/sesamehq/sesame/internal/store"
)

func (c *Client) pkceFlow(ctx context.Context, oidc OIDCAPI, s Session, reg store.Token, o LoginOptions) (*ssooidc.CreateTokenOutput, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1 for the sign-in callback: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", ln.Addr().(*net.TCPAddr).Port)
	verifier := randomString(64)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	state := randomString(32)

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			res.err = errors.New("the sign-in callback carried the wrong state; run sesame sso login again")
		case q.Get("error") != "":
			res.err = fmt.Errorf("the sign-in was refused: %s", q.Get("error"))
		case q.Get("code") == "":
			res.err = errors.New("the sign-in callback carried no code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<!doctype html><title>sesame</title><p>Sign-in failed: %s. You can close this tab.</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<!doctype html><title>sesame</title><p>Signed in. You can close this tab and return to the terminal.</p>")
		}
		select {
		case done <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

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
		if err := o.Opener.Open(ctx, link); err != nil {
			fmt.Fprintf(o.Out, "sesame: could not open a browser (%v); open this URL yourself:\n\n  %s\n\n", err, link)
		}
	}
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if res.err != nil {
		return nil, res.err
	}
	out, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
		GrantType: aws.String("authorization_code"), Code: aws.String(res.code), CodeVerifier: aws.String(verifier), RedirectUri: aws.String(redirect)})
	if err != nil {
		return nil, oidcError("finishing the sign-in", err)
	}
	return out, nil
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
