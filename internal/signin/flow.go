package signin

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/browser"
	"github.com/sesamehq/sesame/internal/loopback"
)

// Verifier returns a PKCE code verifier: 64 characters of [A-Za-z0-9-._~].
func Verifier() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// Challenge is base64url(sha256(verifier)) without padding.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL is the sign-in page a browser opens.
func AuthorizeURL(base, clientID, redirectURI, state, challenge string) string {
	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("client_id", clientID)
	q.Set("state", state)
	q.Set("code_challenge_method", "SHA-256")
	q.Set("scope", "openid")
	q.Set("redirect_uri", redirectURI)
	q.Set("code_challenge", challenge)
	return strings.TrimSuffix(base, "/") + "/v1/authorize?" + q.Encode()
}

// ConfirmationURL is the cross-device redirect URI: the service's page
// that shows the code to paste.
func ConfirmationURL(base string) string {
	return strings.TrimSuffix(base, "/") + "/v1/sessions/confirmation"
}

// ErrBadPastedCode is a pasted code that is not what the sign-in page shows.
var ErrBadPastedCode = errors.New("the pasted code is not the one the sign-in page shows (copy it whole, then run sesame signin --remote again)")

// DecodePasted reads the code shown by the cross-device page: standard
// base64 of "state=S&code=C". The state must be the flow's.
func DecodePasted(pasted, state string) (string, error) {
	s := strings.Join(strings.Fields(pasted), "")
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil || s == "" {
		return "", ErrBadPastedCode
	}
	q, err := url.ParseQuery(string(raw))
	if err != nil || q.Get("code") == "" || q.Get("state") == "" {
		return "", ErrBadPastedCode
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return "", errors.New("the pasted code belongs to another sign-in (its state differs); run sesame signin --remote again and paste the code it leads to")
	}
	return q.Get("code"), nil
}

// FlowOptions configure [Client.SignIn].
type FlowOptions struct {
	// Base is the AWS Sign-In endpoint (see [BaseURL]).
	Base string
	// Remote selects the cross-device flow: the person opens the URL on
	// any device and pastes the code it shows into In.
	Remote bool
	// NoBrowser prints the URL instead of opening a browser.
	NoBrowser bool
	// Opener opens the browser (nil: print the URL).
	Opener browser.Opener
	// Out receives the messages for the person (the terminal's stderr).
	Out io.Writer
	// In is where a pasted code is read from (Remote only), when ReadCode
	// is nil.
	In io.Reader
	// ReadCode reads one pasted line (a terminal prompt); it wins over In.
	ReadCode func(ctx context.Context) (string, error)
	// Timeout bounds the wait for the person (0: 10 minutes).
	Timeout time.Duration
	// Describe names what is being signed in to in messages (the profile).
	Describe string
}

// SignIn runs a sign-in: a new DPoP key, PKCE, the browser part and the
// code exchange.
func (c *Client) SignIn(ctx context.Context, o FlowOptions) (Exchanged, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, errors.New("the sign-in timed out waiting for the browser; run sesame signin again"))
	defer cancel()
	key, err := GenerateKey()
	if err != nil {
		return Exchanged{}, err
	}
	verifier, state := Verifier(), uuid4()
	t := Token{Key: key}
	var code, redirect string
	if o.Remote {
		t.ClientID, redirect = ClientCrossDevice, ConfirmationURL(o.Base)
		link := AuthorizeURL(o.Base, t.ClientID, redirect, state, Challenge(verifier))
		fmt.Fprintf(o.Out, "sesame: to sign in%s, open this URL in a browser on any device:\n\n  %s\n\nthen paste the code the page shows here and press Enter:\n", describe(o.Describe), link)
		if o.ReadCode != nil {
			line, err := o.ReadCode(ctx)
			if err != nil {
				return Exchanged{}, fmt.Errorf("no code was pasted: %w", err)
			}
			if code, err = DecodePasted(line, state); err != nil {
				return Exchanged{}, err
			}
		} else if code, err = readPasted(ctx, o.In, state); err != nil {
			return Exchanged{}, err
		}
	} else {
		t.ClientID = ClientSameDevice
		cb, err := loopback.NewCallback("/oauth/callback", state)
		if err != nil {
			return Exchanged{}, err
		}
		defer cb.Close()
		redirect = cb.URL()
		link := AuthorizeURL(o.Base, t.ClientID, redirect, state, Challenge(verifier))
		if o.NoBrowser || o.Opener == nil {
			fmt.Fprintf(o.Out, "sesame: to sign in%s, open this URL in a browser on this machine:\n\n  %s\n\n", describe(o.Describe), link)
		} else {
			fmt.Fprintf(o.Out, "sesame: signing in%s in your browser\n", describe(o.Describe))
			stop, err := openOnce(ctx, o.Opener, link)
			if err != nil {
				fmt.Fprintf(o.Out, "sesame: could not open a browser (%v); open this URL yourself:\n\n  %s\n\n", err, link)
			}
			defer stop()
		}
		if code, err = cb.Wait(ctx); err != nil {
			return Exchanged{}, err
		}
	}
	return c.Exchange(ctx, t, code, verifier, redirect)
}

func describe(s string) string {
	if s == "" {
		return ""
	}
	return " for " + s
}

// readPasted reads lines from in until one decodes, or ctx ends. A line
// that does not decode is reported and another is read.
func readPasted(ctx context.Context, in io.Reader, state string) (string, error) {
	if in == nil {
		return "", errors.New("--remote needs a terminal to paste the code into")
	}
	type line struct {
		s   string
		err error
	}
	lines := make(chan line)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- line{s: sc.Text()}:
			case <-ctx.Done():
				return
			}
		}
		err := sc.Err()
		if err == nil {
			err = io.EOF
		}
		select {
		case lines <- line{err: err}:
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return "", context.Cause(ctx)
		case l := <-lines:
			if l.err != nil {
				return "", fmt.Errorf("no code was pasted: %w", l.err)
			}
			if strings.TrimSpace(l.s) == "" {
				continue
			}
			code, err := DecodePasted(l.s, state)
			if err != nil {
				return "", err
			}
			return code, nil
		}
	}
}

// openOnce opens link through a one-time loopback redirect, so the state
// and challenge never appear on a browser's command line.
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
