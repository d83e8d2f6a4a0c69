// Package server serves a profile's credentials to programs on this
// machine the way the AWS SDKs fetch them inside a container (ECS) or on an
// EC2 instance (IMDSv2), so that `sesame exec --server` can give a
// long-running program credentials that renew themselves instead of keys in
// its environment.
//
// Two http.Handlers, [ECS] and [IMDS], answer the requests; [Listen] opens
// 127.0.0.1 on a free port (never any other address) and [Serve] serves a
// handler on it until its context ends.
//
// Wire contract (see /work/shared/design/protocols.md):
//
//   - ECS: GET <URL> with the header "Authorization: <Token>" (the raw
//     value) answers {"AccessKeyId","SecretAccessKey","Token","Expiration",
//     "RoleArn"}. The URL's path is random per server; the token is 32
//     random bytes, hex-encoded, compared in constant time.
//   - IMDSv2: PUT /latest/api/token with x-aws-ec2-metadata-token-ttl-seconds
//     (1-21600) answers a session token valid for that long; GET
//     /latest/meta-data/iam/security-credentials/ answers the role name and
//     GET /latest/meta-data/iam/security-credentials/<role> answers
//     {"Code":"Success","LastUpdated","Type":"AWS-HMAC","AccessKeyId",
//     "SecretAccessKey","Token","Expiration"}. Every GET needs a valid
//     x-aws-ec2-metadata-token.
//
// Refusals, in this order: on Linux, a connection from a socket that
// belongs to another user than sesame's (found in /proc/net/tcp{,6}) is
// answered 403 and closed before anything is read from it (elsewhere the
// random token and path and 127.0.0.1 are the protection); a request
// carrying X-Forwarded-For, or whose
// Host header is not 127.0.0.1:PORT or localhost:PORT (DNS rebinding), is
// answered 403; a missing, wrong or expired token 401; an unknown path 404;
// a wrong method 405. No refused request ever gets credentials. When the
// credential source fails and no unexpired credentials are left, the answer
// is 500 with a JSON message that names no secret and no reason; the
// reason goes to the error log (once, not on every retry).
//
// Credentials: each credentials request asks the handler's in-memory copy,
// which is served while more than [creds.MinRemaining] (15 minutes) is
// left; otherwise the [Source] is called again (one call at a time,
// whatever the number of clients) and its result kept. So a client, which
// renews its copy when about 15 minutes remain (botocore) or when it has
// expired, always gets credentials that the source renewed before the old
// ones expired. When the source fails, still-valid credentials are served
// until they expire. Expiration times are sent in whole seconds, UTC
// ("2006-01-02T15:04:05Z", the only form botocore's IMDS client parses).
// Credentials that never expire (an IAM user's keys, --no-session) are
// sent with an Expiration one hour ahead, so that clients ask again.
//
// Handlers are safe for concurrent use.
package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/peeruid"
)

// Source gets the credentials to serve (the cached credential chain). It is
// called only when the handler holds no credentials with more than
// [creds.MinRemaining] left, never twice at once by one handler, and with a
// context that ends when the server stops (not when the client that
// prompted the call gives up, so that a slow refresh still completes).
type Source func(ctx context.Context) (creds.Result, error)

// Option configures a handler.
type Option func(*config)

type config struct {
	now     func() time.Time
	onError func(error)
	initial *creds.Result
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithErrorLog sets where the source's errors are reported (for sesame,
// stderr). A failure is reported once: the same error again is not
// reported until the source has succeeded in between. Errors are reported
// as the source returned them; never in a response.
func WithErrorLog(f func(error)) Option {
	return func(c *config) { c.onError = f }
}

// WithCredentials gives the handler credentials already fetched, served
// while they are fresh: sesame exec gets credentials once before the
// child starts (asking for an MFA code then), and the server starts with
// them.
func WithCredentials(res creds.Result) Option {
	return func(c *config) { c.initial = &res }
}

func newConfig(opts []Option) config {
	c := config{now: time.Now, onError: func(error) {}}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// fetchTimeout bounds one call of the Source: long enough for an MFA
// prompt, short enough that a stuck keyring does not hold every client
// forever.
const fetchTimeout = 5 * time.Minute

// Listen opens a TCP listener on 127.0.0.1 on a free port.
func Listen(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen on 127.0.0.1: %w", err)
	}
	return ln, nil
}

// Serve serves h on ln until ctx ends, then closes ln and every
// connection and returns nil; it returns early only with an error that
// stops the server. The credential fetches started by this package's
// handlers run under ctx. On Linux a connection from a socket of another
// user is answered 403 and closed before its request is read (see
// internal/peeruid).
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithValue(ctx, serveCtxKey{}, ctx) },
		// Malformed requests from other local processes are not sesame's
		// diagnostics.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(peeruid.OwnerOnly(ln)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("credential server stopped: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if srv.Shutdown(shutdown) != nil {
		_ = srv.Close()
	}
	<-errc
	return nil
}

