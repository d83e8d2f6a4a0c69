// Package fakesignin is a fake AWS Sign-In (the service behind `aws login`
// and `sesame signin`) for tests and demos, served by one [http.Handler] on
// loopback.
//
// # Wire contract
//
// It follows shared/design/protocols.md, "AWS Sign-In sessions", so that
// real clients (the AWS SDK for Go v2's logincreds, the AWS SDK for
// JavaScript v3's credential-provider-login) work against it unchanged
// when pointed at it with AWS_ENDPOINT_URL_SIGNIN:
//
//	GET  /v1/authorize              the sign-in page: an "Approve" and a "Deny" button
//	POST /v1/authorize              the decision: 302 to the redirect URI with code+state (or error)
//	GET  /v1/sessions/confirmation  the cross-device page showing base64("state=S&code=C")
//	POST /v1/token                  CreateOAuth2Token (authorization_code, refresh_token), DPoP-bound
//
// Token errors answer {"error": "CODE", "message": "..."} with the shape
// in x-amzn-ErrorType: ValidationException 400 INVALID_REQUEST,
// AccessDeniedException 401 TOKEN_EXPIRED / AUTHCODE_EXPIRED and 403
// USER_CREDENTIALS_CHANGED / INSUFFICIENT_PERMISSIONS, TooManyRequestsError
// 429, InternalServerException 500 (see [Server.FailNext]).
//
// # DPoP
//
// Every token call must carry a DPoP proof (RFC 9449 subset): a compact
// JWS with header typ "dpop+jwt", alg "ES256" and an EC P-256 jwk, payload
// htm "POST", htu the full token URL, iat within [Config.ProofWindow] of
// the fake's clock and a jti never seen before. The signature is checked.
// A refresh token is bound to the JWK thumbprint of the key that proved
// the call which issued it; a refresh with another key is refused. Refresh
// tokens rotate: the one used stops working.
//
// # Credentials
//
// Credentials are minted with moto's AssumeRole (see [Config.MotoURL]) for
// arn:aws:iam::ACCOUNT:role/ROLE with the session name USER, so that moto
// answers GetCallerIdentity with the session's ARN,
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/USER, which is also the idToken's
// sub (the login_session value).
//
// The request log is served as JSON at [RequestsPath]; POST [FailPath]
// with error=CODE makes the next token call fail that way (for scripts).
//
// A [Server] is safe for concurrent use.
package fakesignin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Paths of the test hooks.
const (
	// RequestsPath answers GET with the request log as a JSON array of
	// [Request], oldest first.
	RequestsPath = "/__fakesignin/requests"
	// FailPath takes POST error=CODE (one of the Err constants) and makes
	// the next token call answer that error.
	FailPath = "/__fakesignin/fail"
)

// Client ids.
const (
	ClientSameDevice  = "arn:aws:signin:::devtools/same-device"
	ClientCrossDevice = "arn:aws:signin:::devtools/cross-device"
)

// Grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// Error codes (the body's "error").
const (
	ErrInvalidRequest          = "INVALID_REQUEST"
	ErrTokenExpired            = "TOKEN_EXPIRED"
	ErrAuthcodeExpired         = "AUTHCODE_EXPIRED"
	ErrUserCredentialsChanged  = "USER_CREDENTIALS_CHANGED"
	ErrInsufficientPermissions = "INSUFFICIENT_PERMISSIONS"
	ErrTooManyRequests         = "TOO_MANY_REQUESTS"
	ErrInternal                = "server_error"
)

// FakeAccessKeyID signs the fake's own AssumeRole calls to moto.
const FakeAccessKeyID = "AKIAFAKESIGNIN000000"

// Defaults for the zero values of [Config].
const (
	DefaultAccountID   = "123456789012"
	DefaultRoleName    = "Admin"
	DefaultUserName    = "alice"
	DefaultTokenTTL    = 15 * time.Minute
	DefaultSessionTTL  = 12 * time.Hour
	DefaultCodeTTL     = 5 * time.Minute
	DefaultProofWindow = 5 * time.Minute
)

