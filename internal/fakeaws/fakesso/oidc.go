package fakesso

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// maxBody bounds request bodies.
const maxBody = 1 << 20

// client is a registration made by RegisterClient.
type client struct {
	id, secret, name string
	scopes           []string
	grantTypes       []string
	redirectURIs     []string
	issuedAt         time.Time
	expiresAt        time.Time
}

// allows reports whether the registration may use grant.
func (c *client) allows(grant string) bool {
	if len(c.grantTypes) == 0 {
		return grant == GrantDeviceCode || grant == GrantRefreshToken
	}
	return slices.Contains(c.grantTypes, grant)
}

type deviceState int

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDenied
	deviceUsed
)

// deviceAuth is a StartDeviceAuthorization in progress.
type deviceAuth struct {
	deviceCode, userCode string
	clientID, clientName string
	startURL             string
	created, expiresAt   time.Time
	interval             time.Duration
	lastPoll             time.Time
	state                deviceState
}

// consent is a GET /authorize waiting for Allow or Deny.
type consent struct {
	id          string
	clientID    string
	clientName  string
	redirectURI string
	state       string
	challenge   string
	scopes      []string
	expiresAt   time.Time
}

// authCode is an authorization code handed to the redirect URI.
type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	scopes      []string
	expiresAt   time.Time
	used        bool
}

// signIn is one sign-in of the user; logging out ends it and every token
// issued in it.
type signIn struct {
	loggedOut bool
}

type accessToken struct {
	clientID string
	session  *signIn
	scopes   []string
	expires  time.Time
	expired  bool
}

type refreshToken struct {
	clientID string
	session  *signIn
	scopes   []string
	used     bool
}

// oidcError is an SSO OIDC error answer.
type oidcError struct {
	status int
	code   string // x-amzn-ErrorType, e.g. "InvalidClientException"
	oauth  string // the body's error, e.g. "invalid_client"
	desc   string
}

func (e *oidcError) Error() string { return e.code + ": " + e.desc }

func oerr(code, desc string) *oidcError {
	status := http.StatusBadRequest
	switch code {
	case "InvalidClientException":
		status = http.StatusUnauthorized
	case "InternalServerException":
		status = http.StatusInternalServerError
	}
	return &oidcError{status: status, code: code, oauth: oauthCode(code), desc: desc}
}

// oauthCode turns "InvalidClientMetadataException" into
// "invalid_client_metadata".
func oauthCode(code string) string {
	if code == "InternalServerException" {
		return "server_error"
	}
	name := strings.TrimSuffix(code, "Exception")
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func writeOIDCError(w http.ResponseWriter, e *oidcError) {
	writeJSONError(w, e.status, e.code, map[string]string{"error": e.oauth, "error_description": e.desc})
}

// decodeJSON reads a JSON request body into v.
func decodeJSON(r *http.Request, v any) *oidcError {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return oerr("InvalidRequestException", "cannot read the request body")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return oerr("InvalidRequestException", "the request body is not valid JSON of the right shape")
	}
	return nil
}

// scopeRE is what a scope looks like: "openid", or "service:permission"
// (e.g. "sso:account:access", "codewhisperer:completions").
var scopeRE = regexp.MustCompile(`^(openid|[a-z0-9_-]+:[a-z0-9_.*:-]+)$`)

var knownGrants = []string{GrantDeviceCode, GrantRefreshToken, GrantAuthorizationCode}

func (s *Server) newClientLocked(now time.Time, name string, scopes, grants, redirects []string) *client {
	c := &client{
		id:           randomToken("", 1),
		secret:       randomToken("eyJ", 3),
		name:         name,
		scopes:       scopes,
		grantTypes:   grants,
		redirectURIs: redirects,
		issuedAt:     now,
		expiresAt:    now.Add(s.cfg.RegistrationTTL),
	}
	s.clients[c.id] = c
	return c
}

func (s *Server) newSessionLocked() *signIn {
	ses := &signIn{}
	s.sessions[randomToken("", 1)] = ses
	return ses
}

