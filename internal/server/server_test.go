package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/creds"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// clock is a fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

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

// gen returns the n-th generation of test credentials, expiring at exp.
func gen(n int, exp time.Time) creds.Result {
	return creds.Result{Credentials: aws.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAGENERATION%06d", n),
		SecretAccessKey: fmt.Sprintf("secret-of-generation-%d", n),
		SessionToken:    fmt.Sprintf("token-of-generation-%d", n),
		CanExpire:       true,
		Expires:         exp,
	}}
}

// source is a fake Source that counts its calls.
type source struct {
	mu    sync.Mutex
	calls int
	next  func(call int) (creds.Result, error)
}

func (s *source) get(context.Context) (creds.Result, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	return s.next(n)
}

func (s *source) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// fixed always gives res.
func fixed(res creds.Result) *source {
	return &source{next: func(int) (creds.Result, error) { return res, nil }}
}

const (
	testAddr = "127.0.0.1:41999"
	goodHost = "127.0.0.1:41999"
)

// do sends one request to h and returns the response.
func do(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	r.Host = goodHost
	for k, v := range header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noSecret fails when s contains any part of res.
func noSecret(t *testing.T, what, s string, res creds.Result) {
	t.Helper()
	for _, v := range []string{res.AccessKeyID, res.SecretAccessKey, res.SessionToken} {
		if v != "" && strings.Contains(s, v) {
			t.Errorf("%s contains %q: %s", what, v, s)
		}
	}
}

func TestLoopbackPort(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:80", "[::1]:80", "localhost:80", "127.0.0.1:0", "127.0.0.1", "10.0.0.1:80"} {
		if _, err := NewECS(addr, fixed(gen(1, t0.Add(time.Hour))).get); err == nil {
			t.Errorf("NewECS(%q) accepted", addr)
		}
		if _, err := NewIMDS(addr, "p", fixed(gen(1, t0.Add(time.Hour))).get); err == nil {
			t.Errorf("NewIMDS(%q) accepted", addr)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"127.0.0.1:41999":     true,
		"localhost:41999":     true,
		"LocalHost:41999":     true,
		"127.0.0.1":           false,
		"localhost":           false,
		"127.0.0.1:80":        false,
		"127.0.0.2:41999":     false,
		"[::1]:41999":         false,
		"evil.example:41999":  false,
		"localhost.:41999":    false,
		"169.254.169.254":     false,
		"":                    false,
		"127.0.0.1:41999:1":   false,
		"user@127.0.0.1:4199": false,
	} {
		if got := hostAllowed(host, "41999"); got != want {
			t.Errorf("hostAllowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestRoleName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"dev":                   "dev",
		"Acct/Admin Role":       "Acct-Admin-Role",
		"a+b=c,d.e@f_g-h":       "a+b=c,d.e@f_g-h",
		"":                      "sesame",
		"héllo":                 "h-llo",
		strings.Repeat("x", 70): strings.Repeat("x", 64),
	} {
		if got := RoleName(in); got != want {
			t.Errorf("RoleName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServe runs a real server: it listens on 127.0.0.1 only, answers a
// real client and stops when its context ends.
func TestServe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ln, err := Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) || addr.Port == 0 {
		t.Fatalf("listening on %v", addr)
	}
	res := gen(1, time.Now().Add(time.Hour))
	e, err := NewECS(ln.Addr().String(), fixed(res).get)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.URL(), "http://"+ln.Addr().String()+"/creds/") || len(e.Token()) != 64 {
		t.Errorf("URL %q token %q", e.URL(), e.Token())
	}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, e) }()

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.URL(), nil)
	req.Header.Set("Authorization", e.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 || doc["SecretAccessKey"] != res.SecretAccessKey {
		t.Fatalf("status %d, %v, %v", resp.StatusCode, doc, err)
	}
	resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("still accepting connections after the context ended")
	}
}

// TestRefresh: the source first gives credentials that expire in 16
// minutes, then new ones; with a fake clock, a client that behaves as
// botocore does (asking again when its copy has 15 minutes left) keeps
// getting unexpired credentials over two hours, and the server fetched the
// new ones before the old ones expired. This is the proof that a
// long-running child works across a refresh (moto cannot make credentials
// last less than 15 minutes, so the end-to-end scripts cannot show it).
func TestRefresh(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"ecs", "imds"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			src := &source{next: func(n int) (creds.Result, error) {
				if n == 1 {
					return gen(n, clk.Now().Add(16*time.Minute)), nil
				}
				return gen(n, clk.Now().Add(time.Hour)), nil
			}}
			fetch := client(t, kind, src, clk)

			// The first request fetches; the next ones, a minute apart,
			// are served from memory while more than 15 minutes remain.
			got := fetch()
			if got.AccessKeyID != gen(1, time.Time{}).AccessKeyID || src.Calls() != 1 {
				t.Fatalf("first answer %s after %d calls", got.AccessKeyID, src.Calls())
			}
			clk.Advance(30 * time.Second)
			if got := fetch(); got.AccessKeyID != gen(1, time.Time{}).AccessKeyID || src.Calls() != 1 {
				t.Fatalf("30s later: %s after %d calls, want generation 1 from memory", got.AccessKeyID, src.Calls())
			}
			// 15 minutes left: the server fetches again, before expiry.
			clk.Advance(30 * time.Second)
			got = fetch()
			if got.AccessKeyID != gen(2, time.Time{}).AccessKeyID || src.Calls() != 2 {
				t.Fatalf("with 15 minutes left: %s after %d calls, want generation 2", got.AccessKeyID, src.Calls())
			}
			if !got.Expires.Equal(clk.Now().Add(time.Hour)) {
				t.Errorf("generation 2 expires %v", got.Expires)
			}

			// A long-running client over two hours, asking every minute as
			// botocore does: when its copy has 15 minutes or less left.
			held := got
			for range 120 {
				clk.Advance(time.Minute)
				now := clk.Now()
				if !held.Expires.After(now) {
					t.Fatalf("at %v the client holds expired credentials (%v)", now, held.Expires)
				}
				if held.Expires.Sub(now) <= creds.MinRemaining {
					held = fetch()
					if held.Expires.Sub(now) <= creds.MinRemaining {
						t.Fatalf("at %v the server answered credentials expiring %v", now, held.Expires)
					}
				}
			}
			if c := src.Calls(); c < 4 || c > 5 {
				t.Errorf("%d source calls over two hours of one-hour credentials, want 4 or 5", c)
			}
		})
	}
}

