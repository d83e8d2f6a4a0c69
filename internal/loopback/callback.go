package loopback

import (
	"context"
	"crypto/subtle"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
)

// Callback is the redirect_uri of an OAuth 2.0 authorization code flow:
// http://127.0.0.1:PORT/PATH. Only a GET of PATH whose state parameter is
// the flow's counts: it carries the code, or an error. Any other request
// (a wrong or missing state, another path) is answered with an error page
// and ignored, and the callback keeps waiting for the right one until the
// context of [Callback.Wait] ends.
type Callback struct {
	url     string
	results chan callbackResult
	stop    func()
	once    sync.Once
}

type callbackResult struct {
	code string
	err  error
}

// RefusedError is the error parameter of a callback that carried the
// right state: the person (or the server) refused the sign-in.
type RefusedError struct {
	// Code is the OAuth error code, e.g. access_denied.
	Code string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the sign-in was refused: %s", e.Code)
}

// NewCallback starts listening on a free port of 127.0.0.1 for a GET of
// path carrying state.
func NewCallback(path, state string) (*Callback, error) {
	if !strings.HasPrefix(path, "/") || state == "" {
		return nil, fmt.Errorf("loopback: bad callback path %q or empty state", path)
	}
	ln, err := listen("the sign-in callback")
	if err != nil {
		return nil, err
	}
	c := &Callback{url: "http://" + ln.Addr().String() + path, results: make(chan callbackResult, 1)}
	var mu sync.Mutex
	done := false
	c.stop = serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if r.Method != http.MethodGet || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, "This sign-in answer is not for the sesame waiting here (its state is wrong or missing), so it was ignored. Finish signing in on the page sesame opened.")
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if done {
			page(w, http.StatusConflict, "This sign-in has finished already. You can close this tab.")
			return
		}
		done = true
		var res callbackResult
		switch {
		case q.Get("error") != "":
			res.err = &RefusedError{Code: printable(q.Get("error"))}
		case q.Get("code") == "":
			res.err = fmt.Errorf("the sign-in answer carried no code")
		default:
			res.code = q.Get("code")
		}
		if res.err != nil {
			page(w, http.StatusBadRequest, "Sign-in failed: "+res.err.Error()+". You can close this tab.")
		} else {
			page(w, http.StatusOK, "Signed in. You can close this tab and return to the terminal.")
		}
		c.results <- res
	}))
	return c, nil
}

// URL is the redirect_uri.
func (c *Callback) URL() string { return c.url }

// Wait returns the code of the request that carried the state (or the
// error it carried, as a *RefusedError), or ctx's error when ctx ends
// first. Wait returns once; Close the callback afterwards.
func (c *Callback) Wait(ctx context.Context) (string, error) {
	select {
	case res := <-c.results:
		return res.code, res.err
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// Close stops listening. It may be called more than once.
func (c *Callback) Close() { c.once.Do(c.stop) }

// page writes a small HTML page.
func page(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><meta charset=\"utf-8\"><title>sesame</title><p>%s</p>\n", html.EscapeString(text))
}

// printable keeps an OAuth error code short and free of control
// characters (it comes from the URL).
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
