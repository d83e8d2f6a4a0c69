package fakesso_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
)

func TestRegisterClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	a := e.post("/client/register", map[string]any{
		"clientName": "botocore-client-x", "clientType": "public", "scopes": []string{"sso:account:access"},
	})
	if a.status != 200 || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %s", a.status, a.body)
	}
	m := a.json(t)
	for _, k := range []string{"clientId", "clientSecret"} {
		if s, _ := m[k].(string); s == "" {
			t.Errorf("%s missing in %s", k, a.body)
		}
	}
	issued, _ := m["clientIdIssuedAt"].(float64)
	expires, _ := m["clientSecretExpiresAt"].(float64)
	if int64(issued) != e.clk.Now().Unix() || int64(expires) != e.clk.Now().Add(fakesso.DefaultRegistrationTTL).Unix() {
		t.Errorf("clientIdIssuedAt %v, clientSecretExpiresAt %v: want epoch seconds of now and now+90 days", issued, expires)
	}
}

func TestRegisterClientErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	for _, tc := range []struct {
		name string
		body any
		code string
	}{
		{"no name", map[string]any{"clientType": "public"}, "InvalidRequestException"},
		{"no type", map[string]any{"clientName": "x"}, "InvalidRequestException"},
		{"not JSON", "{", "InvalidRequestException"},
		{"confidential", map[string]any{"clientName": "x", "clientType": "confidential"}, "InvalidClientMetadataException"},
		{"bad scope", map[string]any{"clientName": "x", "clientType": "public", "scopes": []string{"everything"}}, "InvalidScopeException"},
		{"empty scope", map[string]any{"clientName": "x", "clientType": "public", "scopes": []string{""}}, "InvalidScopeException"},
		{"bad grant", map[string]any{"clientName": "x", "clientType": "public", "grantTypes": []string{"password"}}, "UnsupportedGrantTypeException"},
		{"http redirect off loopback", map[string]any{"clientName": "x", "clientType": "public", "grantTypes": []string{"authorization_code"}, "redirectUris": []string{"http://example.com/cb"}}, "InvalidRedirectUriException"},
		{"code grant without redirect", map[string]any{"clientName": "x", "clientType": "public", "grantTypes": []string{"authorization_code"}}, "InvalidRequestException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var a answer
			if s, ok := tc.body.(string); ok {
				a = e.do(http.MethodPost, "/client/register", strings.NewReader(s), nil)
			} else {
				a = e.post("/client/register", tc.body)
			}
			wantOIDCError(t, a, 400, tc.code)
		})
	}
}

func TestOIDCErrorBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	r := e.register(nil, nil, nil)
	d := e.startDevice(r)
	a := e.pollDevice(r, d)
	wantOIDCError(t, a, 400, "AuthorizationPendingException")
	if got := a.str(t, "error"); got != "authorization_pending" {
		t.Errorf("error = %q, want authorization_pending", got)
	}
	a = e.post("/token", map[string]string{"clientId": "nope", "clientSecret": "x", "grantType": fakesso.GrantDeviceCode, "deviceCode": "x"})
	wantOIDCError(t, a, 401, "InvalidClientException")
	if got := a.str(t, "error"); got != "invalid_client" {
		t.Errorf("error = %q, want invalid_client", got)
	}
}