// Config configures a [Server]. Zero values take the defaults.
type Config struct {
	// MotoURL mints credentials through moto's STS; empty: made-up ones.
	MotoURL string
	// AccountID, RoleName and UserName make the session's principal.
	AccountID, RoleName, UserName string
	// TokenTTL is the credentials' lifetime reported as expiresIn
	// ([DefaultTokenTTL], at most 15 minutes as with the real service;
	// tests shorten it to see refreshes).
	TokenTTL time.Duration
	// SessionTTL is how long refresh tokens work after the sign-in.
	SessionTTL time.Duration
	// CodeTTL is how long an authorization code may be exchanged.
	CodeTTL time.Duration
	// ProofWindow is how far a DPoP proof's iat may be from the clock.
	ProofWindow time.Duration
	// AutoApprove skips the sign-in page: GET /v1/authorize redirects at once.
	AutoApprove bool
	// Clock returns the current time (time.Now if nil).
	Clock func() time.Time
}

// Request is one logged request; it never holds a token, code or key.
type Request struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Op        string    `json:"op,omitempty"`
	ClientID  string    `json:"clientId,omitempty"`
	GrantType string    `json:"grantType,omitempty"`
	Status    int       `json:"status"`
	ErrorType string    `json:"errorType,omitempty"`
	ErrorCode string    `json:"errorCode,omitempty"`
}

// Operations in [Request.Op].
const (
	OpAuthorize         = "Authorize"
	OpAuthorizeDecision = "AuthorizeDecision"
	OpConfirmation      = "Confirmation"
	OpCreateOAuth2Token = "CreateOAuth2Token"
)

type pending struct {
	clientID, redirectURI, state, challenge string
	expiresAt                               time.Time
}

type authCode struct {
	clientID, redirectURI, challenge string
	expiresAt                        time.Time
	used                             bool
}

type session struct {
	started time.Time
	changed bool // the user's credentials changed: refresh is refused
}

type refreshToken struct {
	ses  *session
	jkt  string
	used bool
}

// Server is the fake.
type Server struct {
	cfg   Config
	now   func() time.Time
	sts   *sts.Client
	mux   *http.ServeMux
	idKey *ecdsa.PrivateKey

	mu       sync.Mutex
	log      []Request
	pendings map[string]*pending
	codes    map[string]*authCode
	refresh  map[string]*refreshToken
	sessions []*session
	jtis     map[string]time.Time
	failNext []string
	noPerm   bool
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.RoleName == "" {
		cfg.RoleName = DefaultRoleName
	}
	if cfg.UserName == "" {
		cfg.UserName = DefaultUserName
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = DefaultCodeTTL
	}
	if cfg.ProofWindow <= 0 {
		cfg.ProofWindow = DefaultProofWindow
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	s := &Server{
		cfg: cfg, now: cfg.Clock, idKey: key,
		pendings: map[string]*pending{}, codes: map[string]*authCode{},
		refresh: map[string]*refreshToken{}, jtis: map[string]time.Time{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.MotoURL != "" {
		s.sts = sts.New(sts.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(cfg.MotoURL),
			Credentials:  credentials.NewStaticCredentialsProvider(FakeAccessKeyID, "fakesignin/secret/key/not/a/real/one/00", ""),
			HTTPClient:   &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second},
		})
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /v1/authorize", s.op(OpAuthorize, s.authorizePage))
	s.mux.HandleFunc("POST /v1/authorize", s.op(OpAuthorizeDecision, s.authorizeDecision))
	s.mux.HandleFunc("GET /v1/sessions/confirmation", s.op(OpConfirmation, s.confirmation))
	s.mux.HandleFunc("POST /v1/token", s.op(OpCreateOAuth2Token, s.token))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "UnknownOperationException", ErrInvalidRequest, "no operation "+r.Method+" "+r.URL.Path)
	})
	return s
}