func (s *Server) registerClient(w *logWriter, r *http.Request) {
	var in struct {
		ClientName   string   `json:"clientName"`
		ClientType   string   `json:"clientType"`
		Scopes       []string `json:"scopes"`
		GrantTypes   []string `json:"grantTypes"`
		RedirectURIs []string `json:"redirectUris"`
		IssuerURL    string   `json:"issuerUrl"`
	}
	if e := decodeJSON(r, &in); e != nil {
		writeOIDCError(w, e)
		return
	}
	if e := validateRegistration(in.ClientName, in.ClientType, in.Scopes, in.GrantTypes, in.RedirectURIs); e != nil {
		writeOIDCError(w, e)
		return
	}
	s.mu.Lock()
	now := s.now()
	c := s.newClientLocked(now, in.ClientName, slices.Clone(in.Scopes), slices.Clone(in.GrantTypes), slices.Clone(in.RedirectURIs))
	s.mu.Unlock()
	writeJSON(w, map[string]any{
		"clientId":              c.id,
		"clientSecret":          c.secret,
		"clientIdIssuedAt":      c.issuedAt.Unix(),
		"clientSecretExpiresAt": c.expiresAt.Unix(),
	})
}

func validateRegistration(name, typ string, scopes, grants, redirects []string) *oidcError {
	switch {
	case name == "":
		return oerr("InvalidRequestException", "clientName is required")
	case typ == "":
		return oerr("InvalidRequestException", "clientType is required")
	case typ != "public":
		return oerr("InvalidClientMetadataException", "clientType must be public")
	}
	for _, sc := range scopes {
		if !scopeRE.MatchString(sc) {
			return oerr("InvalidScopeException", "invalid scope: "+sc)
		}
	}
	for _, g := range grants {
		if !slices.Contains(knownGrants, g) {
			return oerr("UnsupportedGrantTypeException", "unsupported grant type: "+g)
		}
	}
	for _, ru := range redirects {
		if !validRedirect(ru) {
			return oerr("InvalidRedirectUriException", "invalid redirect URI: "+ru)
		}
	}
	if slices.Contains(grants, GrantAuthorizationCode) && len(redirects) == 0 {
		return oerr("InvalidRequestException", "the authorization_code grant needs redirectUris")
	}
	return nil
}

// validRedirect accepts https URLs and http URLs on a loopback host.
func validRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return isLoopback(u.Hostname())
	}
	return false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redirectMatches reports whether used may be used where registered was
// registered: the same URL, except that a loopback URL registered without
// a port matches any port.
func redirectMatches(registered, used string) bool {
	if registered == used {
		return true
	}
	ru, err1 := url.Parse(registered)
	uu, err2 := url.Parse(used)
	if err1 != nil || err2 != nil {
		return false
	}
	return ru.Port() == "" && isLoopback(ru.Hostname()) &&
		ru.Scheme == uu.Scheme && ru.Hostname() == uu.Hostname() &&
		ru.Path == uu.Path && ru.RawQuery == uu.RawQuery && uu.Fragment == ""
}

// authClientLocked finds a registration and checks its secret and expiry.
func (s *Server) authClientLocked(now time.Time, id, secret string) (*client, *oidcError) {
	c, ok := s.clients[id]
	if !ok {
		return nil, oerr("InvalidClientException", "unknown client")
	}
	if subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		return nil, oerr("InvalidClientException", "wrong client secret")
	}
	if !now.Before(c.expiresAt) {
		return nil, oerr("InvalidClientException", "the client registration has expired")
	}
	return c, nil
}

func (s *Server) startDeviceAuthorization(w *logWriter, r *http.Request) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		StartURL     string `json:"startUrl"`
	}
	if e := decodeJSON(r, &in); e != nil {
		writeOIDCError(w, e)
		return
	}
	if in.ClientID == "" || in.ClientSecret == "" || in.StartURL == "" {
		writeOIDCError(w, oerr("InvalidRequestException", "clientId, clientSecret and startUrl are required"))
		return
	}
	s.mu.Lock()
	now := s.now()
	c, e := s.authClientLocked(now, in.ClientID, in.ClientSecret)
	if e != nil {
		s.mu.Unlock()
		writeOIDCError(w, e)
		return
	}
	if !c.allows(GrantDeviceCode) {
		s.mu.Unlock()
		writeOIDCError(w, oerr("UnauthorizedClientException", "the client is not registered for the device code grant"))
		return
	}
	d := &deviceAuth{
		deviceCode: randomToken("", 3),
		userCode:   s.newUserCodeLocked(),
		clientID:   c.id,
		clientName: c.name,
		startURL:   in.StartURL,
		created:    now,
		expiresAt:  now.Add(s.cfg.DeviceCodeTTL),
		interval:   s.cfg.PollInterval,
	}
	if s.cfg.AutoApprove {
		d.state = deviceApproved
	}
	s.devices[d.deviceCode] = d
	s.userCodes[d.userCode] = d
	s.mu.Unlock()

	base := baseURL(r)
	writeJSON(w, map[string]any{
		"deviceCode":              d.deviceCode,
		"userCode":                d.userCode,
		"verificationUri":         base + "/device",
		"verificationUriComplete": base + "/device?user_code=" + url.QueryEscape(d.userCode),
		"expiresIn":               seconds(s.cfg.DeviceCodeTTL),
		"interval":                seconds(d.interval),
	})
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

