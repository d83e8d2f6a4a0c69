package sso

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// browserGet is a GET that does not follow redirects.
func browserGet(u string) (status int, location, body string, err error) {
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b), nil
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	type answer struct {
		mangle     func(q url.Values)
		wantStatus int
	}
	forged := answer{func(q url.Values) { q.Set("state", "forged") }, http.StatusBadRequest}
	missing := answer{func(q url.Values) { q.Del("state") }, http.StatusBadRequest}
	right := answer{nil, http.StatusOK}
	for _, tt := range []struct {
		name      string
		answers   []answer
		wantError string
	}{
		{name: "happy path", answers: []answer{right}},
		{name: "wrong and missing state are ignored", answers: []answer{forged, missing, right}},
		{name: "only a wrong state", answers: []answer{forged}, wantError: "nobody finished signing in"},
		{name: "refused", answers: []answer{{func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, http.StatusBadRequest}}, wantError: "refused: access_denied"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			oidc := &fakeOIDC{}
			c, _ := newClient(t, oidc, &fakePortal{})
			opener := openerFunc(func(link string) error {
				// The browser gets a one-time loopback URL, not the
				// /authorize URL with the state.
				lu, err := url.Parse(link)
				if err != nil {
					return err
				}
				if lu.Scheme != "http" || lu.Hostname() != "127.0.0.1" || lu.RawQuery != "" || strings.Contains(link, "state") {
					t.Errorf("the browser got %s, want a one-time loopback URL", link)
				}
				status, location, _, err := browserGet(link)
				if err != nil || status != http.StatusSeeOther {
					t.Errorf("GET the loopback URL: %d %v", status, err)
					return err
				}
				// Used once: refused (410) until the listener is closed,
				// then no answer at all.
				if status, location, _, err := browserGet(link); err == nil && (status != http.StatusGone || location != "") {
					t.Errorf("the loopback URL works twice: %d %s", status, location)
				}
				u, err := url.Parse(location)
				if err != nil {
					return err
				}
				q := u.Query()
				if u.Path != "/authorize" || q.Get("code_challenge_method") != "S256" || q.Get("scopes") != DefaultScope || q.Get("client_id") != "cid" || q.Get("state") == "" {
					t.Errorf("authorize URL %s", location)
				}
				oidc.mu.Lock()
				oidc.challenge, oidc.redirect = q.Get("code_challenge"), q.Get("redirect_uri")
				oidc.mu.Unlock()
				go func() {
					for _, a := range tt.answers {
						back := url.Values{"code": {"the-code"}, "state": {q.Get("state")}}
						if a.mangle != nil {
							a.mangle(back)
						}
						status, _, body, err := browserGet(q.Get("redirect_uri") + "?" + back.Encode())
						if err != nil || status != a.wantStatus {
							t.Errorf("callback %v: %d %v\n%s", back, status, err, body)
						}
					}
				}()
				return nil
			})
			timeout := 5 * time.Second
			if tt.wantError != "" {
				timeout = time.Second
			}
			tok, err := c.Login(context.Background(), corp, LoginOptions{Out: io.Discard, Opener: opener, Timeout: timeout})
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("error = %v, want %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "access-authorization_code" || !strings.HasPrefix(oidc.redirect, "http://127.0.0.1:") {
				t.Errorf("token %+v, redirect %s", tok, oidc.redirect)
			}
			if oidc.calls[0] != "register:authorization_code,refresh_token" {
				t.Errorf("calls %v", oidc.calls)
			}
		})
	}
}

// TestPKCENoBrowser: without a browser the /authorize URL is printed (the
// person pastes it; no command line holds it).
func TestPKCENoBrowser(t *testing.T) {
	t.Parallel()
	oidc := &fakeOIDC{}
	c, _ := newClient(t, oidc, &fakePortal{})
	var out strings.Builder
	_, err := c.Login(context.Background(), corp, LoginOptions{Out: &out, NoBrowser: true, Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(out.String(), "/authorize?") || !strings.Contains(out.String(), "state=") {
		t.Errorf("error %v, output %q", err, out.String())
	}
}
