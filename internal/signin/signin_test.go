package signin_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
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
	awssignin "github.com/aws/aws-sdk-go-v2/service/signin"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesignin"
	"github.com/sesamehq/sesame/internal/signin"
	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is the fake and a sesame client pointed at it.
type env struct {
	fake   *fakesignin.Server
	base   string
	client *signin.Client
}

func newEnv(t *testing.T, cfg fakesignin.Config) *env {
	t.Helper()
	fake := fakesignin.New(cfg)
	u := fake.Start(t)
	lookup := func(k string) (string, bool) {
		if k == "AWS_ENDPOINT_URL_SIGNIN" {
			return u, true
		}
		return "", false
	}
	api, base, err := signin.NewAPI(t.Context(), t.TempDir(), "eu-west-1", "", lookup)
	if err != nil {
		t.Fatal(err)
	}
	if base != u {
		t.Fatalf("base %q, want %q", base, u)
	}
	return &env{fake: fake, base: base, client: &signin.Client{API: api}}
}

// browser is a person's browser: it follows redirects and clicks approve.
type browser struct {
	t      *testing.T
	mu     sync.Mutex
	opened []string
	click  string // "approve" or "deny"
}

func (b *browser) Open(ctx context.Context, u string) error {
	b.mu.Lock()
	b.opened = append(b.opened, u)
	b.mu.Unlock()
	go b.visit(ctx, u)
	return nil
}