func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	r := e.register([]string{"sso:account:access"}, nil, nil)
	a := e.post("/device_authorization", map[string]string{"clientId": r.id, "clientSecret": r.secret, "startUrl": startURL})
	if a.status != 200 {
		t.Fatalf("got %d %s", a.status, a.body)
	}
	m := a.json(t)
	d := device{m["deviceCode"].(string), m["userCode"].(string)}
	if m["verificationUri"] != e.url+"/device" || m["verificationUriComplete"] != e.url+"/device?user_code="+d.userCode {
		t.Errorf("verification URIs %v %v", m["verificationUri"], m["verificationUriComplete"])
	}
	if m["expiresIn"] != 600.0 || m["interval"] != 1.0 {
		t.Errorf("expiresIn %v interval %v, want 600 and 1", m["expiresIn"], m["interval"])
	}
	if got := e.srv.PendingUserCodes(); len(got) != 1 || got[0] != d.userCode {
		t.Errorf("PendingUserCodes = %q", got)
	}

	wantOIDCError(t, e.pollDevice(r, d), 400, "AuthorizationPendingException")
	e.clk.Advance(time.Second)
	wantOIDCError(t, e.pollDevice(r, d), 400, "AuthorizationPendingException")

	// The approval page shows the code and an Allow button; posting it
	// approves.
	page := e.do(http.MethodGet, "/device?user_code="+d.userCode, nil, nil)
	if page.status != 200 || !strings.Contains(string(page.body), d.userCode) || !strings.Contains(string(page.body), ">Allow</button>") {
		t.Fatalf("approval page: %d %s", page.status, page.body)
	}
	if got := e.form("/device", url.Values{"user_code": {d.userCode}}); got.status != 200 || !strings.Contains(string(got.body), "approved") {
		t.Fatalf("approve: %d %s", got.status, got.body)
	}
	if len(e.srv.PendingUserCodes()) != 0 {
		t.Error("the code is still pending after approval")
	}

	e.clk.Advance(time.Second)
	tok := e.pollDevice(r, d)
	if tok.status != 200 {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	tm := tok.json(t)
	if tm["tokenType"] != "Bearer" || tm["expiresIn"] != 3600.0 || tm["accessToken"] == "" || tm["refreshToken"] == nil {
		t.Errorf("token answer %s", tok.body)
	}
	// A device code is exchanged once.
	e.clk.Advance(time.Second)
	wantOIDCError(t, e.pollDevice(r, d), 400, "InvalidGrantException")

	// The token works at the portal.
	if a := e.portal(http.MethodGet, "/assignment/accounts", tm["accessToken"].(string)); a.status != 200 {
		t.Errorf("portal: %d %s", a.status, a.body)
	}
}

func TestDeviceFlowErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	for _, tc := range []struct {
		name string
		// run gets a fresh registration and device code; it returns the
		// answer to check.
		run    func(t *testing.T, r registration, d device) answer
		status int
		code   string
	}{
		{"slow down", func(t *testing.T, r registration, d device) answer {
			e.pollDevice(r, d)
			return e.pollDevice(r, d) // no time passed
		}, 400, "SlowDownException"},
		{"slow down adds five seconds", func(t *testing.T, _ registration, _ device) answer {
			// The clock moves, so this case gets its own server.
			e := newEnv(t, fakesso.Config{})
			r := e.register(nil, nil, nil)
			d := e.startDevice(r)
			e.pollDevice(r, d)
			wantOIDCError(t, e.pollDevice(r, d), 400, "SlowDownException")
			e.clk.Advance(5 * time.Second) // interval is now 6 s
			wantOIDCError(t, e.pollDevice(r, d), 400, "SlowDownException")
			e.clk.Advance(11 * time.Second) // and now 11 s
			return e.pollDevice(r, d)
		}, 400, "AuthorizationPendingException"},
		{"denied", func(t *testing.T, r registration, d device) answer {
			if err := e.srv.Deny(d.userCode); err != nil {
				t.Fatal(err)
			}
			return e.pollDevice(r, d)
		}, 400, "AccessDeniedException"},
		{"denied on the page", func(t *testing.T, r registration, d device) answer {
			if a := e.form("/device", url.Values{"user_code": {d.userCode}, "action": {"deny"}}); a.status != 200 {
				t.Fatalf("deny: %d %s", a.status, a.body)
			}
			return e.pollDevice(r, d)
		}, 400, "AccessDeniedException"},
		{"other client's code", func(t *testing.T, r registration, d device) answer {
			other := e.register(nil, nil, nil)
			return e.pollDevice(other, d)
		}, 400, "InvalidGrantException"},
		{"unknown code", func(t *testing.T, r registration, d device) answer {
			return e.pollDevice(r, device{deviceCode: "nope"})
		}, 400, "InvalidGrantException"},
		{"no device code", func(t *testing.T, r registration, d device) answer {
			return e.pollDevice(r, device{})
		}, 400, "InvalidRequestException"},
		{"no start URL", func(t *testing.T, r registration, d device) answer {
			return e.post("/device_authorization", map[string]string{"clientId": r.id, "clientSecret": r.secret})
		}, 400, "InvalidRequestException"},
		{"device authorization for an unknown client", func(t *testing.T, r registration, d device) answer {
			return e.post("/device_authorization", map[string]string{"clientId": "nope", "clientSecret": r.secret, "startUrl": startURL})
		}, 401, "InvalidClientException"},
		{"wrong secret", func(t *testing.T, r registration, d device) answer {
			return e.pollDevice(registration{r.id, "wrong"}, d)
		}, 401, "InvalidClientException"},
		{"device grant not registered", func(t *testing.T, r registration, d device) answer {
			pk := e.register(nil, []string{"authorization_code"}, []string{"http://127.0.0.1/oauth/callback"})
			return e.post("/device_authorization", map[string]string{"clientId": pk.id, "clientSecret": pk.secret, "startUrl": startURL})
		}, 400, "UnauthorizedClientException"},
		{"unsupported grant", func(t *testing.T, r registration, d device) answer {
			return e.post("/token", map[string]string{"clientId": r.id, "clientSecret": r.secret, "grantType": "password"})
		}, 400, "UnsupportedGrantTypeException"},
		{"no grant type", func(t *testing.T, r registration, d device) answer {
			return e.post("/token", map[string]string{"clientId": r.id, "clientSecret": r.secret})
		}, 400, "InvalidRequestException"},
		{"scope not registered", func(t *testing.T, r registration, d device) answer {
			return e.post("/token", map[string]any{"clientId": r.id, "clientSecret": r.secret, "grantType": fakesso.GrantDeviceCode,
				"deviceCode": d.deviceCode, "scope": []string{"sso:account:access"}})
		}, 400, "InvalidScopeException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := e.register(nil, nil, nil)
			d := e.startDevice(r)
			wantOIDCError(t, tc.run(t, r, d), tc.status, tc.code)
		})
	}
}

func TestDeviceCodeExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{DeviceCodeTTL: 2 * time.Minute})
	r := e.register(nil, nil, nil)
	d := e.startDevice(r)
	e.clk.Advance(2 * time.Minute)
	wantOIDCError(t, e.pollDevice(r, d), 400, "ExpiredTokenException")
	if err := e.srv.Approve(d.userCode); err == nil {
		t.Error("Approve accepted an expired code")
	}
	if a := e.form("/device", url.Values{"user_code": {d.userCode}}); a.status != 400 {
		t.Errorf("approving an expired code on the page: %d", a.status)
	}
	if a := e.form("/device", url.Values{"user_code": {"BCDF-GHJK"}}); a.status != 404 {
		t.Errorf("approving an unknown code on the page: %d", a.status)
	}
}

func TestRegistrationExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{RegistrationTTL: time.Hour, TokenTTL: 2 * time.Hour})
	r, tok := e.signIn([]string{"sso:account:access"})
	e.clk.Advance(time.Hour)
	wantOIDCError(t, e.post("/device_authorization", map[string]string{"clientId": r.id, "clientSecret": r.secret, "startUrl": startURL}), 401, "InvalidClientException")
	wantOIDCError(t, e.refresh(r, tok.str(t, "refreshToken")), 401, "InvalidClientException")
}

func TestAutoApprove(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{AutoApprove: true})
	r := e.register(nil, nil, nil)
	d := e.startDevice(r)
	if a := e.pollDevice(r, d); a.status != 200 {
		t.Fatalf("first poll: %d %s", a.status, a.body)
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	t.Run("only with sso:account:access", func(t *testing.T) {
		t.Parallel()
		for _, scopes := range [][]string{nil, {"openid"}} {
			_, tok := e.signIn(scopes)
			if tok.json(t)["refreshToken"] != nil {
				t.Errorf("scopes %q: a refresh token was issued: %s", scopes, tok.body)
			}
		}
	})
	t.Run("rotates", func(t *testing.T) {
		t.Parallel()
		r, tok := e.signIn([]string{"sso:account:access"})
		rt := tok.str(t, "refreshToken")
		a := e.refresh(r, rt)
		if a.status != 200 {
			t.Fatalf("refresh: %d %s", a.status, a.body)
		}
		next := a.str(t, "refreshToken")
		if next == "" || next == rt || a.str(t, "accessToken") == tok.str(t, "accessToken") {
			t.Errorf("refresh answer %s: want a new access token and a new refresh token", a.body)
		}
		wantOIDCError(t, e.refresh(r, rt), 400, "InvalidGrantException")
		if a := e.refresh(r, next); a.status != 200 {
			t.Errorf("refresh with the new token: %d %s", a.status, a.body)
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		r, tok := e.signIn([]string{"sso:account:access"})
		wantOIDCError(t, e.refresh(r, ""), 400, "InvalidRequestException")
		wantOIDCError(t, e.refresh(r, "aorBOGUS"), 400, "InvalidGrantException")
		other := e.register([]string{"sso:account:access"}, nil, nil)
		wantOIDCError(t, e.refresh(other, tok.str(t, "refreshToken")), 400, "InvalidGrantException")
		pk := e.register([]string{"sso:account:access"}, []string{"authorization_code"}, []string{"http://127.0.0.1/oauth/callback"})
		wantOIDCError(t, e.refresh(pk, tok.str(t, "refreshToken")), 400, "UnauthorizedClientException")
	})
	t.Run("revoked", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, fakesso.Config{})
		r, tok := e.signIn([]string{"sso:account:access"})
		e.srv.RevokeRefreshTokens()
		wantOIDCError(t, e.refresh(r, tok.str(t, "refreshToken")), 400, "InvalidGrantException")
	})
	t.Run("after logout", func(t *testing.T) {
		t.Parallel()
		r, tok := e.signIn([]string{"sso:account:access"})
		if a := e.portal(http.MethodPost, "/logout", tok.str(t, "accessToken")); a.status != 200 || len(a.body) != 0 {
			t.Fatalf("logout: %d %q", a.status, a.body)
		}
		wantOIDCError(t, e.refresh(r, tok.str(t, "refreshToken")), 400, "InvalidGrantException")
	})
	t.Run("refreshed token outlives the expired one", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, fakesso.Config{TokenTTL: 10 * time.Minute})
		r, tok := e.signIn([]string{"sso:account:access"})
		e.clk.Advance(10 * time.Minute)
		wantPortalError(t, e.portal(http.MethodGet, "/assignment/accounts", tok.str(t, "accessToken")), 401, "UnauthorizedException")
		a := e.refresh(r, tok.str(t, "refreshToken"))
		if a.status != 200 || a.json(t)["expiresIn"] != 600.0 {
			t.Fatalf("refresh: %d %s", a.status, a.body)
		}
		if p := e.portal(http.MethodGet, "/assignment/accounts", a.str(t, "accessToken")); p.status != 200 {
			t.Errorf("portal with the refreshed token: %d %s", p.status, p.body)
		}
	})
}

