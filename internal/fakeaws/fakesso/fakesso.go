// Package fakesso is a fake IAM Identity Center for tests and demos: the
// SSO OIDC service (client registration, the device authorization grant,
// the authorization code grant with PKCE, refresh tokens) and the SSO
// portal (role credentials, account and role listings, logout), served by
// one [http.Handler] on loopback.
//
// # Wire contract
//
// It follows the real services' REST-JSON protocol (see
// shared/design/protocols.md), so that real clients (botocore, the AWS CLI
// v2, the AWS SDK for Go v2) work against it unchanged when pointed at it
// with AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO (or, for the AWS
// CLI v2, with [WriteCLIv2Overrides]).
//
// OIDC routes (unsigned, JSON bodies):
//
//	POST /client/register       RegisterClient
//	POST /device_authorization  StartDeviceAuthorization
//	POST /token                 CreateToken (device_code, refresh_token, authorization_code)
//	GET  /authorize             the consent page of the authorization code grant
//	POST /authorize             Allow or Deny on that page: 302 to the redirect URI
//	GET  /device                the device approval page (user code, "Allow" button)
//	POST /device                approve (action=allow, the default) or deny a user code
//
// OIDC errors answer {"error": "snake_case_code", "error_description": "..."}
// with the error shape's name in the x-amzn-ErrorType header, e.g.
// "AuthorizationPendingException", which is what the SDKs match on. HTTP
// statuses are 400, except InvalidClientException (401) and
// InternalServerException (500).
//
// Portal routes (bearer token in the x-amz-sso_bearer_token header):
//
//	GET  /federation/credentials?role_name=R&account_id=A  GetRoleCredentials
//	GET  /assignment/accounts?next_token=&max_result=      ListAccounts
//	GET  /assignment/roles?account_id=A&next_token=&max_result=  ListAccountRoles
//	POST /logout                                           Logout
//
// Portal errors answer {"message": "..."} with the error shape's name in
// x-amzn-ErrorType: InvalidRequestException 400, UnauthorizedException 401,
// ResourceNotFoundException 404, TooManyRequestsException 429.
//
// The request log is also served as JSON at [RequestsPath], for scripts.
//
// # Behaviour worth knowing
//
//   - Refresh tokens are issued only when the token's scopes include
//     sso:account:access, and they rotate: a refresh grant answers a new
//     refresh token and the one it used stops working.
//   - A registration without grantTypes may use the device_code and
//     refresh_token grants; one with grantTypes may use exactly those.
//   - Polling /token for a device code sooner than the interval after the
//     previous poll answers SlowDownException and adds 5 seconds to the
//     interval (RFC 8628 section 3.5).
//   - A redirect URI registered on a loopback host without a port matches
//     any port (RFC 8252 section 7.3).
//   - Logout ends the sign-in: its access tokens and refresh tokens stop
//     working.
//   - Role credentials are minted with moto's AssumeRole (see
//     [Config.MotoURL]) for the role arn:aws:iam::ACCOUNT:role/ROLE and the
//     session name [Config.UserName], so moto answers GetCallerIdentity with
//     arn:aws:sts::ACCOUNT:assumed-role/ROLE/USER. The expiration reported is
//     the fake's clock plus [Config.RoleCredentialTTL], whatever moto said.
//
// A [Server] is safe for concurrent use.
package fakesso

