package fakeaws

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Paths of the fake federation endpoint.
const (
	// FederationPath is where [Federation] answers the federation
	// protocol, as https://signin.aws.amazon.com/federation does.
	FederationPath = "/federation"
	// FederationRequestsPath answers GET with the request log as a JSON
	// array of [FederationRequest] values, oldest first.
	FederationRequestsPath = "/__federation/requests"
	// FederationResetPath empties the request log on POST and answers 204
	// No Content.
	FederationResetPath = "/__federation/reset"
)

// Limits of the console federation protocol, as AWS documents them.
const (
	// MinSessionDuration and MaxSessionDuration bound the SessionDuration
	// parameter of getSigninToken, in seconds.
	MinSessionDuration = 900
	MaxSessionDuration = 43200
	// SigninTokenLifetime is how long a sign-in token can be used.
	SigninTokenLifetime = 15 * time.Minute
)

// CredKind is what sort of temporary credentials a session holds, which
// decides what the federation endpoint accepts.
type CredKind string

// The kinds [Federation] tells apart. Long-term keys need no kind: a
// session without a sessionToken is always refused.
const (
	// CredRole is role credentials (AssumeRole*, from long-term keys) or
	// IAM Identity Center role credentials: SessionDuration is allowed.
	CredRole CredKind = "role"
	// CredRoleChained is a role assumed with temporary credentials:
	// SessionDuration is refused.
	CredRoleChained CredKind = "role-chained"
	// CredFederationToken is GetFederationToken credentials:
	// SessionDuration is refused.
	CredFederationToken CredKind = "federation-token"
	// CredSessionToken is GetSessionToken credentials: refused outright.
	CredSessionToken CredKind = "session-token"
)

// The keys a Session document must have, and no others.
var sessionKeys = []string{"sessionId", "sessionKey", "sessionToken"}

// FederationRequest is one request seen by a [Federation]. It never holds a
// secret: not the secret key or session token of the Session document, and
// not a sign-in token.
type FederationRequest struct {
	// Time is when the request arrived.
	Time time.Time `json:"time"`
	// Method and Path are the HTTP method and URL path.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Action is the Action parameter: getSigninToken or login.
	Action string `json:"action,omitempty"`
	// SessionDuration is the SessionDuration parameter as sent ("" when
	// absent).
	SessionDuration string `json:"sessionDuration,omitempty"`
	// SessionKeys are the keys of the Session JSON document, sorted (nil
	// when there was none or it was not a JSON object).
	SessionKeys []string `json:"sessionKeys,omitempty"`
	// AccessKeyID is the sessionId of the Session document (an access key
	// id is not a secret).
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// Kind is what the credentials were taken for (see
	// [Federation.SetKind]); for login, the kind of the credentials the
	// sign-in token was issued for.
	Kind CredKind `json:"kind,omitempty"`
	// Issuer and Destination are the parameters of a login request.
	Issuer      string `json:"issuer,omitempty"`
	Destination string `json:"destination,omitempty"`
	// SigninTokenValid tells, for login, whether the SigninToken was one
	// this endpoint issued less than [SigninTokenLifetime] ago.
	SigninTokenValid bool `json:"signinTokenValid,omitempty"`
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// Error says why the request was refused ("" when it was not).
	Error string `json:"error,omitempty"`
}

// FederationOption configures a [Federation].
type FederationOption func(*Federation)

// FederationClock makes the endpoint read the time from now (the default
// is time.Now), for tests of sign-in token expiry.
func FederationClock(now func() time.Time) FederationOption {
	return func(f *Federation) { f.now = now }
}