// pkce is the client side of the authorization code grant.
type pkce struct {
	e        *env
	reg      registration
	verifier string
	redirect string
}

const callback = "http://127.0.0.1/oauth/callback"

func newPKCE(e *env) *pkce {
	return &pkce{
		e:        e,
		reg:      e.register([]string{"sso:account:access"}, []string{"authorization_code", "refresh_token"}, []string{callback}),
		verifier: strings.Repeat("abcdefghijklmnopqrstuvwxyz-._~01", 2), // 64 characters
		redirect: "http://127.0.0.1:43210/oauth/callback",
	}
}

func (p *pkce) authorizeURL(mod func(url.Values)) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {p.reg.id},
		"redirect_uri":          {p.redirect},
		"state":                 {"st&te=1 2"},
		"code_challenge_method": {"S256"},
		"scopes":                {"sso:account:access"},
		"code_challenge":        {fakesso.PKCEChallenge(p.verifier)},
	}
	if mod != nil {
		mod(q)
	}
	return "/authorize?" + q.Encode()
}

// consent opens the consent page and answers it; it returns the
// redirect's query.
func (p *pkce) consent(t *testing.T, action string) url.Values {
	t.Helper()
	page := p.e.do(http.MethodGet, p.authorizeURL(nil), nil, nil)
	if page.status != 200 || !strings.Contains(string(page.body), ">Allow</button>") {
		t.Fatalf("consent page: %d %s", page.status, page.body)
	}
	m := formRequestRE.FindStringSubmatch(string(page.body))
	if m == nil {
		t.Fatalf("no request id in %s", page.body)
	}
	a := p.e.form("/authorize", url.Values{"request": {m[1]}, "action": {action}})
	return redirectQuery(t, a, p.redirect)
}

// redirectQuery checks a 302 to the redirect URI and returns its query.
func redirectQuery(t *testing.T, a answer, redirect string) url.Values {
	t.Helper()
	if a.status != http.StatusFound {
		t.Fatalf("got %d %s, want a 302", a.status, a.body)
	}
	loc, err := url.Parse(a.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Fatalf("redirected to %s, want %s", got, redirect)
	}
	return loc.Query()
}

