//go:build linux

package main_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesignin"
	"github.com/sesamehq/sesame/internal/testenv"
)

// signinEnv is a sandbox, moto and the fake AWS Sign-In, and the
// environment that points sesame at them.
type signinEnv struct {
	home *testenv.Home
	fake *fakesignin.Server
	url  string
	env  []string
}

func newSigninEnv(t *testing.T) *signinEnv {
	t.Helper()
	m := testenv.Moto(t)
	fake := fakesignin.New(fakesignin.Config{MotoURL: m.URL})
	u := fake.Start(t)
	home := testenv.Sandbox(t)
	home.WriteConfig("[profile dev]\nregion = us-east-1\n")
	env := append(home.Env(), "AWS_ENDPOINT_URL_SIGNIN="+u, "SESAME_BACKEND=file", "SESAME_FILE_PASSPHRASE=x", "SESAME_FILE_UNLOCK_TTL=0")
	env = append(env, m.Env()...)
	return &signinEnv{home: home, fake: fake, url: u, env: env}
}

// checkSignedIn checks that the profile has login_session and that its
// credentials are moto's for the session's principal.
func (e *signinEnv) checkSignedIn(t *testing.T) {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(e.home.Dir, ".aws", "config"))
	if err != nil || !strings.Contains(string(cfg), "login_session = "+e.fake.SessionARN()) {
		t.Fatalf("the config has no login_session (%v):\n%s", err, cfg)
	}
	out, errOut, code := testenv.Run(t, e.env, "", "export", "--format", "json", "dev")
	if code != 0 {
		t.Fatalf("sesame export --format json dev exited with %d; stderr:\n%s", code, errOut)
	}
	var creds struct{ AccessKeyId string }
	if err := json.Unmarshal([]byte(out), &creds); err != nil || !strings.HasPrefix(creds.AccessKeyId, "ASIA") {
		t.Fatalf("sesame export printed no temporary AccessKeyId (%v):\n%s", err, out)
	}
	if n := e.fake.Count(fakesignin.OpCreateOAuth2Token, fakesignin.GrantAuthorizationCode); n != 1 {
		t.Errorf("the fake exchanged %d codes, want 1", n)
	}
}

// TestSigninInChromium signs in to the (fake) AWS Sign-In as a person does:
// sesame signin gives the browser (headless Chromium, driven with chromedp)
// a one-time 127.0.0.1 link, the browser lands on the sign-in page, the
// person clicks Approve, and the page redirects to sesame's loopback
// listener, which answers "Signed in".
func TestSigninInChromium(t *testing.T) {
	t.Parallel()
	chromium := testenv.NeedCommand(t, "/usr/bin/chromium", "apt-get install -y chromium")
	testenv.Sesame(t)
	e := newSigninEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)

	scratch := t.TempDir()
	urlFile := filepath.Join(scratch, "url")
	browserScript := filepath.Join(scratch, "browser.sh")
	testenv.WriteExecutable(t, browserScript, []byte("#!/bin/sh\nprintf '%s' \"$1\" >\"$URL_FILE.tmp\" && mv \"$URL_FILE.tmp\" \"$URL_FILE\"\n"))
	env := append(append([]string(nil), e.env...), "BROWSER="+browserScript, "URL_FILE="+urlFile)

	signin := startProcess(t, ctx, env, testenv.Sesame(t), "signin", "dev")
	onceURL := waitForFile(t, ctx, urlFile, signin)
	if !strings.HasPrefix(onceURL, "http://127.0.0.1:") || strings.Contains(onceURL, "?") {
		t.Fatalf("sesame opened %q, want a one-time link on 127.0.0.1", onceURL)
	}
	bctx := startChromium(t, ctx, chromium)
	if err := chromedp.Do(bctx, chromedp.Navigate(onceURL), chromedp.WaitVisible(chromedp.CSS("#approve"))); err != nil {
		t.Fatalf("chromium: open the sign-in page: %v", err)
	}
	if location, err := chromedp.Run(bctx, chromedp.Location()); err != nil || !strings.HasPrefix(location, e.url+"/v1/authorize?") {
		t.Fatalf("chromium followed the one-time link to %q (%v), want the fake's /v1/authorize URL", location, err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#approve"))); err != nil {
		t.Fatalf("chromium: click Approve: %v", err)
	}
	text, location := waitForPageText(t, bctx, "Signed in")
	if !strings.HasPrefix(location, "http://127.0.0.1:") || !strings.Contains(location, "/oauth/callback?") {
		t.Errorf("the page saying %q is at %q, want sesame's loopback callback", text, location)
	}
	if err := chromedp.Cancel(bctx); err != nil {
		t.Logf("chromium: close: %v", err)
	}
	code, _, stderr := signin.wait(t, 30*time.Second)
	if code != 0 || !strings.Contains(stderr, "signed in to profile dev as "+e.fake.SessionARN()) {
		t.Fatalf("sesame signin exited with %d; stderr:\n%s", code, stderr)
	}
	e.checkSignedIn(t)
}

