package loopback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// noFollow is a client that reports redirects instead of following them.
var noFollow = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noFollow.Get(u)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const target = "https://signin.example.com/federation?Action=login&SigninToken=secret-token"

func TestRedirectServesOnce(t *testing.T) {
	t.Parallel()
	r, err := NewRedirect(t.Context(), target, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	u, err := url.Parse(r.URL())
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || len(u.Path) < 40 || u.RawQuery != "" {
		t.Fatalf("URL %q: want http://127.0.0.1:PORT/ and a long random path", r.URL())
	}
	if strings.Contains(r.URL(), "secret") {
		t.Fatalf("URL %q holds the target", r.URL())
	}
	// Wrong paths and methods do not use it up.
	for _, bad := range []string{"/", u.Path[:len(u.Path)-1], u.Path + "x", "/favicon.ico"} {
		if resp, _ := get(t, "http://"+u.Host+bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", bad, resp.Status)
		}
	}
	if resp, err := noFollow.Post(r.URL(), "text/plain", nil); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %v %v, want 405", resp, err)
	}
	if r.Used() {
		t.Fatal("used by wrong requests")
	}
	resp, body := get(t, r.URL())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != target || body != "" {
		t.Errorf("GET: %s Location %q body %q", resp.Status, resp.Header.Get("Location"), body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v", resp.Header)
	}
	if err := r.Wait(t.Context()); err != nil {
		t.Errorf("Wait = %v", err)
	}
	// Closed after one use: a second GET reaches nothing.
	r.Close()
	if resp, err := noFollow.Get(r.URL()); err == nil {
		resp.Body.Close()
		t.Errorf("second GET: %s, want no listener", resp.Status)
	}
}

func TestRedirectStops(t *testing.T) {
	t.Parallel()
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		r, err := NewRedirect(t.Context(), target, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Wait(t.Context()); !errors.Is(err, ErrTimeout) {
			t.Errorf("Wait = %v, want ErrTimeout", err)
		}
		if resp, err := noFollow.Get(r.URL()); err == nil {
			resp.Body.Close()
			t.Errorf("GET after the timeout: %s", resp.Status)
		}
	})
	t.Run("context", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		r, err := NewRedirect(ctx, target, 0)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := r.Wait(t.Context()); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait = %v, want context.Canceled", err)
		}
	})
	t.Run("close", func(t *testing.T) {
		t.Parallel()
		r, err := NewRedirect(t.Context(), target, 0)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		r.Close()
		if err := r.Wait(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("Wait = %v, want ErrClosed", err)
		}
		if resp, err := noFollow.Get(r.URL()); err == nil {
			resp.Body.Close()
			t.Errorf("GET after Close: %s", resp.Status)
		}
	})
}

func TestRedirectURLsDiffer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 20 {
		r, err := NewRedirect(t.Context(), target, 0)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(r.URL())
		if seen[u.Path] {
			t.Fatalf("path %s twice", u.Path)
		}
		seen[u.Path] = true
		r.Close()
	}
}

func TestCallbackIgnoresWrongState(t *testing.T) {
	t.Parallel()
	c, err := NewCallback("/oauth/callback", "the-state")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.HasPrefix(c.URL(), "http://127.0.0.1:") || !strings.HasSuffix(c.URL(), "/oauth/callback") {
		t.Fatalf("URL %s", c.URL())
	}
	for _, bad := range []string{
		"?code=evil&state=forged",
		"?code=evil",
		"?code=evil&state=",
		"?error=access_denied&state=forged",
		"?code=evil&state=the-state-and-more",
	} {
		resp, body := get(t, c.URL()+bad)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "ignored") {
			t.Errorf("GET %s: %s %s", bad, resp.Status, body)
		}
	}
	if resp, _ := get(t, strings.TrimSuffix(c.URL(), "/oauth/callback")+"/other?code=evil&state=the-state"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("other path: %s", resp.Status)
	}
	// Still waiting.
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if code, err := c.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after wrong requests Wait = %q, %v; want it still waiting", code, err)
	}
	// The right one.
	resp, body := get(t, c.URL()+"?code=good&state=the-state")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Signed in") {
		t.Errorf("right request: %s %s", resp.Status, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v", resp.Header)
	}
	if code, err := c.Wait(t.Context()); err != nil || code != "good" {
		t.Errorf("Wait = %q, %v", code, err)
	}
	// A replay is answered, and changes nothing.
	if resp, _ := get(t, c.URL()+"?code=again&state=the-state"); resp.StatusCode != http.StatusConflict {
		t.Errorf("replay: %s", resp.Status)
	}
}

func TestCallbackRefused(t *testing.T) {
	t.Parallel()
	c, err := NewCallback("/cb", "s")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		if resp, err := http.Get(c.URL() + "?error=access_denied%0A%1b[31m&state=s"); err == nil {
			resp.Body.Close()
		}
	}()
	_, err = c.Wait(t.Context())
	var re *RefusedError
	if !errors.As(err, &re) || re.Code != "access_denied[31m" {
		t.Errorf("Wait error = %v", err)
	}
}

func TestCallbackTimeout(t *testing.T) {
	t.Parallel()
	c, err := NewCallback("/cb", "s")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v", err)
	}
	c.Close()
	c.Close()
	if resp, err := http.Get(c.URL() + "?code=x&state=s"); err == nil {
		resp.Body.Close()
		t.Errorf("GET after Close: %s", resp.Status)
	}
}
