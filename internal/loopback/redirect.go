package loopback

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by [Redirect.Wait] after Close when the redirect
// was not used.
var ErrClosed = errors.New("closed before the browser came")

// Redirect is a one-time URL on 127.0.0.1 with a random, unguessable path
// (256 bits). The first GET of that path is answered with a 303 to the
// target, and then the listener closes; a request for any other path gets
// 404 and changes nothing. It also closes when its context ends, after its
// timeout, or at Close. Its answers carry Cache-Control: no-store and
// Referrer-Policy: no-referrer.
//
// Hand its URL to a browser instead of a URL that holds a secret: the
// secret then never appears on a command line, and the URL that does is
// worth nothing once the browser has used it.
type Redirect struct {
	url     string
	served  chan struct{}
	stopped chan struct{}
	closeCh chan struct{}
	used    atomic.Bool
	closed  atomic.Bool
	err     error // why it stopped unused; set before stopped is closed
}

// NewRedirect starts serving a one-time redirect to target, for at most
// timeout (0: until ctx ends or Close).
func NewRedirect(ctx context.Context, target string, timeout time.Duration) (*Redirect, error) {
	ln, err := listen("the browser")
	if err != nil {
		return nil, err
	}
	path := "/" + Token(32)
	r := &Redirect{
		url:     "http://" + ln.Addr().String() + path,
		served:  make(chan struct{}),
		stopped: make(chan struct{}),
		closeCh: make(chan struct{}),
	}
	stop := serve(ln, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case req.URL.Path != path:
			http.NotFound(w, req)
			return
		case req.Method != http.MethodGet:
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		case !r.used.CompareAndSwap(false, true):
			http.Error(w, "this sign-in link has been used already", http.StatusGone)
			return
		}
		w.Header().Set("Location", target)
		w.Header().Set("Content-Length", strconv.Itoa(0))
		w.WriteHeader(http.StatusSeeOther)
		close(r.served)
	}))
	wctx, cancel := waitCtx(ctx, timeout)
	go func() {
		defer cancel()
		select {
		case <-r.served:
		case <-r.closeCh:
			r.err = ErrClosed
		case <-wctx.Done():
			r.err = context.Cause(wctx)
		}
		stop()
		close(r.stopped)
	}()
	return r, nil
}

// URL is the one-time URL to hand to the browser.
func (r *Redirect) URL() string { return r.url }

// Wait waits until the redirect has been served (nil), or it stopped
// unused: [ErrTimeout] after its timeout, [ErrClosed] after Close, or its
// context's error. ctx bounds the wait only.
func (r *Redirect) Wait(ctx context.Context) error {
	select {
	case <-r.served:
		return nil
	case <-r.stopped:
		select {
		case <-r.served:
			return nil
		default:
			return r.err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Used reports whether the redirect has been served.
func (r *Redirect) Used() bool {
	select {
	case <-r.served:
		return true
	default:
		return false
	}
}

// Close stops serving (if it still is) and waits for the listener to be
// closed. It may be called more than once.
func (r *Redirect) Close() {
	if r.closed.CompareAndSwap(false, true) {
		close(r.closeCh)
	}
	<-r.stopped
}