type serveCtxKey struct{}

// fetchContext is the context a credential fetch prompted by r runs under:
// Serve's, else r's without its cancellation (a client that times out must
// not abort a refresh the next one needs).
func fetchContext(r *http.Request) context.Context {
	if ctx, ok := r.Context().Value(serveCtxKey{}).(context.Context); ok {
		return ctx
	}
	return context.WithoutCancel(r.Context())
}

// loopbackPort checks that addr is 127.0.0.1:PORT and returns PORT.
func loopbackPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" || port == "" || port == "0" {
		return "", fmt.Errorf("the credential server must listen on 127.0.0.1 on a port, not %q", addr)
	}
	return port, nil
}

// hostAllowed reports whether the Host header names this server:
// 127.0.0.1:PORT or localhost:PORT. Anything else is a request for another
// name that resolved to 127.0.0.1 (DNS rebinding) or a confused client.
func hostAllowed(host, port string) bool {
	h, p, err := net.SplitHostPort(host)
	if err != nil || p != port {
		return false
	}
	return h == "127.0.0.1" || strings.EqualFold(h, "localhost")
}

// randomBytes returns n bytes from crypto/rand.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(b)
	return b
}

// timeFormat is how times are sent: botocore's IMDS client parses only
// this.
const timeFormat = "2006-01-02T15:04:05Z"

// noExpiryLead is how far ahead the Expiration of credentials that never
// expire is put.
const noExpiryLead = time.Hour

// expiration is when res should be taken to expire, as sent.
func expiration(res creds.Result, now time.Time) string {
	if !res.CanExpire {
		return now.Add(noExpiryLead).UTC().Format(timeFormat)
	}
	return res.Expires.UTC().Format(timeFormat)
}

// errUnavailable is what a handler knows when the source failed: the
// reason went to the error log.
var errUnavailable = errors.New("credentials unavailable")

// cache holds a handler's credentials in memory and renews them from the
// source; see the package doc.
type cache struct {
	src     Source
	now     func() time.Time
	onError func(error)

	mu       sync.Mutex
	cur      creds.Result
	fetched  time.Time
	have     bool
	inflight chan struct{} // closed when the running fetch ends; nil when none
	reported string        // the last error reported, until a success
}

func newCache(src Source, cfg config) *cache {
	c := &cache{src: src, now: cfg.now, onError: cfg.onError}
	if cfg.initial != nil && validate(*cfg.initial, cfg.now()) == nil {
		c.cur, c.fetched, c.have = *cfg.initial, cfg.now(), true
	}
	return c
}

// fresh reports whether res is served without asking the source.
func fresh(res creds.Result, now time.Time) bool {
	return !res.CanExpire || res.Expires.Sub(now) > creds.MinRemaining
}

// usable reports whether res has not expired.
func usable(res creds.Result, now time.Time) bool {
	return !res.CanExpire || res.Expires.After(now)
}

// validate rejects what the source should never return.
func validate(res creds.Result, now time.Time) error {
	switch {
	case res.AccessKeyID == "" || res.SecretAccessKey == "":
		return errors.New("the credential source returned no access key")
	case res.CanExpire && !res.Expires.After(now):
		return errors.New("the credential source returned credentials that have already expired")
	}
	return nil
}

// get returns the credentials to serve and when they were fetched; ctx is
// the request's, base the context a fetch runs under.
func (c *cache) get(ctx, base context.Context) (creds.Result, time.Time, error) {
	c.mu.Lock()
	if c.have && fresh(c.cur, c.now()) {
		defer c.mu.Unlock()
		return c.cur, c.fetched, nil
	}
	done := c.inflight
	if done == nil {
		done = make(chan struct{})
		c.inflight = done
		go c.fetch(base, done)
	}
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return creds.Result{}, time.Time{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.have && usable(c.cur, c.now()) {
		return c.cur, c.fetched, nil
	}
	return creds.Result{}, time.Time{}, errUnavailable
}

// fetch calls the source once and keeps what it gives; it closes done
// when finished.
func (c *cache) fetch(base context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(base, fetchTimeout)
	defer cancel()
	res, err := c.src(ctx)
	now := c.now()
	if err == nil {
		err = validate(res, now)
	}
	var report error
	c.mu.Lock()
	if err == nil {
		c.cur, c.fetched, c.have, c.reported = res, now, true, ""
	} else if base.Err() == nil && err.Error() != c.reported {
		c.reported, report = err.Error(), err
	}
	c.inflight = nil
	c.mu.Unlock()
	if report != nil {
		c.onError(report)
	}
	close(done)
}

// writeJSON answers v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// writeText answers s with status code, as text.
func writeText(w http.ResponseWriter, code int, s string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, s)
}

// unavailableMessage is the only thing a client learns about a failure.
const unavailableMessage = "sesame could not get credentials for this profile; the reason is on the standard error of sesame exec"