// client returns a function that fetches credentials from a kind server
// ("ecs" or "imds") over src, the way an SDK does, and parses them.
func client(t *testing.T, kind string, src *source, clk *clock) func() creds.Result {
	t.Helper()
	var h http.Handler
	var get func() *http.Response
	switch kind {
	case "ecs":
		e, err := NewECS(testAddr, src.get, WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		h = e
		get = func() *http.Response {
			return do(t, h, http.MethodGet, e.URL(), map[string]string{"Authorization": e.Token()})
		}
	case "imds":
		m, err := NewIMDS(testAddr, "dev", src.get, WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		h = m
		get = func() *http.Response {
			tok := body(t, do(t, h, http.MethodPut, imdsTokenPath, map[string]string{imdsTTLHeader: "60"}))
			role := body(t, do(t, h, http.MethodGet, imdsCredsPath, map[string]string{imdsTokenHeader: tok}))
			return do(t, h, http.MethodGet, imdsCredsPath+role, map[string]string{imdsTokenHeader: tok})
		}
	}
	return func() creds.Result {
		t.Helper()
		resp := get()
		b := body(t, resp)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		var doc struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string `json:"SecretAccessKey"`
			Token           string `json:"Token"`
			Expiration      string `json:"Expiration"`
		}
		if err := json.Unmarshal([]byte(b), &doc); err != nil {
			t.Fatal(err)
		}
		exp, err := time.Parse(timeFormat, doc.Expiration)
		if err != nil {
			t.Fatalf("Expiration %q: %v", doc.Expiration, err)
		}
		return creds.Result{Credentials: aws.Credentials{AccessKeyID: doc.AccessKeyID, SecretAccessKey: doc.SecretAccessKey,
			SessionToken: doc.Token, CanExpire: true, Expires: exp}}
	}
}

func TestInitialCredentials(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := fixed(gen(2, t0.Add(time.Hour)))
	fetch := func() func() creds.Result {
		e, _ := NewECS(testAddr, src.get, WithClock(clk.Now), WithCredentials(gen(1, t0.Add(time.Hour))))
		return func() creds.Result {
			resp := do(t, e, http.MethodGet, e.URL(), map[string]string{"Authorization": e.Token()})
			var doc struct {
				AccessKeyID string `json:"AccessKeyId"`
			}
			_ = json.Unmarshal([]byte(body(t, resp)), &doc)
			return creds.Result{Credentials: aws.Credentials{AccessKeyID: doc.AccessKeyID}}
		}
	}()
	if got := fetch(); got.AccessKeyID != gen(1, t0).AccessKeyID || src.Calls() != 0 {
		t.Errorf("got %s after %d calls; want the initial credentials, no call", got.AccessKeyID, src.Calls())
	}
	clk.Advance(46 * time.Minute)
	if got := fetch(); got.AccessKeyID != gen(2, t0).AccessKeyID || src.Calls() != 1 {
		t.Errorf("got %s after %d calls; want generation 2 after one call", got.AccessKeyID, src.Calls())
	}
}

// TestSourceErrors: a failing source gives 500 with a message that names
// neither a secret nor the reason; the reason is logged once; still-valid
// credentials are served meanwhile.
func TestSourceErrors(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"ecs", "imds"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			failing := errors.New("secret-of-generation-1 must not be sent: keyring locked")
			var fail atomic.Bool
			src := &source{next: func(n int) (creds.Result, error) {
				if fail.Load() {
					return creds.Result{}, failing
				}
				return gen(n, clk.Now().Add(20*time.Minute)), nil
			}}
			var mu sync.Mutex
			var logged []error
			logf := WithErrorLog(func(err error) { mu.Lock(); logged = append(logged, err); mu.Unlock() })
			var h http.Handler
			var get func() *http.Response
			if kind == "ecs" {
				e, _ := NewECS(testAddr, src.get, WithClock(clk.Now), logf)
				h, get = e, func() *http.Response {
					return do(t, h, http.MethodGet, e.URL(), map[string]string{"Authorization": e.Token()})
				}
			} else {
				m, _ := NewIMDS(testAddr, "dev", src.get, WithClock(clk.Now), logf)
				tok := m.newToken(t0.Add(24 * time.Hour))
				h, get = m, func() *http.Response {
					return do(t, h, http.MethodGet, imdsCredsPath+"dev", map[string]string{imdsTokenHeader: tok})
				}
			}

			if resp := get(); resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			// 10 minutes left, the source fails: the old credentials are
			// still served, and the failure logged once.
			fail.Store(true)
			clk.Advance(10 * time.Minute)
			for range 3 {
				resp := get()
				b := body(t, resp)
				if resp.StatusCode != 200 || !strings.Contains(b, gen(1, t0).AccessKeyID) {
					t.Fatalf("with still-valid credentials: %d %s", resp.StatusCode, b)
				}
			}
			// Expired: 500, with a JSON message that says nothing secret.
			clk.Advance(10 * time.Minute)
			for range 3 {
				resp := get()
				b := body(t, resp)
				var doc map[string]string
				if resp.StatusCode != 500 || json.Unmarshal([]byte(b), &doc) != nil || resp.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("after expiry: %d %s", resp.StatusCode, b)
				}
				if !strings.Contains(b, "sesame could not get credentials") || strings.Contains(b, "keyring") {
					t.Errorf("error body %s", b)
				}
				noSecret(t, "error body", b, gen(1, t0))
			}
			mu.Lock()
			if len(logged) != 1 || logged[0] != failing {
				t.Errorf("logged %v, want the error once", logged)
			}
			mu.Unlock()
			// It works again, and a new failure is logged again.
			fail.Store(false)
			if resp := get(); resp.StatusCode != 200 {
				t.Fatalf("status %d after recovery", resp.StatusCode)
			}
			fail.Store(true)
			clk.Advance(time.Hour)
			get()
			mu.Lock()
			if len(logged) != 2 {
				t.Errorf("logged %d errors, want 2", len(logged))
			}
			mu.Unlock()
		})
	}
}

