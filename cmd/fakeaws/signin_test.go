package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSigninCommandServes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"signin", "--auto-approve", "--token-ttl", "30s"}, w, io.Discard)
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fakeaws signin: %v", err)
		}
	})
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	name, u, _ := strings.Cut(strings.TrimSpace(line), " ")
	if name != "signin" || !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("ready line %q", line)
	}
	// --auto-approve: the authorize page redirects at once with a code.
	q := url.Values{"response_type": {"code"}, "client_id": {"arn:aws:signin:::devtools/same-device"}, "state": {"s"},
		"code_challenge_method": {"SHA-256"}, "scope": {"openid"}, "redirect_uri": {"http://127.0.0.1:5/oauth/callback"}, "code_challenge": {"c"}}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u + "/v1/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc.Query().Get("code") == "" || loc.Query().Get("state") != "s" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
}

func TestSigninFlags(t *testing.T) {
	for _, args := range [][]string{{"--account", "12"}, {"--token-ttl", "20m"}, {"extra"}} {
		if _, _, err := signinConfig(args, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