func (b *browser) visit(ctx context.Context, u string) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{Proxy: nil}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := c.Do(req)
	if err != nil {
		b.t.Errorf("browser: %v", err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="request" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		b.t.Errorf("browser: no approve form in %s", page)
		return
	}
	form := url.Values{"request": {string(m[1])}, "action": {b.click}}
	post, _ := http.NewRequestWithContext(ctx, http.MethodPost, resp.Request.URL.String(), strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(post)
	if err != nil {
		b.t.Errorf("browser: %v", err)
		return
	}
	resp.Body.Close()
}

func TestSignInSameDevice(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	br := &browser{t: t, click: "approve"}
	var out bytes.Buffer
	got, err := e.client.SignIn(t.Context(), signin.FlowOptions{Base: e.base, Opener: br, Out: &out, Describe: "profile dev"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got.LoginSession != e.fake.SessionARN() || got.Token.AccountID != e.fake.AccountID() || got.Token.ClientID != signin.ClientSameDevice {
		t.Fatalf("got %+v", got)
	}
	if got.Token.RefreshToken == "" || got.Token.AccessKeyID == "" || got.Token.Key == nil || time.Until(got.Token.Expires) < 10*time.Minute {
		t.Fatalf("token %+v", got.Token)
	}
	// The browser was given a one-time loopback URL, never the authorize
	// URL with the state and challenge.
	if len(br.opened) != 1 || !strings.HasPrefix(br.opened[0], "http://127.0.0.1:") || strings.Contains(br.opened[0], "state") || strings.Contains(br.opened[0], "challenge") {
		t.Fatalf("browser opened %q", br.opened)
	}
	// Refresh with the session's key rotates the refresh token.
	nt, err := e.client.Refresh(t.Context(), got.Token, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if nt.RefreshToken == got.Token.RefreshToken || nt.AccessKeyID == got.Token.AccessKeyID || nt.Key != got.Token.Key || nt.IDToken != got.Token.IDToken {
		t.Fatalf("refresh did not rotate: %+v", nt)
	}
	// The old refresh token is dead: sign in again.
	_, err = e.client.Refresh(t.Context(), got.Token, "dev")
	var se *signin.Error
	if !errors.As(err, &se) || !se.SignInAgain() || !strings.Contains(err.Error(), "run sesame signin dev") {
		t.Fatalf("old refresh token: %v", err)
	}
	if strings.Contains(err.Error(), got.Token.RefreshToken) {
		t.Fatal("error holds the refresh token")
	}
}

func TestSignInDenied(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	_, err := e.client.SignIn(t.Context(), signin.FlowOptions{Base: e.base, Opener: &browser{t: t, click: "deny"}, Out: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("denied sign-in: %v", err)
	}
}

func TestSignInRemote(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	pr, pw := io.Pipe()
	outR, outW := io.Pipe()
	type res struct {
		ex  signin.Exchanged
		err error
	}
	done := make(chan res, 1)
	go func() {
		ex, err := e.client.SignIn(t.Context(), signin.FlowOptions{Base: e.base, Remote: true, Out: outW, In: pr})
		outW.Close()
		done <- res{ex, err}
	}()
	// Read the URL sesame prints, "approve" on another device, paste the code.
	buf := make([]byte, 4096)
	var printed string
	for !strings.Contains(printed, "paste the code") {
		n, err := outR.Read(buf)
		if err != nil {
			t.Fatalf("output %q: %v", printed, err)
		}
		printed += string(buf[:n])
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	link := regexp.MustCompile(`http://\S+/v1/authorize\S+`).FindString(printed)
	if link == "" || !strings.Contains(link, url.QueryEscape(signin.ClientCrossDevice)) {
		t.Fatalf("printed %q", printed)
	}
	c := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := regexp.MustCompile(`name="request" value="([^"]+)"`).FindSubmatch(page)
	resp, err = c.PostForm(e.base+"/v1/authorize", url.Values{"request": {string(id[1])}, "action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	code := regexp.MustCompile(`id="verification-code">([^<]+)<`).FindSubmatch(page)
	if code == nil {
		t.Fatalf("confirmation page %s", page)
	}
	// A blank line is skipped; the code is pasted with surrounding spaces.
	if _, err := io.WriteString(pw, "\n  "+string(code[1])+"  \n"); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.ex.Token.ClientID != signin.ClientCrossDevice || r.ex.LoginSession != e.fake.SessionARN() {
		t.Fatalf("got %+v", r.ex)
	}
}

func TestDecodePasted(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte("state=S1&code=C1"))
	if code, err := signin.DecodePasted(" "+good+"\n", "S1"); err != nil || code != "C1" {
		t.Fatalf("good code: %q %v", code, err)
	}
	for name, pasted := range map[string]string{
		"not base64": "%%%not-base64%%%",
		"empty":      "   ",
		"no code":    base64.StdEncoding.EncodeToString([]byte("state=S1")),
		"not query":  base64.StdEncoding.EncodeToString([]byte("hello")),
	} {
		if _, err := signin.DecodePasted(pasted, "S1"); !errors.Is(err, signin.ErrBadPastedCode) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := signin.DecodePasted(good, "OTHER"); err == nil || !strings.Contains(err.Error(), "another sign-in") {
		t.Fatalf("wrong state: %v", err)
	}
}

func TestRefreshErrors(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	key, _ := signin.GenerateKey()
	issue := func() signin.Token {
		iss, err := e.fake.Issue(t.Context(), &key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return signin.Token{ClientID: iss.ClientID, RefreshToken: iss.RefreshToken, Key: key}
	}
	for code, want := range map[string]string{
		fakesignin.ErrTokenExpired:            "run sesame signin work",
		fakesignin.ErrUserCredentialsChanged:  "run sesame signin work",
		fakesignin.ErrInsufficientPermissions: "SignInLocalDevelopmentAccess",
		fakesignin.ErrInvalidRequest:          "ValidationException INVALID_REQUEST",
	} {
		if err := e.fake.FailNext(code); err != nil {
			t.Fatal(err)
		}
		_, err := e.client.Refresh(t.Context(), issue(), "work")
		var se *signin.Error
		if !errors.As(err, &se) || se.Code != code || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", code, err)
		}
	}
}

func pemOf(t *testing.T, typ string, der []byte) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func TestParseKey(t *testing.T) {
	k, _ := signin.GenerateKey()
	s, err := signin.EncodeKey(k)
	if err != nil || !strings.HasPrefix(s, "-----BEGIN EC PRIVATE KEY-----") {
		t.Fatalf("%q %v", s, err)
	}
	back, err := signin.ParseKey(s)
	if err != nil || !back.Equal(k) {
		t.Fatalf("round trip: %v", err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	if _, err := signin.ParseKey(pemOf(t, "PRIVATE KEY", pkcs8)); !errors.Is(err, signin.ErrKeyNotSEC1) {
		t.Errorf("PKCS#8: %v", err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(p384)
	if _, err := signin.ParseKey(pemOf(t, "EC PRIVATE KEY", der)); !errors.Is(err, signin.ErrKeyNotP256) {
		t.Errorf("P-384: %v", err)
	}
	if _, err := signin.ParseKey("not a key"); !errors.Is(err, signin.ErrKeyNotPEM) {
		t.Errorf("garbage: %v", err)
	}
}

func cacheJSON(t *testing.T, tok signin.Token) map[string]any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.json")
	if err := signin.WriteCache(path, tok); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sampleToken(t *testing.T) signin.Token {
	k, _ := signin.GenerateKey()
	return signin.Token{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "session", AccountID: "123456789012",
		Expires: time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC), ClientID: signin.ClientSameDevice, RefreshToken: "rt", IDToken: "a.b.c", Key: k}
}

func TestCacheFileFormat(t *testing.T) {
	dir := t.TempDir()
	arn := "arn:aws:sts::123456789012:assumed-role/Admin/alice"
	// The file name is what the SDKs compute.
	want, err := logincreds.StandardCachedTokenFilepath(arn, dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, signin.CacheFile(arn))
	if path != want {
		t.Fatalf("cache path %s, the Go SDK's %s", path, want)
	}
	tok := sampleToken(t)
	// A field sesame does not know survives a rewrite.
	if err := os.WriteFile(path, []byte(`{"identityToken":"","extra":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := signin.WriteCache(path, tok); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	var m map[string]any
	b, _ := os.ReadFile(path)
	_ = json.Unmarshal(b, &m)
	at := m["accessToken"].(map[string]any)
	if at["expiresAt"] != "2026-12-06T03:04:05Z" || m["tokenType"] != "aws_sigv4" || m["extra"] != float64(1) || m["identityToken"] != "" ||
		!strings.HasPrefix(m["dpopKey"].(string), "-----BEGIN EC PRIVATE KEY-----") {
		t.Fatalf("file %s", b)
	}
	back, found, err := signin.ReadCache(path)
	if err != nil || !found || back.RefreshToken != "rt" || !back.Expires.Equal(tok.Expires) || !back.Key.Equal(tok.Key) || back.AccountID != "123456789012" {
		t.Fatalf("read back %+v %v %v", back, found, err)
	}
	if _, found, err := signin.ReadCache(filepath.Join(dir, "none.json")); found || err != nil {
		t.Fatalf("missing file: %v %v", found, err)
	}
	// Fractions of a second, as some SDKs write them.
	at["expiresAt"] = "2026-12-06T03:04:05.123Z"
	b, _ = json.Marshal(m)
	if got, err := signin.ParseCache(b); err != nil || got.Expires.Second() != 5 {
		t.Fatalf("fractional time: %v", err)
	}
}

func TestCacheFileBadInput(t *testing.T) {
	tok := sampleToken(t)
	for _, field := range []string{"accessToken.accessKeyId", "accessToken.secretAccessKey", "accessToken.sessionToken", "accessToken.accountId",
		"accessToken.expiresAt", "clientId", "refreshToken", "dpopKey", "accessToken"} {
		m := cacheJSON(t, tok)
		if k, ok := strings.CutPrefix(field, "accessToken."); ok {
			delete(m["accessToken"].(map[string]any), k)
		} else {
			delete(m, field)
		}
		b, _ := json.Marshal(m)
		_, err := signin.ParseCache(b)
		var ce *signin.CacheError
		if !errors.As(err, &ce) || !strings.HasSuffix(err.Error(), "it has no "+field) {
			t.Errorf("without %s: %v", field, err)
		}
	}
	k, _ := signin.GenerateKey()
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der384, _ := x509.MarshalECPrivateKey(p384)
	for name, c := range map[string]struct {
		key  string
		want error
	}{
		"PKCS#8": {pemOf(t, "PRIVATE KEY", pkcs8), signin.ErrKeyNotSEC1},
		"P-384":  {pemOf(t, "EC PRIVATE KEY", der384), signin.ErrKeyNotP256},
	} {
		m := cacheJSON(t, tok)
		m["dpopKey"] = c.key
		b, _ := json.Marshal(m)
		path := filepath.Join(t.TempDir(), "c.json")
		_ = os.WriteFile(path, b, 0o600)
		_, _, err := signin.ReadCache(path)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), strings.Split(c.key, "\n")[1]) {
			t.Errorf("%s: %v", name, err)
		}
		// Nothing was overwritten.
		after, _ := os.ReadFile(path)
		if !bytes.Equal(after, b) {
			t.Errorf("%s: file changed", name)
		}
	}
}

// TestGoSDKAndSesameShareCacheFile: the Go SDK reads a cache file sesame
// wrote and refreshes it against the fake (rewriting it its way), and
// sesame reads the file the SDK rewrote and refreshes it in turn.
func TestGoSDKAndSesameShareCacheFile(t *testing.T) {
	e := newEnv(t, fakesignin.Config{})
	key, _ := signin.GenerateKey()
	iss, err := e.fake.Issue(t.Context(), &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), signin.CacheFile(e.fake.SessionARN()))
	tok := signin.Token{AccessKeyID: iss.AccessKeyID, SecretAccessKey: iss.SecretAccessKey, SessionToken: iss.SessionToken,
		AccountID: e.fake.AccountID(), Expires: time.Now().Add(-time.Minute), ClientID: iss.ClientID, RefreshToken: iss.RefreshToken,
		IDToken: iss.IDToken, Key: key}
	if err := signin.WriteCache(path, tok); err != nil {
		t.Fatal(err)
	}
	sdkClient := awssignin.New(awssignin.Options{Region: "eu-west-1", BaseEndpoint: aws.String(e.base), HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}}})
	creds, err := logincreds.New(sdkClient, path).Retrieve(t.Context())
	if err != nil {
		t.Fatalf("the Go SDK cannot use sesame's file: %v", err)
	}
	if creds.AccessKeyID == iss.AccessKeyID {
		t.Fatal("the Go SDK did not refresh")
	}
	got, found, err := signin.ReadCache(path)
	if err != nil || !found {
		t.Fatalf("sesame cannot read the SDK's file: %v", err)
	}
	if got.AccessKeyID != creds.AccessKeyID || got.RefreshToken == iss.RefreshToken || !got.Key.Equal(key) {
		t.Fatalf("read %+v", got)
	}
	nt, err := e.client.Refresh(t.Context(), got, "p")
	if err != nil {
		t.Fatalf("sesame cannot refresh the SDK's rotated token: %v", err)
	}
	if err := signin.WriteCache(path, nt); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(fakesignin.OpCreateOAuth2Token, fakesignin.GrantRefreshToken); n != 2 {
		t.Fatalf("%d refreshes, want 2", n)
	}
}

func TestBaseURL(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	for _, c := range []struct{ region, profile, env, want string }{
		{"us-east-1", "", "", "https://us-east-1.signin.aws.amazon.com"},
		{"cn-north-1", "", "", "https://cn-north-1.signin.amazonaws.cn"},
		{"us-gov-west-1", "", "", "https://us-gov-west-1.signin.amazonaws-us-gov.com"},
		{"us-east-1", "http://127.0.0.1:9/", "", "http://127.0.0.1:9"},
		{"us-east-1", "http://127.0.0.1:9", "http://127.0.0.1:8", "http://127.0.0.1:8"},
	} {
		lookup := none
		if c.env != "" {
			lookup = func(k string) (string, bool) { return c.env, k == "AWS_ENDPOINT_URL_SIGNIN" }
		}
		if got := signin.BaseURL(c.region, c.profile, lookup); got != c.want {
			t.Errorf("%+v: %s", c, got)
		}
	}
}