func TestBadSourceResults(t *testing.T) {
	t.Parallel()
	clk := newClock()
	for name, res := range map[string]creds.Result{
		"empty":   {},
		"expired": gen(1, t0.Add(-time.Second)),
		"no key":  {Credentials: aws.Credentials{SecretAccessKey: "s"}},
	} {
		var logged error
		e, _ := NewECS(testAddr, fixed(res).get, WithClock(clk.Now), WithErrorLog(func(err error) { logged = err }))
		resp := do(t, e, http.MethodGet, e.URL(), map[string]string{"Authorization": e.Token()})
		if resp.StatusCode != 500 || logged == nil {
			t.Errorf("%s: status %d, logged %v", name, resp.StatusCode, logged)
		}
	}
}

// TestLongTermKeys: keys that never expire are sent with an Expiration an
// hour ahead and an empty Token, and never fetched again.
func TestLongTermKeys(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := fixed(creds.Result{Credentials: aws.Credentials{AccessKeyID: "AKIALONGTERM", SecretAccessKey: "long-secret"}})
	e, _ := NewECS(testAddr, src.get, WithClock(clk.Now))
	for range 3 {
		resp := do(t, e, http.MethodGet, e.URL(), map[string]string{"Authorization": e.Token()})
		var doc map[string]string
		if err := json.Unmarshal([]byte(body(t, resp)), &doc); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"AccessKeyId": "AKIALONGTERM", "SecretAccessKey": "long-secret", "Token": "", "RoleArn": "",
			"Expiration": clk.Now().Add(time.Hour).Format(timeFormat)}
		if fmt.Sprint(doc) != fmt.Sprint(want) {
			t.Errorf("document %v, want %v", doc, want)
		}
		clk.Advance(3 * time.Hour)
	}
	if src.Calls() != 1 {
		t.Errorf("%d calls, want 1", src.Calls())
	}
}