import (
	"crypto/rand"
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

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// RequestsPath answers GET with the request log as a JSON array of
// [Request] values, oldest first. Requests to it are not logged.
const RequestsPath = "/__fakesso/requests"

// ScopeAccountAccess is the scope that gives access to the portal and
// makes the service issue refresh tokens.
const ScopeAccountAccess = "sso:account:access"

// Grant types accepted by CreateToken.
const (
	// GrantDeviceCode is the device authorization grant (RFC 8628).
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	// GrantRefreshToken exchanges a refresh token for a new access token.
	GrantRefreshToken = "refresh_token"
	// GrantAuthorizationCode is the authorization code grant with PKCE.
	GrantAuthorizationCode = "authorization_code"
)

// FakeAccessKeyID is the access key id the fake signs its AssumeRole calls
// to moto with, so that tests counting STS calls in a recording proxy can
// tell them from the calls of the code under test.
const FakeAccessKeyID = "AKIAFAKESSO000000000"

// Defaults used for the zero values of [Config].
const (
	// DefaultTokenTTL is how long access tokens last.
	DefaultTokenTTL = time.Hour
	// DefaultRegistrationTTL is how long client registrations last, as
	// with the real service.
	DefaultRegistrationTTL = 90 * 24 * time.Hour
	// DefaultRoleCredentialTTL is how long role credentials last.
	DefaultRoleCredentialTTL = time.Hour
	// DefaultDeviceCodeTTL is how long a device code lasts, as with the
	// real service.
	DefaultDeviceCodeTTL = 10 * time.Minute
	// DefaultPollInterval is the device code polling interval, as with the
	// real service.
	DefaultPollInterval = time.Second
	// DefaultRegion is the region written in token cache entries.
	DefaultRegion = "us-east-1"
	// DefaultUserName is the role session name of minted credentials.
	DefaultUserName = "user@example.com"
	// DefaultPageSize is the page size of the listings.
	DefaultPageSize = 20
)

// Account is an AWS account and the roles the signed-in user is assigned
// in it.
type Account struct {
	// ID is the 12-digit account id.
	ID string `json:"id"`
	// Name is the account name ListAccounts reports.
	Name string `json:"name"`
	// Email is the account's email address.
	Email string `json:"email"`
	// Roles are the permission set (role) names assigned to the user.
	Roles []string `json:"roles"`
}

// Config configures a [Server]. Zero values take the defaults named on
// each field.
type Config struct {
	// Accounts are the accounts and roles the user can reach. See
	// [Generate].
	Accounts []Account
	// TokenTTL is how long access tokens last ([DefaultTokenTTL]).
	TokenTTL time.Duration
	// RegistrationTTL is how long client registrations last
	// ([DefaultRegistrationTTL]).
	RegistrationTTL time.Duration
	// RoleCredentialTTL is how long role credentials last, as reported in
	// their expiration ([DefaultRoleCredentialTTL]). Moto is asked for at
	// least 15 minutes, the STS minimum; a shorter TTL only shortens the
	// reported expiration.
	RoleCredentialTTL time.Duration
	// DeviceCodeTTL is how long a device code can be approved and
	// exchanged ([DefaultDeviceCodeTTL]).
	DeviceCodeTTL time.Duration
	// PollInterval is the device code polling interval
	// ([DefaultPollInterval]), rounded up to whole seconds on the wire.
	PollInterval time.Duration
	// Rate limits portal calls to this many per second, all callers
	// together (a token bucket holding max(1, Rate) calls); 0 means no
	// limit. Calls past it answer TooManyRequestsException.
	Rate float64
	// MotoURL is the moto server (or a recording proxy in front of it) that
	// mints role credentials through STS AssumeRole. Empty: the fake makes
	// up credentials that work nowhere.
	MotoURL string
	// Region is the region reported in token cache entries made by
	// [Server.IssueToken] ([DefaultRegion]).
	Region string
	// UserName is the role session name of minted credentials
	// ([DefaultUserName]).
	UserName string
	// PageSize is the page size of the listings when the caller sends no
	// max_result ([DefaultPageSize]).
	PageSize int
	// Clock returns the current time (time.Now if nil). Tests give a fake
	// clock to expire tokens and registrations without waiting.
	Clock func() time.Time
	// AutoApprove approves every device authorization as it starts and
	// skips the consent page of the authorization code grant.
	AutoApprove bool
}

// Generate returns nAccounts accounts (ids 100000000001, 100000000002, ...)
// each assigning the same nRoles roles (AdministratorAccess,
// ReadOnlyAccess, PowerUserAccess, ViewOnlyAccess, Billing, then Role6,
// Role7, ...).
func Generate(nAccounts, nRoles int) []Account {
	names := []string{"AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "ViewOnlyAccess", "Billing"}
	roles := make([]string, nRoles)
	for i := range roles {
		if i < len(names) {
			roles[i] = names[i]
		} else {
			roles[i] = fmt.Sprintf("Role%d", i+1)
		}
	}
	accounts := make([]Account, nAccounts)
	for i := range accounts {
		name := fmt.Sprintf("account-%04d", i+1)
		accounts[i] = Account{
			ID:    fmt.Sprintf("%012d", 100000000001+i),
			Name:  name,
			Email: name + "@example.com",
			Roles: slices.Clone(roles),
		}
	}
	return accounts
}

// Request is one request the server answered. It never holds a token, a
// code, a client secret or credentials.
type Request struct {
	// Time is when the request arrived, by the server's clock.
	Time time.Time `json:"time"`
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is the URL path.
	Path string `json:"path"`
	// Op is the operation: one of the Op constants, or "" for an unknown
	// route.
	Op string `json:"op,omitempty"`
	// GrantType is CreateToken's grantType.
	GrantType string `json:"grantType,omitempty"`
	// AccountID is the account of a portal call.
	AccountID string `json:"accountId,omitempty"`
	// RoleName is the role of GetRoleCredentials.
	RoleName string `json:"roleName,omitempty"`
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// ErrorCode is the x-amzn-ErrorType of an error answer (e.g.
	// "AuthorizationPendingException"), or the OAuth error of a redirect
	// (e.g. "access_denied").
	ErrorCode string `json:"errorCode,omitempty"`
}

// Operations as logged in [Request.Op].
const (
	// OpRegisterClient is POST /client/register.
	OpRegisterClient = "RegisterClient"
	// OpStartDeviceAuthorization is POST /device_authorization.
	OpStartDeviceAuthorization = "StartDeviceAuthorization"
	// OpCreateToken is POST /token; see [Request.GrantType].
	OpCreateToken = "CreateToken"
	// OpAuthorize is GET /authorize, the consent page.
	OpAuthorize = "Authorize"
	// OpAuthorizeDecision is POST /authorize, Allow or Deny on the consent
	// page.
	OpAuthorizeDecision = "AuthorizeDecision"
	// OpDevicePage is GET /device, the device approval page.
	OpDevicePage = "DevicePage"
	// OpDeviceDecision is POST /device, Allow or Deny on the approval page.
	OpDeviceDecision = "DeviceDecision"
	// OpGetRoleCredentials is GET /federation/credentials.
	OpGetRoleCredentials = "GetRoleCredentials"
	// OpListAccounts is GET /assignment/accounts.
	OpListAccounts = "ListAccounts"
	// OpListAccountRoles is GET /assignment/roles.
	OpListAccountRoles = "ListAccountRoles"
	// OpLogout is POST /logout.
	OpLogout = "Logout"
)

// Server is the fake. Create it with [New]; serve [Server.Handler], or use
// [Server.Start] or [Server.Listen]. It is safe for concurrent use.
type Server struct {
	cfg   Config
	now   func() time.Time
	sts   *sts.Client // nil without MotoURL
	mux   *http.ServeMux
	pages *pages

	mu        sync.Mutex
	log       []Request
	clients   map[string]*client
	devices   map[string]*deviceAuth // by device code
	userCodes map[string]*deviceAuth // by user code
	consents  map[string]*consent    // pending /authorize requests, by id
	codes     map[string]*authCode
	access    map[string]*accessToken
	refresh   map[string]*refreshToken
	sessions  map[string]*signIn
	bucket    bucket
}

// New returns a server for cfg, filling in defaults.
func New(cfg Config) *Server {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.RegistrationTTL <= 0 {
		cfg.RegistrationTTL = DefaultRegistrationTTL
	}
	if cfg.RoleCredentialTTL <= 0 {
		cfg.RoleCredentialTTL = DefaultRoleCredentialTTL
	}
	if cfg.DeviceCodeTTL <= 0 {
		cfg.DeviceCodeTTL = DefaultDeviceCodeTTL
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.UserName == "" {
		cfg.UserName = DefaultUserName
	}
	if cfg.PageSize <= 0 || cfg.PageSize > 100 {
		cfg.PageSize = DefaultPageSize
	}
	cfg.Accounts = slices.Clone(cfg.Accounts)
	for i := range cfg.Accounts {
		cfg.Accounts[i].Roles = slices.Clone(cfg.Accounts[i].Roles)
	}
	s := &Server{
		cfg:       cfg,
		now:       cfg.Clock,
		clients:   make(map[string]*client),
		devices:   make(map[string]*deviceAuth),
		userCodes: make(map[string]*deviceAuth),
		consents:  make(map[string]*consent),
		codes:     make(map[string]*authCode),
		access:    make(map[string]*accessToken),
		refresh:   make(map[string]*refreshToken),
		sessions:  make(map[string]*signIn),
		pages:     newPages(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.bucket.setRate(cfg.Rate, s.now())
	if cfg.MotoURL != "" {
		s.sts = newSTSClient(cfg.MotoURL)
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// Handler returns the server's HTTP handler, which answers every route of
// both services and logs each request.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Start serves the fake on a free port of 127.0.0.1 until the test ends and
// returns its URL, e.g. "http://127.0.0.1:40125".
func (s *Server) Start(t testing.TB) string {
	t.Helper()
	u, stop, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return u
}

// Listen serves the fake on addr (use "127.0.0.1:0" for a free port) and
// returns its URL. stop closes the listener and every connection and
// returns when the server has stopped.
func (s *Server) Listen(addr string) (url string, stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("fakesso: listen: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = srv.Close()
			<-done
		})
	}
	return "http://" + l.Addr().String(), stop, nil
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count returns how many logged requests have the operation op and, if
// grantType is not empty, that grant type.
func (s *Server) Count(op, grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Op == op && (grantType == "" || r.GrantType == grantType) {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Approve approves the device authorization with the given user code, as
// the user clicking "Allow" would. It fails for an unknown, expired or
// already decided code.
func (s *Server) Approve(userCode string) error {
	return s.decide(userCode, true)
}

// Deny denies the device authorization with the given user code: the next
// poll answers AccessDeniedException.
func (s *Server) Deny(userCode string) error {
	return s.decide(userCode, false)
}

// PendingUserCodes returns the user codes of device authorizations that
// wait for a decision and have not expired, oldest first.
func (s *Server) PendingUserCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var out []*deviceAuth
	for _, d := range s.userCodes {
		if d.state == devicePending && now.Before(d.expiresAt) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *deviceAuth) int { return a.created.Compare(b.created) })
	codes := make([]string, len(out))
	for i, d := range out {
		codes[i] = d.userCode
	}
	return codes
}

// ExpireToken makes an access token expired: the portal answers
// UnauthorizedException for it from now on. Its refresh token, if any,
// keeps working. It reports whether the token was known.
func (s *Server) ExpireToken(accessToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.access[accessToken]
	if ok {
		at.expired = true
	}
	return ok
}

// ExpireAllTokens makes every access token issued so far expired at the
// portal (as a sign-out elsewhere or a revoked session would).
func (s *Server) ExpireAllTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.access {
		at.expired = true
	}
}

// RevokeRefreshTokens makes every refresh token issued so far invalid:
// refresh grants with them answer InvalidGrantException.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range s.refresh {
		rt.used = true
	}
}

// SetRate changes the portal's rate limit (calls per second, 0 for none)
// and fills the bucket.
func (s *Server) SetRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bucket.setRate(rate, s.now())
}

// CachedToken is a sign-in as the AWS CLI stores it in
// ~/.aws/sso/cache/<sha1>.json (see [WriteTokenCache]).
type CachedToken struct {
	// StartURL is the IAM Identity Center start URL (startUrl).
	StartURL string
	// Region is the IAM Identity Center region (region).
	Region string
	// AccessToken is the portal bearer token (accessToken).
	AccessToken string
	// ExpiresAt is when the access token expires (expiresAt).
	ExpiresAt time.Time
	// ClientID is the OIDC registration's client id (clientId).
	ClientID string
	// ClientSecret is the OIDC registration's secret (clientSecret).
	ClientSecret string
	// RegistrationExpiresAt is when the registration expires
	// (registrationExpiresAt).
	RegistrationExpiresAt time.Time
	// RefreshToken is the refresh token (refreshToken), empty when the
	// scopes did not include sso:account:access.
	RefreshToken string
}

// IssueToken signs the user in without any HTTP flow: it registers a
// client with the given scopes (none: a legacy registration) and issues an
// access token, plus a refresh token when the scopes include
// sso:account:access, as a token cache entry for startURL. Tests use it to
// prepare a cache file.
func (s *Server) IssueToken(startURL string, scopes ...string) CachedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := s.newClientLocked(now, "fakesso-issued", slices.Clone(scopes), nil, nil)
	ses := s.newSessionLocked()
	tr := s.issueLocked(now, c.id, ses, c.scopes)
	return CachedToken{
		StartURL:              startURL,
		Region:                s.cfg.Region,
		AccessToken:           tr.AccessToken,
		ExpiresAt:             now.Add(s.cfg.TokenTTL).UTC().Truncate(time.Second),
		ClientID:              c.id,
		ClientSecret:          c.secret,
		RegistrationExpiresAt: c.expiresAt.UTC().Truncate(time.Second),
		RefreshToken:          tr.RefreshToken,
	}
}

// serveHTTP logs the request and dispatches it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == RequestsPath {
		s.serveLog(w, r)
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

func (s *Server) serveLog(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	body, err := json.Marshal(s.Requests())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (s *Server) routes() {
	s.handle("POST /client/register", OpRegisterClient, s.registerClient)
	s.handle("POST /device_authorization", OpStartDeviceAuthorization, s.startDeviceAuthorization)
	s.handle("POST /token", OpCreateToken, s.createToken)
	s.handle("GET /authorize", OpAuthorize, s.authorizePage)
	s.handle("POST /authorize", OpAuthorizeDecision, s.authorizeDecision)
	s.handle("GET /device", OpDevicePage, s.devicePage)
	s.handle("POST /device", OpDeviceDecision, s.deviceDecision)
	s.handle("GET /federation/credentials", OpGetRoleCredentials, s.portal(s.getRoleCredentials))
	s.handle("GET /assignment/accounts", OpListAccounts, s.portal(s.listAccounts))
	s.handle("GET /assignment/roles", OpListAccountRoles, s.portal(s.listAccountRoles))
	s.handle("POST /logout", OpLogout, s.portal(s.logout))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "UnknownOperationException", map[string]string{
			"message": "no operation " + r.Method + " " + r.URL.Path,
		})
	})
}