// baseURL is the URL the client reached the server at.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// userCodeAlphabet avoids vowels and look-alikes, as real user codes do.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func (s *Server) newUserCodeLocked() string {
	for {
		raw := randomToken("", 1) // 26 base32 characters
		var b strings.Builder
		for i := range 8 {
			if i == 4 {
				b.WriteByte('-')
			}
			b.WriteByte(userCodeAlphabet[int(raw[i])%len(userCodeAlphabet)])
		}
		if _, taken := s.userCodes[b.String()]; !taken {
			return b.String()
		}
	}
}

func (s *Server) decide(userCode string, allow bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.userCodes[strings.ToUpper(strings.TrimSpace(userCode))]
	switch {
	case !ok:
		return errUnknownUserCode
	case !s.now().Before(d.expiresAt):
		return errExpiredUserCode
	case d.state != devicePending:
		return errDecided
	}
	if allow {
		d.state = deviceApproved
	} else {
		d.state = deviceDenied
	}
	return nil
}

// tokenResponse is CreateToken's answer.
type tokenResponse struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int64  `json:"expiresIn"`
	RefreshToken string `json:"refreshToken,omitempty"`
}

// issueLocked issues an access token, and a refresh token if the scopes
// include sso:account:access.
func (s *Server) issueLocked(now time.Time, clientID string, ses *signIn, scopes []string) tokenResponse {
	at := randomToken("aoa", 4)
	s.access[at] = &accessToken{clientID: clientID, session: ses, scopes: scopes, expires: now.Add(s.cfg.TokenTTL)}
	tr := tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: seconds(s.cfg.TokenTTL)}
	if slices.Contains(scopes, ScopeAccountAccess) {
		rt := randomToken("aor", 4)
		s.refresh[rt] = &refreshToken{clientID: clientID, session: ses, scopes: scopes}
		tr.RefreshToken = rt
	}
	return tr
}

func (s *Server) createToken(w *logWriter, r *http.Request) {
	var in struct {
		ClientID     string   `json:"clientId"`
		ClientSecret string   `json:"clientSecret"`
		GrantType    string   `json:"grantType"`
		DeviceCode   string   `json:"deviceCode"`
		Code         string   `json:"code"`
		RefreshToken string   `json:"refreshToken"`
		Scope        []string `json:"scope"`
		RedirectURI  string   `json:"redirectUri"`
		CodeVerifier string   `json:"codeVerifier"`
	}
	if e := decodeJSON(r, &in); e != nil {
		writeOIDCError(w, e)
		return
	}
	w.entry.GrantType = in.GrantType
	tr, e := s.token(in.ClientID, in.ClientSecret, in.GrantType, in.DeviceCode, in.Code, in.RefreshToken, in.Scope, in.RedirectURI, in.CodeVerifier)
	if e != nil {
		writeOIDCError(w, e)
		return
	}
	writeJSON(w, tr)
}

