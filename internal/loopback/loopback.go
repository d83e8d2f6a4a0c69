// Package loopback holds the one-shot HTTP listeners of the sign-in flows,
// each on 127.0.0.1 only:
//
//   - [Redirect], a one-time URL that redirects once to a secret URL, so
//     that a browser is started with http://127.0.0.1:PORT/RANDOM on its
//     command line instead of the secret (any local user can read a
//     process's command line in /proc).
//   - [Callback], the redirect_uri of an OAuth authorization code flow,
//     which ignores any request that does not carry the flow's state and
//     keeps waiting for the right one.
//
// On Linux, both answer only connections from sesame's own uid or root
// (internal/peeruid); others get 403 and change nothing.
package loopback

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/sesamehq/sesame/internal/peeruid"
)

// readHeaderTimeout bounds how long a connection may take to send its
// request headers.
const readHeaderTimeout = 10 * time.Second

// Token returns n random bytes in URL-safe base64 (no padding).
func Token(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// listen opens a listener on a free port of 127.0.0.1.
func listen(what string) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1 for %s: %w", what, err)
	}
	return ln, nil
}

// serve serves h on ln until the returned stop is called. Connections
// from another uid are refused with 403 before their request is read
// (where the OS tells; see internal/peeruid).
func serve(ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{
		ReadHeaderTimeout: readHeaderTimeout,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			secureHeaders(w)
			h.ServeHTTP(w, r)
		}),
	}
	go func() { _ = srv.Serve(peeruid.OwnerOnly(ln)) }()
	return func() {
		// Let a response being written finish, briefly.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}
}

// secureHeaders keeps answers out of caches and their URLs out of Referer
// headers.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// ErrTimeout is returned by the Wait methods when nothing arrived in time.
var ErrTimeout = errors.New("timed out")

// waitCtx is ctx bounded by timeout (none when timeout <= 0).
func waitCtx(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, timeout, ErrTimeout)
}