func (s *Server) handle(pattern, op string, h func(*logWriter, *http.Request)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		lw, ok := w.(*logWriter)
		if !ok {
			// Cannot happen: serveHTTP always wraps.
			lw = &logWriter{ResponseWriter: w}
		}
		lw.entry.Op = op
		h(lw, r)
	})
}

// logWriter records the status and error code of an answer into the log
// entry of its request.
type logWriter struct {
	http.ResponseWriter
	entry Request
}

func (w *logWriter) WriteHeader(code int) {
	if w.entry.Status == 0 {
		w.entry.Status = code
		if c := w.Header().Get("X-Amzn-Errortype"); c != "" {
			w.entry.ErrorCode = c
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.entry.Status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// writeJSON answers 200 with v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "InternalServerException", map[string]string{"message": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// writeJSONError answers an AWS REST-JSON error: code in x-amzn-ErrorType,
// body as given.
func writeJSONError(w http.ResponseWriter, status int, code string, body map[string]string) {
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// randomToken returns prefix followed by n random base32 groups of
// crypto/rand.Text.
func randomToken(prefix string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteString(rand.Text())
	}
	return b.String()
}

// Errors of Approve and Deny.
var (
	errUnknownUserCode = errors.New("fakesso: unknown user code")
	errExpiredUserCode = errors.New("fakesso: user code expired")
	errDecided         = errors.New("fakesso: user code already approved or denied")
)