// SessionARN is the login_session value of every sign-in: the principal's
// ARN as moto's GetCallerIdentity reports it.
func (s *Server) SessionARN() string {
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", s.cfg.AccountID, s.cfg.RoleName, s.cfg.UserName)
}

// AccountID is the session's account.
func (s *Server) AccountID() string { return s.cfg.AccountID }

// Handler serves every route and logs each request.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Start serves on a free port of 127.0.0.1 until the test ends.
func (s *Server) Start(t testing.TB) string {
	t.Helper()
	u, stop, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return u
}

// Listen serves on addr and returns the base URL and a stop function.
func (s *Server) Listen(addr string) (string, func(), error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("fakesignin: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	var once sync.Once
	return "http://" + l.Addr().String(), func() { once.Do(func() { _ = srv.Close(); <-done }) }, nil
}

// Requests returns a copy of the log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count returns how many logged requests have op and (if not empty) grant.
func (s *Server) Count(op, grant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Op == op && (grant == "" || r.GrantType == grant) {
			n++
		}
	}
	return n
}

// SetTokenTTL changes the lifetime of the credentials issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.TokenTTL = d
}

func (s *Server) tokenTTL() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.TokenTTL
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// FailNext makes the next token call answer the error code (one of the
// Err constants).
func (s *Server) FailNext(code string) error {
	if _, _, ok := errorShape(code); !ok {
		return fmt.Errorf("fakesignin: unknown error code %q", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, code)
	return nil
}

// ChangeUserCredentials makes every session so far answer
// USER_CREDENTIALS_CHANGED, as a password change would.
func (s *Server) ChangeUserCredentials() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ses := range s.sessions {
		ses.changed = true
	}
}

// SetInsufficientPermissions makes token calls answer
// INSUFFICIENT_PERMISSIONS while on is true.
func (s *Server) SetInsufficientPermissions(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noPerm = on
}

// Issued is what [Server.Issue] returns: a sign-in made without the
// browser flow.
type Issued struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	ExpiresAt                                  time.Time
	RefreshToken, IDToken, ClientID            string
}

// Issue signs the user in without any HTTP flow, binding the refresh
// token to pub. Tests use it to prepare a cache file.
func (s *Server) Issue(ctx context.Context, pub *ecdsa.PublicKey) (Issued, error) {
	c, err := s.mint(ctx)
	if err != nil {
		return Issued{}, err
	}
	s.mu.Lock()
	now := s.now()
	ses := &session{started: now}
	s.sessions = append(s.sessions, ses)
	rt := s.newRefreshLocked(ses, Thumbprint(pub))
	s.mu.Unlock()
	return Issued{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		ExpiresAt:    now.Add(s.tokenTTL()),
		RefreshToken: rt, IDToken: s.idToken(now), ClientID: ClientSameDevice,
	}, nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case RequestsPath:
		body, _ := json.Marshal(s.Requests())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return
	case FailPath:
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		if err := s.FailNext(r.FormValue("error")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		return
	}
	lw := &logWriter{ResponseWriter: w, entry: Request{Time: s.now(), Method: r.Method, Path: r.URL.Path}}
	s.mux.ServeHTTP(lw, r)
	if lw.entry.Status == 0 {
		lw.entry.Status = http.StatusOK
	}
	s.mu.Lock()
	s.log = append(s.log, lw.entry)
	s.mu.Unlock()
}

func (s *Server) op(name string, h func(*logWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lw, ok := w.(*logWriter)
		if !ok {
			lw = &logWriter{ResponseWriter: w}
		}
		lw.entry.Op = name
		h(lw, r)
	}
}

type logWriter struct {
	http.ResponseWriter
	entry Request
}

