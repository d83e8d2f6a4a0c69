package fakesignin_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesignin"
	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type env struct {
	t   *testing.T
	srv *fakesignin.Server
	url string
	clk *clock
}

func newEnv(t *testing.T, cfg fakesignin.Config) *env {
	t.Helper()
	clk := &clock{now: time.Now().Truncate(time.Second)}
	if cfg.Clock == nil {
		cfg.Clock = clk.Now
	}
	srv := fakesignin.New(cfg)
	return &env{t: t, srv: srv, url: srv.Start(t), clk: clk}
}

var noRedirects = &http.Client{
	Transport:     &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

type answer struct {
	status int
	shape  string
	header http.Header
	body   []byte
}

func (a answer) field(t *testing.T, k string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	v, _ := m[k].(string)
	return v
}

func (e *env) do(req *http.Request) answer {
	e.t.Helper()
	resp, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, shape: resp.Header.Get("X-Amzn-ErrorType"), header: resp.Header, body: b}
}

func (e *env) get(path string) answer {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.t.Context(), http.MethodGet, e.url+path, nil)
	return e.do(req)
}

func (e *env) form(path string, v url.Values) answer {
	e.t.Helper()
	req, _ := http.NewRequestWithContext(e.t.Context(), http.MethodPost, e.url+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// proofOpts changes one thing of a DPoP proof, to see the fake refuse it.
type proofOpts struct {
	htm, htu string
	iat      time.Time
	jti      string
	badSig   bool
	alg      string
}

// proof is an independent DPoP proof maker (the fake must not trust the
// code it tests).
func proof(t *testing.T, key *ecdsa.PrivateKey, htu string, o proofOpts) string {
	t.Helper()
	enc := base64.RawURLEncoding
	x, y := make([]byte, 32), make([]byte, 32)
	key.X.FillBytes(x)
	key.Y.FillBytes(y)
	alg := "ES256"
	if o.alg != "" {
		alg = o.alg
	}
	h, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": map[string]string{"kty": "EC", "crv": "P-256", "x": enc.EncodeToString(x), "y": enc.EncodeToString(y)}})
	if o.htm == "" {
		o.htm = "POST"
	}
	if o.htu == "" {
		o.htu = htu
	}
	if o.iat.IsZero() {
		o.iat = time.Now()
	}
	if o.jti == "" {
		o.jti = rand.Text()
	}
	p, _ := json.Marshal(map[string]any{"htm": o.htm, "htu": o.htu, "iat": o.iat.Unix(), "jti": o.jti})
	msg := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	if o.badSig {
		sig[10] ^= 1
	}
	return msg + "." + enc.EncodeToString(sig)
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (e *env) token(body map[string]string, dpop string) answer {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(e.t.Context(), http.MethodPost, e.url+"/v1/token", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	return e.do(req)
}

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-."

// authorize runs the browser part and returns the code the redirect carried.
func (e *env) authorize(clientID, redirect, state string) (code string, loc *url.URL) {
	e.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "state": {state}, "code_challenge_method": {"SHA-256"},
		"scope": {"openid"}, "redirect_uri": {redirect}, "code_challenge": {challengeOf(verifier)}}
	page := e.get("/v1/authorize?" + q.Encode())
	if page.status != 200 || !bytes.Contains(page.body, []byte(`id="approve"`)) {
		e.t.Fatalf("authorize page: %d %s", page.status, page.body)
	}
	id := regexp.MustCompile(`name="request" value="([^"]+)"`).FindSubmatch(page.body)
	if id == nil {
		e.t.Fatalf("no request id in %s", page.body)
	}
	a := e.form("/v1/authorize", url.Values{"request": {string(id[1])}, "action": {"approve"}})
	if a.status != http.StatusFound {
		e.t.Fatalf("decision: %d %s", a.status, a.body)
	}
	loc, err := url.Parse(a.header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	if got := loc.Query().Get("state"); got != state {
		e.t.Fatalf("state %q, want %q", got, state)
	}
	return loc.Query().Get("code"), loc
}

func TestSameDeviceFlowAndRefreshRotation(t *testing.T) {
	e := newEnv(t, fakesignin.Config{TokenTTL: 90 * time.Second})
	redirect := "http://127.0.0.1:43210/oauth/callback"
	code, loc := e.authorize(fakesignin.ClientSameDevice, redirect, "st-1")
	if !strings.HasPrefix(loc.String(), redirect+"?") || code == "" {
		t.Fatalf("redirect to %s", loc)
	}
	key := newKey(t)
	htu := e.url + "/v1/token"
	a := e.token(map[string]string{"clientId": fakesignin.ClientSameDevice, "grantType": "authorization_code", "code": code,
		"codeVerifier": verifier, "redirectUri": redirect}, proof(t, key, htu, proofOpts{}))
	if a.status != 200 {
		t.Fatalf("token: %d %s", a.status, a.body)
	}
	var out struct {
		AccessToken  map[string]string `json:"accessToken"`
		TokenType    string            `json:"tokenType"`
		ExpiresIn    int               `json:"expiresIn"`
		RefreshToken string            `json:"refreshToken"`
		IDToken      string            `json:"idToken"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatal(err)
	}
	if out.TokenType != "aws_sigv4" || out.ExpiresIn != 90 || out.RefreshToken == "" || out.AccessToken["accessKeyId"] == "" || out.AccessToken["sessionToken"] == "" {
		t.Fatalf("answer %s", a.body)
	}
	parts := strings.Split(out.IDToken, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if !strings.Contains(string(claims), `"sub":"`+e.srv.SessionARN()+`"`) {
		t.Fatalf("idToken claims %s, want sub %s", claims, e.srv.SessionARN())
	}
	// The code works once.
	again := e.token(map[string]string{"clientId": fakesignin.ClientSameDevice, "grantType": "authorization_code", "code": code,
		"codeVerifier": verifier, "redirectUri": redirect}, proof(t, key, htu, proofOpts{}))
	if again.status != 401 || again.field(t, "error") != fakesignin.ErrAuthcodeExpired {
		t.Fatalf("second exchange: %d %s", again.status, again.body)
	}

	refresh := func(rt string, k *ecdsa.PrivateKey) answer {
		return e.token(map[string]string{"clientId": fakesignin.ClientSameDevice, "grantType": "refresh_token", "refreshToken": rt}, proof(t, k, htu, proofOpts{}))
	}
	// Another key cannot use the refresh token.
	if a := refresh(out.RefreshToken, newKey(t)); a.status != 400 || a.shape != "ValidationException" || a.field(t, "error") != fakesignin.ErrInvalidRequest {
		t.Fatalf("refresh with another key: %d %s %s", a.status, a.shape, a.body)
	}
	r1 := refresh(out.RefreshToken, key)
	if r1.status != 200 || r1.field(t, "refreshToken") == "" || r1.field(t, "refreshToken") == out.RefreshToken || r1.field(t, "idToken") != "" {
		t.Fatalf("refresh: %d %s", r1.status, r1.body)
	}
	// The old one stopped working; the new one works.
	if a := refresh(out.RefreshToken, key); a.status != 401 || a.shape != "AccessDeniedException" || a.field(t, "error") != fakesignin.ErrTokenExpired {
		t.Fatalf("rotated token: %d %s", a.status, a.body)
	}
	if a := refresh(r1.field(t, "refreshToken"), key); a.status != 200 {
		t.Fatalf("new token: %d %s", a.status, a.body)
	}
	if n := e.srv.Count(fakesignin.OpCreateOAuth2Token, fakesignin.GrantRefreshToken); n != 4 {
		t.Fatalf("%d refresh calls logged, want 4", n)
	}
	for _, r := range e.srv.Requests() {
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), out.RefreshToken) || strings.Contains(string(b), code) {
			t.Fatalf("log entry holds a secret: %s", b)
		}
	}
}

func TestCrossDeviceShowsCode(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	redirect := e.url + "/v1/sessions/confirmation"
	code, loc := e.authorize(fakesignin.ClientCrossDevice, redirect, "st-2")
	page := e.get(loc.RequestURI())
	m := regexp.MustCompile(`id="verification-code">([^<]+)<`).FindSubmatch(page.body)
	if page.status != 200 || m == nil {
		t.Fatalf("confirmation page: %d %s", page.status, page.body)
	}
	raw, err := base64.StdEncoding.DecodeString(string(m[1]))
	if err != nil || string(raw) != "state=st-2&code="+code {
		t.Fatalf("shown code decodes to %q (%v)", raw, err)
	}
	a := e.token(map[string]string{"clientId": fakesignin.ClientCrossDevice, "grantType": "authorization_code", "code": code,
		"codeVerifier": verifier, "redirectUri": redirect}, proof(t, newKey(t), e.url+"/v1/token", proofOpts{}))
	if a.status != 200 {
		t.Fatalf("token: %d %s", a.status, a.body)
	}
}

func TestAuthorizeRefusesBadRequests(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	good := url.Values{"response_type": {"code"}, "client_id": {fakesignin.ClientSameDevice}, "state": {"s"}, "code_challenge_method": {"SHA-256"},
		"scope": {"openid"}, "redirect_uri": {"http://127.0.0.1:5000/oauth/callback"}, "code_challenge": {challengeOf(verifier)}}
	for name, change := range map[string][2]string{
		"S256 method":         {"code_challenge_method", "S256"},
		"unknown client":      {"client_id", "arn:aws:signin:::devtools/other"},
		"remote redirect":     {"redirect_uri", "http://evil.example.com:5000/oauth/callback"},
		"no port":             {"redirect_uri", "http://127.0.0.1/oauth/callback"},
		"cross-device to cb":  {"client_id", fakesignin.ClientCrossDevice},
		"no state":            {"state", ""},
		"no challenge":        {"code_challenge", ""},
		"response_type token": {"response_type", "token"},
	} {
		q := url.Values{}
		for k, v := range good {
			q[k] = v
		}
		q.Set(change[0], change[1])
		if a := e.get("/v1/authorize?" + q.Encode()); a.status != 400 || a.header.Get("Location") != "" {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	// Deny redirects with an error.
	e2 := newEnv(t, fakesignin.Config{})
	page := e2.get("/v1/authorize?" + good.Encode())
	id := regexp.MustCompile(`name="request" value="([^"]+)"`).FindSubmatch(page.body)
	a := e2.form("/v1/authorize", url.Values{"request": {string(id[1])}, "action": {"deny"}})
	loc, _ := url.Parse(a.header.Get("Location"))
	if a.status != 302 || loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
		t.Fatalf("deny: %d %s", a.status, loc)
	}
}

func TestDPoPChecks(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	key := newKey(t)
	iss, err := e.srv.Issue(t.Context(), &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	htu := e.url + "/v1/token"
	body := map[string]string{"clientId": fakesignin.ClientSameDevice, "grantType": "refresh_token", "refreshToken": iss.RefreshToken}
	now := e.clk.Now()
	cases := map[string]string{
		"no header":     "",
		"bad signature": proof(t, key, htu, proofOpts{badSig: true}),
		"wrong htu":     proof(t, key, htu, proofOpts{htu: e.url + "/v1/other"}),
		"wrong htm":     proof(t, key, htu, proofOpts{htm: "GET"}),
		"old iat":       proof(t, key, htu, proofOpts{iat: now.Add(-6 * time.Minute)}),
		"future iat":    proof(t, key, htu, proofOpts{iat: now.Add(6 * time.Minute)}),
		"alg none":      proof(t, key, htu, proofOpts{alg: "none"}),
		"garbage":       "a.b.c",
	}
	for name, p := range cases {
		a := e.token(body, p)
		if a.status != 400 || a.shape != "ValidationException" || a.field(t, "error") != fakesignin.ErrInvalidRequest {
			t.Errorf("%s: %d %s %s", name, a.status, a.shape, a.body)
		}
	}
	// The refresh token survived the refused calls; a replayed jti is refused.
	p := proof(t, key, htu, proofOpts{jti: "same-jti", iat: now})
	if a := e.token(body, p); a.status != 200 {
		t.Fatalf("good proof: %d %s", a.status, a.body)
	}
	var out map[string]any
	_ = json.Unmarshal(e.token(body, p).body, &out)
	if out["error"] != fakesignin.ErrInvalidRequest || !strings.Contains(out["message"].(string), "replay") {
		t.Fatalf("replayed jti: %v", out)
	}
}

func TestErrorShapes(t *testing.T) {
	e := newEnv(t, fakesignin.Config{SessionTTL: time.Hour})
	key := newKey(t)
	htu := e.url + "/v1/token"
	refresh := func(rt string) answer {
		return e.token(map[string]string{"clientId": fakesignin.ClientSameDevice, "grantType": "refresh_token", "refreshToken": rt}, proof(t, key, htu, proofOpts{iat: e.clk.Now()}))
	}
	issue := func() string {
		iss, err := e.srv.Issue(t.Context(), &key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return iss.RefreshToken
	}
	for _, c := range []struct {
		code, shape string
		status      int
	}{
		{fakesignin.ErrTooManyRequests, "TooManyRequestsError", 429},
		{fakesignin.ErrInternal, "InternalServerException", 500},
		{fakesignin.ErrTokenExpired, "AccessDeniedException", 401},
		{fakesignin.ErrUserCredentialsChanged, "AccessDeniedException", 403},
		{fakesignin.ErrInsufficientPermissions, "AccessDeniedException", 403},
		{fakesignin.ErrInvalidRequest, "ValidationException", 400},
	} {
		if err := e.srv.FailNext(c.code); err != nil {
			t.Fatal(err)
		}
		if a := refresh(issue()); a.status != c.status || a.shape != c.shape || a.field(t, "error") != c.code {
			t.Errorf("%s: %d %s %s", c.code, a.status, a.shape, a.body)
		}
	}
	rt := issue()
	e.srv.SetInsufficientPermissions(true)
	if a := refresh(rt); a.status != 403 || a.field(t, "error") != fakesignin.ErrInsufficientPermissions {
		t.Fatalf("insufficient permissions: %d %s", a.status, a.body)
	}
	e.srv.SetInsufficientPermissions(false)
	e.srv.ChangeUserCredentials()
	if a := refresh(rt); a.status != 403 || a.field(t, "error") != fakesignin.ErrUserCredentialsChanged {
		t.Fatalf("credentials changed: %d %s", a.status, a.body)
	}
	rt = issue()
	e.clk.Advance(time.Hour)
	if a := refresh(rt); a.status != 401 || a.field(t, "error") != fakesignin.ErrTokenExpired {
		t.Fatalf("session expired: %d %s", a.status, a.body)
	}
	// The script hook.
	a := e.form(fakesignin.FailPath, url.Values{"error": {fakesignin.ErrTooManyRequests}})
	if a.status != 200 {
		t.Fatalf("fail hook: %d %s", a.status, a.body)
	}
	if a := refresh(issue()); a.status != 429 {
		t.Fatalf("after the hook: %d %s", a.status, a.body)
	}
}

// writeCache writes a cache file in the AWS CLI's format for iss and key.
func writeCache(t *testing.T, path string, iss fakesignin.Issued, accountID string, key *ecdsa.PrivateKey, expiresAt time.Time) {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{
		"accessToken": map[string]string{"accessKeyId": iss.AccessKeyID, "secretAccessKey": iss.SecretAccessKey, "sessionToken": iss.SessionToken,
			"accountId": accountID, "expiresAt": expiresAt.UTC().Format(time.RFC3339)},
		"tokenType": "aws_sigv4", "clientId": iss.ClientID, "refreshToken": iss.RefreshToken, "idToken": iss.IDToken,
		"dpopKey": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
	})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestGoSDKRefreshesAgainstFake is the faithfulness check with a real
// client: the Go SDK's login provider refreshes an expired cache file
// against the fake (DPoP made by the SDK, keys in the SDK's order and with
// unpadded coordinates), and the credentials it gets work against moto.
func TestGoSDKRefreshesAgainstFake(t *testing.T) {
	m := testenv.Moto(t)
	srv := fakesignin.New(fakesignin.Config{MotoURL: m.ProxyURL()})
	u := srv.Start(t)
	key := newKey(t)
	iss, err := srv.Issue(t.Context(), &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cache.json")
	writeCache(t, path, iss, srv.AccountID(), key, time.Now().Add(-time.Minute))
	client := signin.New(signin.Options{Region: "us-east-1", BaseEndpoint: aws.String(u), HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}}})
	p := logincreds.New(client, path)
	creds, err := p.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID == iss.AccessKeyID || !creds.Expires.After(time.Now().Add(10*time.Minute)) {
		t.Fatalf("not refreshed: %+v", creds)
	}
	if n := srv.Count(fakesignin.OpCreateOAuth2Token, fakesignin.GrantRefreshToken); n != 1 {
		t.Fatalf("%d refresh calls, want 1", n)
	}
	st := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(m.ProxyURL()),
		Credentials: aws.NewCredentialsCache(p), HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}}})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	id, err := st.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(id.Arn); got != srv.SessionARN() {
		t.Fatalf("moto says %s, want %s", got, srv.SessionARN())
	}
	// The rotated refresh token was written back and works.
	var f struct {
		RefreshToken string `json:"refreshToken"`
	}
	b, _ := os.ReadFile(path)
	_ = json.Unmarshal(b, &f)
	if f.RefreshToken == iss.RefreshToken || f.RefreshToken == "" {
		t.Fatalf("refresh token not rotated in the file")
	}
}