func (p *pkce) token(code, verifier, redirect string) answer {
	return p.e.post("/token", map[string]string{
		"clientId": p.reg.id, "clientSecret": p.reg.secret, "grantType": "authorization_code",
		"code": code, "codeVerifier": verifier, "redirectUri": redirect,
	})
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	t.Run("allow", func(t *testing.T) {
		t.Parallel()
		p := newPKCE(e)
		q := p.consent(t, "allow")
		if q.Get("state") != "st&te=1 2" || q.Get("code") == "" {
			t.Fatalf("redirect query %v", q)
		}
		a := p.token(q.Get("code"), p.verifier, p.redirect)
		if a.status != 200 || a.str(t, "refreshToken") == "" {
			t.Fatalf("token: %d %s", a.status, a.body)
		}
		if r := e.refresh(p.reg, a.str(t, "refreshToken")); r.status != 200 {
			t.Errorf("refresh: %d %s", r.status, r.body)
		}
		wantOIDCError(t, p.token(q.Get("code"), p.verifier, p.redirect), 400, "InvalidGrantException") // used
	})
	t.Run("deny", func(t *testing.T) {
		t.Parallel()
		q := newPKCE(e).consent(t, "deny")
		if q.Get("error") != "access_denied" || q.Get("state") != "st&te=1 2" || q.Has("code") {
			t.Errorf("redirect query %v", q)
		}
	})
	for _, tc := range []struct {
		name     string
		verifier func(p *pkce) string
		redirect func(p *pkce) string
		code     string
	}{
		{"wrong verifier", func(p *pkce) string { return strings.Repeat("x", 64) }, nil, "InvalidGrantException"},
		{"other port", nil, func(p *pkce) string { return "http://127.0.0.1:43211/oauth/callback" }, "InvalidGrantException"},
		{"registered URI instead of the used one", nil, func(p *pkce) string { return callback }, "InvalidGrantException"},
		{"no verifier", func(p *pkce) string { return "" }, nil, "InvalidRequestException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPKCE(e)
			q := p.consent(t, "allow")
			v, r := p.verifier, p.redirect
			if tc.verifier != nil {
				v = tc.verifier(p)
			}
			if tc.redirect != nil {
				r = tc.redirect(p)
			}
			wantOIDCError(t, p.token(q.Get("code"), v, r), 400, tc.code)
		})
	}
	t.Run("code expires", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, fakesso.Config{})
		p := newPKCE(e)
		q := p.consent(t, "allow")
		e.clk.Advance(5 * time.Minute)
		wantOIDCError(t, p.token(q.Get("code"), p.verifier, p.redirect), 400, "InvalidGrantException")
	})
}

func TestAuthorizeErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	p := newPKCE(e)
	device := e.register([]string{"sso:account:access"}, nil, nil)
	// Errors that cannot be sent to the redirect URI: a page.
	for _, tc := range []struct {
		name string
		mod  func(url.Values)
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nope") }},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:1234/elsewhere") }},
		{"https instead of http", func(q url.Values) { q.Set("redirect_uri", "https://127.0.0.1:1234/oauth/callback") }},
		{"no redirect", func(q url.Values) { q.Del("redirect_uri") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := e.do(http.MethodGet, p.authorizeURL(tc.mod), nil, nil)
			if a.status != 400 || a.header.Get("Location") != "" {
				t.Errorf("got %d Location %q, want a 400 page", a.status, a.header.Get("Location"))
			}
		})
	}
	// Errors sent to the redirect URI.
	for _, tc := range []struct {
		name, want string
		mod        func(url.Values)
	}{
		{"token response type", "unsupported_response_type", func(q url.Values) { q.Set("response_type", "token") }},
		{"plain challenge", "invalid_request", func(q url.Values) { q.Set("code_challenge_method", "plain") }},
		{"no challenge", "invalid_request", func(q url.Values) { q.Del("code_challenge") }},
		{"unregistered scope", "invalid_scope", func(q url.Values) { q.Set("scopes", "sso:account:access openid") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := redirectQuery(t, e.do(http.MethodGet, p.authorizeURL(tc.mod), nil, nil), p.redirect)
			if q.Get("error") != tc.want || q.Get("state") != "st&te=1 2" {
				t.Errorf("redirect query %v, want error=%s and the state", q, tc.want)
			}
		})
	}
	t.Run("client without the grant", func(t *testing.T) {
		t.Parallel()
		// Its redirect URI is not registered either: a page.
		a := e.do(http.MethodGet, p.authorizeURL(func(q url.Values) { q.Set("client_id", device.id) }), nil, nil)
		if a.status != 400 {
			t.Errorf("got %d", a.status)
		}
	})
	t.Run("unknown request on the form", func(t *testing.T) {
		t.Parallel()
		if a := e.form("/authorize", url.Values{"request": {"nope"}, "action": {"allow"}}); a.status != 400 {
			t.Errorf("got %d", a.status)
		}
	})
	t.Run("auto approve", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, fakesso.Config{AutoApprove: true})
		p := newPKCE(e)
		q := redirectQuery(t, e.do(http.MethodGet, p.authorizeURL(nil), nil, nil), p.redirect)
		if a := p.token(q.Get("code"), p.verifier, p.redirect); a.status != 200 {
			t.Errorf("token: %d %s", a.status, a.body)
		}
	})
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/token"},
		{http.MethodGet, "/nope"},
		{http.MethodDelete, "/logout"},
	} {
		a := e.do(tc.method, tc.path, nil, nil)
		if a.status < 400 {
			t.Errorf("%s %s: %d, want an error", tc.method, tc.path, a.status)
		}
	}
}