func (w *logWriter) WriteHeader(code int) {
	if w.entry.Status == 0 {
		w.entry.Status = code
		w.entry.ErrorType = w.Header().Get("X-Amzn-Errortype")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.entry.Status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// errorShape maps an error code to its HTTP status and shape.
func errorShape(code string) (int, string, bool) {
	switch code {
	case ErrInvalidRequest:
		return http.StatusBadRequest, "ValidationException", true
	case ErrTokenExpired, ErrAuthcodeExpired:
		return http.StatusUnauthorized, "AccessDeniedException", true
	case ErrUserCredentialsChanged, ErrInsufficientPermissions:
		return http.StatusForbidden, "AccessDeniedException", true
	case ErrTooManyRequests:
		return http.StatusTooManyRequests, "TooManyRequestsError", true
	case ErrInternal:
		return http.StatusInternalServerError, "InternalServerException", true
	}
	return 0, "", false
}

// apiError is a token endpoint error.
type apiError struct {
	code, msg string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func fail(code, msg string) *apiError { return &apiError{code: code, msg: msg} }

func writeAPIError(w *logWriter, e *apiError) {
	status, shape, _ := errorShape(e.code)
	w.entry.ErrorCode = e.code
	writeError(w, status, shape, e.code, e.msg)
}

func writeError(w http.ResponseWriter, status int, shape, code, msg string) {
	b, _ := json.Marshal(map[string]string{"error": code, "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", shape)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func randomToken(prefix string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteString(rand.Text())
	}
	return b.String()
}

// Thumbprint is the RFC 7638 JWK SHA-256 thumbprint of a P-256 key,
// base64url: what a refresh token is bound to (cnf.jkt).
func Thumbprint(pub *ecdsa.PublicKey) string {
	if pub == nil {
		return ""
	}
	b, err := pub.Bytes() // 0x04 || X || Y, 32 bytes each on P-256
	if err != nil || len(b) != 65 {
		return ""
	}
	x, y := b[1:33], b[33:]
	enc := base64.RawURLEncoding
	canon := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, enc.EncodeToString(x), enc.EncodeToString(y))
	sum := sha256.Sum256([]byte(canon))
	return enc.EncodeToString(sum[:])
}

var errNoMoto = errors.New("no moto")

// mintedCreds are credentials minted for a token answer.
type mintedCreds struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
}

func (s *Server) mint(ctx context.Context) (mintedCreds, error) {
	if s.sts == nil {
		return mintedCreds{
			AccessKeyID:     "ASIA" + randomToken("", 1)[:16],
			SecretAccessKey: randomToken("", 2)[:40],
			SessionToken:    randomToken("IQoJb3JpZ2luX2Vj", 6),
		}, nil
	}
	out, err := s.sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(fmt.Sprintf("arn:aws:iam::%s:role/%s", s.cfg.AccountID, s.cfg.RoleName)),
		RoleSessionName: aws.String(s.cfg.UserName),
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		return mintedCreds{}, err
	}
	if out.Credentials == nil {
		return mintedCreds{}, fmt.Errorf("moto answered no credentials: %w", errNoMoto)
	}
	c := out.Credentials
	return mintedCreds{aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)}, nil
}

// idToken is a JWT signed by the fake (ES256) whose sub is the session ARN.
func (s *Server) idToken(now time.Time) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": "fakesignin"})
	p, _ := json.Marshal(map[string]any{
		"iss": "https://signin.aws.amazon.com", "sub": s.SessionARN(), "aud": ClientSameDevice,
		"iat": now.Unix(), "exp": now.Add(s.tokenTTL()).Unix(),
	})
	msg := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	sum := sha256.Sum256([]byte(msg))
	r, sg, err := ecdsa.Sign(rand.Reader, s.idKey, sum[:])
	if err != nil {
		return msg + "."
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sg.FillBytes(sig[32:])
	return msg + "." + enc.EncodeToString(sig)
}

func (s *Server) newRefreshLocked(ses *session, jkt string) string {
	rt := randomToken("fsr-", 3)
	s.refresh[rt] = &refreshToken{ses: ses, jkt: jkt}
	return rt
}