func (s *Server) token(clientID, secret, grant, deviceCode, code, refresh string, scope []string, redirectURI, verifier string) (tokenResponse, *oidcError) {
	if clientID == "" || secret == "" || grant == "" {
		return tokenResponse{}, oerr("InvalidRequestException", "clientId, clientSecret and grantType are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c, e := s.authClientLocked(now, clientID, secret)
	if e != nil {
		return tokenResponse{}, e
	}
	if !slices.Contains(knownGrants, grant) {
		return tokenResponse{}, oerr("UnsupportedGrantTypeException", "unsupported grant type")
	}
	if !c.allows(grant) {
		return tokenResponse{}, oerr("UnauthorizedClientException", "the client is not registered for this grant type")
	}
	for _, sc := range scope {
		if !slices.Contains(c.scopes, sc) {
			return tokenResponse{}, oerr("InvalidScopeException", "scope not registered: "+sc)
		}
	}
	narrow := func(granted []string) []string {
		if len(scope) == 0 {
			return granted
		}
		return slices.DeleteFunc(slices.Clone(granted), func(sc string) bool { return !slices.Contains(scope, sc) })
	}
	switch grant {
	case GrantDeviceCode:
		return s.deviceTokenLocked(now, c, deviceCode, narrow)
	case GrantRefreshToken:
		if refresh == "" {
			return tokenResponse{}, oerr("InvalidRequestException", "refreshToken is required")
		}
		rt, ok := s.refresh[refresh]
		if !ok || rt.used || rt.clientID != c.id || rt.session.loggedOut {
			return tokenResponse{}, oerr("InvalidGrantException", "invalid refresh token")
		}
		rt.used = true // refresh tokens rotate
		return s.issueLocked(now, c.id, rt.session, narrow(rt.scopes)), nil
	default: // GrantAuthorizationCode
		if code == "" || verifier == "" || redirectURI == "" {
			return tokenResponse{}, oerr("InvalidRequestException", "code, codeVerifier and redirectUri are required")
		}
		ac, ok := s.codes[code]
		switch {
		case !ok || ac.used || ac.clientID != c.id:
			return tokenResponse{}, oerr("InvalidGrantException", "invalid authorization code")
		case !now.Before(ac.expiresAt):
			return tokenResponse{}, oerr("InvalidGrantException", "the authorization code has expired")
		case ac.redirectURI != redirectURI:
			return tokenResponse{}, oerr("InvalidGrantException", "redirectUri differs from the one used to authorize")
		case !pkceMatches(verifier, ac.challenge):
			return tokenResponse{}, oerr("InvalidGrantException", "codeVerifier does not match the code challenge")
		}
		ac.used = true
		return s.issueLocked(now, c.id, s.newSessionLocked(), narrow(ac.scopes)), nil
	}
}

func (s *Server) deviceTokenLocked(now time.Time, c *client, deviceCode string, narrow func([]string) []string) (tokenResponse, *oidcError) {
	if deviceCode == "" {
		return tokenResponse{}, oerr("InvalidRequestException", "deviceCode is required")
	}
	d, ok := s.devices[deviceCode]
	if !ok || d.clientID != c.id || d.state == deviceUsed {
		return tokenResponse{}, oerr("InvalidGrantException", "invalid device code")
	}
	if !now.Before(d.expiresAt) {
		return tokenResponse{}, oerr("ExpiredTokenException", "the device code has expired")
	}
	last := d.lastPoll
	d.lastPoll = now
	if !last.IsZero() && now.Sub(last) < d.interval {
		d.interval += 5 * time.Second
		return tokenResponse{}, oerr("SlowDownException", "polling too fast")
	}
	switch d.state {
	case devicePending:
		return tokenResponse{}, oerr("AuthorizationPendingException", "authorization pending")
	case deviceDenied:
		return tokenResponse{}, oerr("AccessDeniedException", "the user denied the request")
	}
	d.state = deviceUsed
	return s.issueLocked(now, c.id, s.newSessionLocked(), narrow(c.scopes)), nil
}

// pkceMatches checks an S256 code challenge.
func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// PKCEChallenge returns the S256 code challenge of a verifier:
// base64url(sha256(verifier)) without padding.
func PKCEChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizePage answers GET /authorize: a consent page, an error page for a
// request that cannot be redirected, or a redirect with an error.
func (s *Server) authorizePage(w *logWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI, state := q.Get("client_id"), q.Get("redirect_uri"), q.Get("state")
	s.mu.Lock()
	now := s.now()
	c, ok := s.clients[clientID]
	var problem string
	switch {
	case clientID == "" || redirectURI == "":
		problem = "client_id and redirect_uri are required"
	case !ok || !now.Before(c.expiresAt):
		problem = "unknown or expired client"
	case !slices.ContainsFunc(c.redirectURIs, func(reg string) bool { return redirectMatches(reg, redirectURI) }):
		problem = "redirect_uri is not registered for this client"
	}
	if problem != "" {
		s.mu.Unlock()
		// Never redirect to a URI that is not the client's.
		w.entry.ErrorCode = "invalid_request"
		s.pages.error(w, http.StatusBadRequest, problem)
		return
	}
	scopes := splitScopes(q.Get("scopes"))
	var oauthErr string
	switch {
	case q.Get("response_type") != "code":
		oauthErr = "unsupported_response_type"
	case !c.allows(GrantAuthorizationCode):
		oauthErr = "unauthorized_client"
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		oauthErr = "invalid_request"
	case slices.ContainsFunc(scopes, func(sc string) bool { return !slices.Contains(c.scopes, sc) }):
		oauthErr = "invalid_scope"
	}
	if oauthErr != "" {
		s.mu.Unlock()
		redirectWith(w, r, redirectURI, url.Values{"error": {oauthErr}}, state)
		return
	}
	if len(scopes) == 0 {
		scopes = slices.Clone(c.scopes)
	}
	cs := &consent{
		id:          randomToken("", 1),
		clientID:    c.id,
		clientName:  c.name,
		redirectURI: redirectURI,
		state:       state,
		challenge:   q.Get("code_challenge"),
		scopes:      scopes,
		expiresAt:   now.Add(s.cfg.DeviceCodeTTL),
	}
	if s.cfg.AutoApprove {
		code := s.newCodeLocked(now, cs)
		s.mu.Unlock()
		redirectWith(w, r, redirectURI, url.Values{"code": {code}}, state)
		return
	}
	s.consents[cs.id] = cs
	s.mu.Unlock()
	s.pages.consent(w, cs)
}

func (s *Server) newCodeLocked(now time.Time, cs *consent) string {
	code := randomToken("", 2)
	s.codes[code] = &authCode{
		clientID:    cs.clientID,
		redirectURI: cs.redirectURI,
		challenge:   cs.challenge,
		scopes:      cs.scopes,
		expiresAt:   now.Add(5 * time.Minute),
	}
	return code
}

// splitScopes splits the scopes parameter, space or comma separated.
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}

// authorizeDecision answers the consent page's form: 302 to the redirect
// URI with a code (Allow) or error=access_denied (Deny).
func (s *Server) authorizeDecision(w *logWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.pages.error(w, http.StatusBadRequest, "cannot read the form")
		return
	}
	s.mu.Lock()
	now := s.now()
	cs, ok := s.consents[r.PostForm.Get("request")]
	if ok {
		delete(s.consents, cs.id)
	}
	if !ok || !now.Before(cs.expiresAt) {
		s.mu.Unlock()
		w.entry.ErrorCode = "invalid_request"
		s.pages.error(w, http.StatusBadRequest, "unknown or expired authorization request")
		return
	}
	if r.PostForm.Get("action") == "deny" {
		s.mu.Unlock()
		redirectWith(w, r, cs.redirectURI, url.Values{"error": {"access_denied"}}, cs.state)
		return
	}
	code := s.newCodeLocked(now, cs)
	s.mu.Unlock()
	redirectWith(w, r, cs.redirectURI, url.Values{"code": {code}}, cs.state)
}