// Federation is a fake of the AWS console federation endpoint
// (https://signin.aws.amazon.com/federation), an [http.Handler] serving
// [FederationPath]:
//
//   - Action=getSigninToken with Session, a JSON object with exactly the
//     string keys sessionId, sessionKey and sessionToken, answers
//     {"SigninToken": "..."} (a random token). It answers 400 when the
//     document is malformed, has other keys or an empty sessionToken
//     (long-term keys), when the credentials are GetSessionToken
//     credentials, and when SessionDuration is given and is not a number
//     from 900 to 43200 or the credentials are not role credentials
//     ([CredRole]). The endpoint cannot tell kinds of credentials apart by
//     themselves: the test says what each access key id is with
//     [Federation.SetKind], and the rest are [Federation.SetDefaultKind]
//     (CredRole unless changed).
//   - Action=login with SigninToken and Destination answers 200 with a
//     small HTML page naming the destination (in an element with
//     id="destination") when the token was issued here less than 15
//     minutes ago, else 400.
//
// GET and POST (form-encoded) are both accepted, as by AWS. Every request
// is recorded as a [FederationRequest], without secrets, and the log is also
// served at [FederationRequestsPath] and [FederationResetPath].
//
// A Federation is safe for concurrent use.
type Federation struct {
	now func() time.Time

	mu          sync.Mutex
	kinds       map[string]CredKind
	defaultKind CredKind
	tokens      map[string]issuedToken
	reqs        []FederationRequest
}

type issuedToken struct {
	accessKeyID string
	kind        CredKind
	expires     time.Time
}

// NewFederation returns a fake federation endpoint that takes every
// credential for role credentials until told otherwise.
func NewFederation(opts ...FederationOption) *Federation {
	f := &Federation{
		now:         time.Now,
		kinds:       make(map[string]CredKind),
		defaultKind: CredRole,
		tokens:      make(map[string]issuedToken),
	}
	for _, o := range opts {
		o(f)
	}
	return f
}

// SetKind says what sort of credentials the access key id belongs to.
func (f *Federation) SetKind(accessKeyID string, kind CredKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kinds[accessKeyID] = kind
}

// SetDefaultKind sets the kind of every access key id not named by SetKind.
func (f *Federation) SetDefaultKind(kind CredKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.defaultKind = kind
}

// Requests returns a copy of the log, oldest first.
func (f *Federation) Requests() []FederationRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.reqs)
	for i := range out {
		out[i].SessionKeys = slices.Clone(out[i].SessionKeys)
	}
	return out
}

// Reset empties the log. Issued sign-in tokens stay valid.
func (f *Federation) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = nil
}

// ServeHTTP implements [http.Handler].
func (f *Federation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case FederationRequestsPath:
		if r.Method != http.MethodGet {
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		body, err := json.Marshal(f.Requests())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return
	case FederationResetPath:
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		f.Reset()
		w.WriteHeader(http.StatusNoContent)
		return
	case FederationPath:
	default:
		http.NotFound(w, r)
		return
	}

	e := FederationRequest{Time: f.now(), Method: r.Method, Path: r.URL.Path}
	status, body, contentType := f.serve(r, &e)
	e.Status = status
	if status != http.StatusOK {
		e.Error = body
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, e)
	f.mu.Unlock()
	if status != http.StatusOK {
		http.Error(w, body, status)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(body))
}

// serve answers one federation request and fills in e. The body is the
// error message when the status is not 200.
func (f *Federation) serve(r *http.Request, e *FederationRequest) (status int, body, contentType string) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "use GET or POST", ""
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return http.StatusBadRequest, "malformed parameters: " + err.Error(), ""
	}
	e.Action = r.Form.Get("Action")
	switch e.Action {
	case "getSigninToken":
		return f.getSigninToken(r, e)
	case "login":
		return f.login(r, e)
	case "":
		return http.StatusBadRequest, "missing Action", ""
	}
	return http.StatusBadRequest, fmt.Sprintf("unknown Action %q", e.Action), ""
}