// approveElsewhere is the person on another device: open the URL sesame
// printed, click Approve, and read the code the confirmation page shows.
func approveElsewhere(t *testing.T, link, base string) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}
	get := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", resp.Request.URL, resp.StatusCode, b)
		}
		return string(b)
	}
	page := get(c.Get(link))
	req := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(page)
	if req == nil {
		t.Fatalf("no sign-in form in %s", page)
	}
	page = get(c.PostForm(base+"/v1/authorize", url.Values{"request": {req[1]}, "action": {"approve"}}))
	code := regexp.MustCompile(`id="verification-code">([^<]+)<`).FindStringSubmatch(page)
	if code == nil {
		t.Fatalf("no code on the confirmation page: %s", page)
	}
	return code[1]
}

// TestSigninRemoteInTerminal signs in with --remote on a real terminal
// (tmux): sesame prints the URL, the person approves on "another device"
// and pastes the code the page shows. A pasted code that does not decode
// is refused with a clear error and nothing is written.
func TestSigninRemoteInTerminal(t *testing.T) {
	t.Parallel()
	bin := testenv.Sesame(t)
	e := newSigninEnv(t)
	env := append([]string(nil), e.env...)
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + v
		}
	}
	script := filepath.Join(e.home.Dir, "run.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsesame signin dev --remote; echo \"END-1 $?\"\nsesame signin dev --remote; echo \"END-2 $?\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tm := testenv.StartTerminal(t, env, e.home.Dir, 200, 60, script)
	linkRe := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/v1/authorize\?\S+`)

	// A paste that is not the page's code.
	tm.WaitForText("Code: ")
	tm.TypeLine("this is not the code")
	screen := tm.WaitForText("END-1 ")
	if !strings.Contains(screen, "the pasted code is not the one the sign-in page shows") || !strings.Contains(screen, "END-1 1") {
		t.Fatalf("a bad code was not refused clearly:\n%s", screen)
	}
	if cfg, _ := os.ReadFile(filepath.Join(e.home.Dir, ".aws", "config")); strings.Contains(string(cfg), "login_session") {
		t.Fatalf("a refused sign-in wrote the config:\n%s", cfg)
	}

	// The real sign-in.
	screen = tm.WaitFor(`(?s)END-1 1.*Code: `)
	links := linkRe.FindAllString(screen, -1)
	if len(links) != 2 || !strings.Contains(links[1], url.QueryEscape("arn:aws:signin:::devtools/cross-device")) {
		t.Fatalf("no cross-device URL for the second sign-in on the screen:\n%s", screen)
	}
	tm.TypeLine(approveElsewhere(t, links[1], e.url))
	screen = tm.WaitForText("END-2 ")
	if !strings.Contains(screen, "END-2 0") || !strings.Contains(screen, "signed in to profile dev as "+e.fake.SessionARN()) {
		t.Fatalf("the remote sign-in failed:\n%s", screen)
	}
	e.checkSignedIn(t)
}

// TestSigninOnTheSpotInTerminal: on a terminal, a login_session profile
// with no session signs in on the spot (here the cross-device flow: no
// display), and the command goes on with the new credentials.
func TestSigninOnTheSpotInTerminal(t *testing.T) {
	t.Parallel()
	bin := testenv.Sesame(t)
	e := newSigninEnv(t)
	e.home.WriteConfig("[profile dev]\nregion = us-east-1\nlogin_session = " + e.fake.SessionARN() + "\n")
	env := append([]string(nil), e.env...)
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + v
		}
	}
	script := filepath.Join(e.home.Dir, "run.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsesame export --format json dev | cat; echo \"EXPORT-DONE $?\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tm := testenv.StartTerminal(t, env, e.home.Dir, 200, 60, script)
	screen := tm.WaitForText("Code: ")
	link := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/v1/authorize\?\S+`).FindString(screen)
	if link == "" {
		t.Fatalf("no sign-in URL on the screen:\n%s", screen)
	}
	tm.TypeLine(approveElsewhere(t, link, e.url))
	// The marker has a '-', which no base64 code (echoed on the screen) holds.
	screen = tm.WaitForText("EXPORT-DONE ")
	if !strings.Contains(screen, "EXPORT-DONE 0") || !strings.Contains(screen, `"AccessKeyId": "ASIA`) {
		t.Fatalf("export did not go on after signing in:\n%s", screen)
	}
	e.checkSignedIn(t)
}