// redirectWith answers 302 to target with params (and state, if any) added
// to its query.
func redirectWith(w *logWriter, r *http.Request, target string, params url.Values, state string) {
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "bad redirect URI", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	w.entry.ErrorCode = params.Get("error")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// devicePage answers GET /device: the approval page for a user code, or a
// form to type one in.
func (s *Server) devicePage(w *logWriter, r *http.Request) {
	code := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("user_code")))
	if code == "" {
		s.pages.device(w, nil)
		return
	}
	s.mu.Lock()
	d, ok := s.userCodes[code]
	var view *deviceView
	if ok {
		view = &deviceView{UserCode: d.userCode, ClientName: d.clientName, StartURL: d.startURL}
		if !s.now().Before(d.expiresAt) {
			ok = false
		}
	}
	s.mu.Unlock()
	if !ok {
		s.pages.error(w, http.StatusNotFound, "unknown or expired code "+code)
		return
	}
	s.pages.device(w, view)
}

// deviceDecision answers POST /device: user_code, action=allow (the
// default) or action=deny.
func (s *Server) deviceDecision(w *logWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.pages.error(w, http.StatusBadRequest, "cannot read the form")
		return
	}
	allow := r.PostForm.Get("action") != "deny"
	err := s.decide(r.PostForm.Get("user_code"), allow)
	switch {
	case errors.Is(err, errUnknownUserCode):
		s.pages.error(w, http.StatusNotFound, "unknown code")
	case err != nil:
		s.pages.error(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "fakesso: "))
	default:
		s.pages.done(w, allow)
	}
}