func (f *Federation) getSigninToken(r *http.Request, e *FederationRequest) (int, string, string) {
	e.SessionDuration = r.Form.Get("SessionDuration")
	raw := r.Form.Get("Session")
	if raw == "" {
		return http.StatusBadRequest, "missing Session", ""
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &doc); err != nil || doc == nil {
		return http.StatusBadRequest, "Session is not a JSON object", ""
	}
	for k := range doc {
		e.SessionKeys = append(e.SessionKeys, k)
	}
	slices.Sort(e.SessionKeys)
	if !slices.Equal(e.SessionKeys, sessionKeys) {
		return http.StatusBadRequest, "Session must have exactly the keys sessionId, sessionKey and sessionToken", ""
	}
	values := make(map[string]string, len(doc))
	for k, v := range doc {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return http.StatusBadRequest, fmt.Sprintf("Session: %s is not a string", k), ""
		}
		values[k] = s
	}
	e.AccessKeyID = values["sessionId"]
	if values["sessionId"] == "" || values["sessionKey"] == "" {
		return http.StatusBadRequest, "Session: sessionId and sessionKey must not be empty", ""
	}
	if values["sessionToken"] == "" {
		return http.StatusBadRequest, "Session: no sessionToken: long-term keys cannot sign in to the console", ""
	}

	f.mu.Lock()
	kind, ok := f.kinds[e.AccessKeyID]
	if !ok {
		kind = f.defaultKind
	}
	f.mu.Unlock()
	e.Kind = kind

	if kind == CredSessionToken {
		return http.StatusBadRequest, "GetSessionToken credentials cannot sign in to the console", ""
	}
	if e.SessionDuration != "" {
		n, err := strconv.Atoi(e.SessionDuration)
		if err != nil || n < MinSessionDuration || n > MaxSessionDuration {
			return http.StatusBadRequest, fmt.Sprintf("SessionDuration must be a number of seconds from %d to %d", MinSessionDuration, MaxSessionDuration), ""
		}
		if kind != CredRole {
			return http.StatusBadRequest, fmt.Sprintf("SessionDuration is not allowed with %s credentials, only with role credentials not obtained by role chaining", kind), ""
		}
	}

	token, err := randomToken()
	if err != nil {
		return http.StatusInternalServerError, err.Error(), ""
	}
	f.mu.Lock()
	f.tokens[token] = issuedToken{accessKeyID: e.AccessKeyID, kind: kind, expires: f.now().Add(SigninTokenLifetime)}
	f.mu.Unlock()
	out, err := json.Marshal(map[string]string{"SigninToken": token})
	if err != nil {
		return http.StatusInternalServerError, err.Error(), ""
	}
	return http.StatusOK, string(out), "application/json"
}

func (f *Federation) login(r *http.Request, e *FederationRequest) (int, string, string) {
	e.Issuer = r.Form.Get("Issuer")
	e.Destination = r.Form.Get("Destination")
	token := r.Form.Get("SigninToken")
	f.mu.Lock()
	issued, ok := f.tokens[token]
	f.mu.Unlock()
	if ok {
		e.AccessKeyID = issued.accessKeyID
		e.Kind = issued.kind
	}
	switch {
	case token == "":
		return http.StatusBadRequest, "missing SigninToken", ""
	case !ok:
		return http.StatusBadRequest, "unknown SigninToken", ""
	case !f.now().Before(issued.expires):
		return http.StatusBadRequest, "expired SigninToken", ""
	}
	e.SigninTokenValid = true
	if e.Destination == "" {
		return http.StatusBadRequest, "missing Destination", ""
	}
	page := fmt.Sprintf(`<!doctype html>
<html><head><title>AWS Management Console (fake)</title></head>
<body><p>Signed in with <code id="access-key-id">%s</code> (%s credentials).</p>
<p>Destination: <a id="destination" href="%s">%s</a></p></body></html>
`, html.EscapeString(issued.accessKeyID), html.EscapeString(string(issued.kind)), html.EscapeString(e.Destination), html.EscapeString(e.Destination))
	return http.StatusOK, page, "text/html; charset=utf-8"
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("fakeaws: random sign-in token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
