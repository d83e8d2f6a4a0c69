package fakesso_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const startURL = "https://fake.awsapps.com/start"

// clock is a fake clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a fake on loopback with a fake clock.
type env struct {
	t   *testing.T
	srv *fakesso.Server
	url string
	clk *clock
}

func newEnv(t *testing.T, cfg fakesso.Config) *env {
	t.Helper()
	clk := newClock()
	if cfg.Clock == nil {
		cfg.Clock = clk.Now
	}
	if cfg.Accounts == nil {
		cfg.Accounts = fakesso.Generate(3, 2)
	}
	srv := fakesso.New(cfg)
	return &env{t: t, srv: srv, url: srv.Start(t), clk: clk}
}

// noRedirects is an HTTP client that returns 302s instead of following
// them and never uses a proxy.
var noRedirects = &http.Client{
	Transport:     &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// answer is an HTTP answer.
type answer struct {
	status int
	code   string // x-amzn-ErrorType
	header http.Header
	body   []byte
}

// json decodes the body into a map.
func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	return m
}

func (a answer) str(t *testing.T, key string) string {
	t.Helper()
	v, _ := a.json(t)[key].(string)
	return v
}

func (e *env) do(method, path string, body io.Reader, header map[string]string) answer {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, code: resp.Header.Get("x-amzn-ErrorType"), header: resp.Header, body: b}
}

// post sends v as JSON.
func (e *env) post(path string, v any) answer {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, path, bytes.NewReader(b), map[string]string{"Content-Type": "application/json"})
}

// form posts a form.
func (e *env) form(path string, v url.Values) answer {
	e.t.Helper()
	return e.do(http.MethodPost, path, strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// portal calls a portal route with a bearer token.
func (e *env) portal(method, path, token string) answer {
	e.t.Helper()
	h := map[string]string{}
	if token != "" {
		h["x-amz-sso_bearer_token"] = token
	}
	return e.do(method, path, nil, h)
}

type registration struct{ id, secret string }

func (e *env) register(scopes, grants, redirects []string) registration {
	e.t.Helper()
	in := map[string]any{"clientName": "test", "clientType": "public"}
	if scopes != nil {
		in["scopes"] = scopes
	}
	if grants != nil {
		in["grantTypes"] = grants
	}
	if redirects != nil {
		in["redirectUris"] = redirects
	}
	a := e.post("/client/register", in)
	if a.status != 200 {
		e.t.Fatalf("register: %d %s %s", a.status, a.code, a.body)
	}
	return registration{a.str(e.t, "clientId"), a.str(e.t, "clientSecret")}
}

type device struct{ deviceCode, userCode string }

func (e *env) startDevice(r registration) device {
	e.t.Helper()
	a := e.post("/device_authorization", map[string]string{"clientId": r.id, "clientSecret": r.secret, "startUrl": startURL})
	if a.status != 200 {
		e.t.Fatalf("device_authorization: %d %s %s", a.status, a.code, a.body)
	}
	return device{a.str(e.t, "deviceCode"), a.str(e.t, "userCode")}
}

func (e *env) pollDevice(r registration, d device) answer {
	e.t.Helper()
	return e.post("/token", map[string]string{
		"clientId": r.id, "clientSecret": r.secret, "deviceCode": d.deviceCode,
		"grantType": fakesso.GrantDeviceCode,
	})
}

func (e *env) refresh(r registration, refreshToken string) answer {
	e.t.Helper()
	return e.post("/token", map[string]string{
		"clientId": r.id, "clientSecret": r.secret, "refreshToken": refreshToken,
		"grantType": fakesso.GrantRefreshToken,
	})
}

// signIn runs the device flow to the end and returns the token answer.
func (e *env) signIn(scopes []string) (registration, answer) {
	e.t.Helper()
	r := e.register(scopes, nil, nil)
	d := e.startDevice(r)
	if err := e.srv.Approve(d.userCode); err != nil {
		e.t.Fatal(err)
	}
	a := e.pollDevice(r, d)
	if a.status != 200 {
		e.t.Fatalf("token: %d %s %s", a.status, a.code, a.body)
	}
	return r, a
}

// wantOIDCError checks an SSO OIDC error answer.
func wantOIDCError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code != code {
		t.Fatalf("got %d %q (%s), want %d %q", a.status, a.code, a.body, status, code)
	}
	m := a.json(t)
	if _, ok := m["error"].(string); !ok {
		t.Errorf("body %s has no error", a.body)
	}
	if _, ok := m["error_description"].(string); !ok {
		t.Errorf("body %s has no error_description", a.body)
	}
}

// wantPortalError checks an SSO portal error answer.
func wantPortalError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code != code {
		t.Fatalf("got %d %q (%s), want %d %q", a.status, a.code, a.body, status, code)
	}
	if m := a.json(t); m["message"] == nil {
		t.Errorf("body %s has no message", a.body)
	}
}

var formRequestRE = regexp.MustCompile(`name="request" value="([^"]+)"`)