// waitCounter counts the calls of Done: a request waiting for the running
// fetch selects on its context's Done.
type waitCounter struct {
	context.Context
	n *atomic.Int32
}

func (c waitCounter) Done() <-chan struct{} {
	c.n.Add(1)
	return c.Context.Done()
}

// TestOneFetchAtATime: parallel clients make one source call; a client
// that gives up does not abort the fetch, whose result the next client
// gets without another call.
func TestOneFetchAtATime(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	src := &source{next: func(n int) (creds.Result, error) {
		started <- struct{}{}
		<-release
		return gen(n, time.Now().Add(time.Hour)), nil
	}}
	e, _ := NewECS(testAddr, src.get)

	// A client that gives up while the fetch runs.
	ctx, cancel := context.WithCancel(t.Context())
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, e.URL(), nil)
	r.Host = goodHost
	r.Header.Set("Authorization", e.Token())
	w := httptest.NewRecorder()
	gaveUp := make(chan struct{})
	go func() { e.ServeHTTP(w, r); close(gaveUp) }()
	<-started
	cancel()
	<-gaveUp
	if w.Code == 200 {
		t.Fatal("the client that gave up got credentials")
	}

	// The fetch is released only once all 20 callers wait on it, so that
	// one source call for them proves they were coalesced.
	var waiting atomic.Int32
	wctx := waitCounter{Context: t.Context(), n: &waiting}
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for range 20 {
		wg.Go(func() {
			r := httptest.NewRequestWithContext(wctx, http.MethodGet, e.URL(), nil)
			r.Host = goodHost
			r.Header.Set("Authorization", e.Token())
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			codes <- w.Code
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for waiting.Load() < 20 {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("only %d of 20 callers wait on the running fetch", waiting.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("status %d", c)
		}
	}
	if src.Calls() != 1 {
		t.Errorf("%d source calls, want 1", src.Calls())
	}
}
