package fakesignin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const maxBody = 1 << 20

const pageTemplates = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} - fake AWS Sign-In</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}code{font-size:1.2em;word-break:break-all}button{font-size:1.1em;margin-right:1em}</style>
</head><body><h1>{{.Title}}</h1>{{end}}

{{define "authorize"}}{{template "head" .}}
<p>Allow <strong>{{.Client}}</strong> to use your console session as <code>{{.Principal}}</code> for local development?</p>
<form method="post" action="/v1/authorize">
<input type="hidden" name="request" value="{{.Request}}">
<button type="submit" name="action" value="approve" id="approve">Approve</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
</form></body></html>{{end}}

{{define "confirmation"}}{{template "head" .}}
<p>Paste this code into the terminal where you started the sign-in:</p>
<p><code id="verification-code">{{.Code}}</code></p>
</body></html>{{end}}

{{define "message"}}{{template "head" .}}
<p id="message">{{.Message}}</p>
</body></html>{{end}}
`

var pages = template.Must(template.New("pages").Parse(pageTemplates))

type pageData struct {
	Title, Message, Client, Principal, Request, Code string
}

func render(w http.ResponseWriter, status int, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, d)
}

// confirmationPath is the cross-device redirect URI's path.
const confirmationPath = "/v1/sessions/confirmation"

// validRedirect reports whether uri is a redirect the client may use: the
// loopback callback for same-device, this server's confirmation page for
// cross-device.
func validRedirect(clientID, uri string, r *http.Request) bool {
	u, err := url.Parse(uri)
	if err != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	switch clientID {
	case ClientSameDevice:
		host := u.Hostname()
		ip := net.ParseIP(host)
		return u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())) && u.Port() != "" && u.Path == "/oauth/callback"
	case ClientCrossDevice:
		return u.Path == confirmationPath && u.Host == r.Host
	}
	return false
}

func (s *Server) authorizePage(w *logWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirect, state := q.Get("client_id"), q.Get("redirect_uri"), q.Get("state")
	w.entry.ClientID = clientID
	problem := ""
	switch {
	case clientID != ClientSameDevice && clientID != ClientCrossDevice:
		problem = "unknown client_id"
	case !validRedirect(clientID, redirect, r):
		problem = "redirect_uri is not allowed for this client"
	case q.Get("response_type") != "code":
		problem = "response_type must be code"
	case q.Get("code_challenge_method") != "SHA-256":
		problem = "code_challenge_method must be SHA-256"
	case q.Get("code_challenge") == "":
		problem = "code_challenge is required"
	case state == "":
		problem = "state is required"
	case q.Get("scope") != "openid":
		problem = "scope must be openid"
	}
	if problem != "" {
		w.entry.ErrorCode = ErrInvalidRequest
		render(w, http.StatusBadRequest, "message", pageData{Title: "Error", Message: problem})
		return
	}
	p := &pending{clientID: clientID, redirectURI: redirect, state: state, challenge: q.Get("code_challenge")}
	s.mu.Lock()
	now := s.now()
	p.expiresAt = now.Add(10 * time.Minute)
	if s.cfg.AutoApprove {
		code := s.newCodeLocked(now, p)
		s.mu.Unlock()
		redirectTo(w, r, p, url.Values{"code": {code}})
		return
	}
	id := randomToken("", 1)
	s.pendings[id] = p
	s.mu.Unlock()
	render(w, http.StatusOK, "authorize", pageData{Title: "Sign in for local development", Client: clientID, Principal: s.SessionARN(), Request: id})
}

func (s *Server) newCodeLocked(now time.Time, p *pending) string {
	code := randomToken("fsc-", 2)
	s.codes[code] = &authCode{clientID: p.clientID, redirectURI: p.redirectURI, challenge: p.challenge, expiresAt: now.Add(s.cfg.CodeTTL)}
	return code
}

func redirectTo(w *logWriter, r *http.Request, p *pending, v url.Values) {
	v.Set("state", p.state)
	http.Redirect(w, r, p.redirectURI+"?"+v.Encode(), http.StatusFound)
}

func (s *Server) authorizeDecision(w *logWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		render(w, http.StatusBadRequest, "message", pageData{Title: "Error", Message: "bad form"})
		return
	}
	s.mu.Lock()
	id := r.PostForm.Get("request")
	p, ok := s.pendings[id]
	delete(s.pendings, id)
	now := s.now()
	if !ok || !now.Before(p.expiresAt) {
		s.mu.Unlock()
		w.entry.ErrorCode = ErrInvalidRequest
		render(w, http.StatusBadRequest, "message", pageData{Title: "Error", Message: "unknown or expired sign-in request"})
		return
	}
	w.entry.ClientID = p.clientID
	if r.PostForm.Get("action") == "deny" {
		s.mu.Unlock()
		w.entry.ErrorCode = "access_denied"
		redirectTo(w, r, p, url.Values{"error": {"access_denied"}})
		return
	}
	code := s.newCodeLocked(now, p)
	s.mu.Unlock()
	redirectTo(w, r, p, url.Values{"code": {code}})
}

// confirmation shows the code a person pastes into the terminal for the
// cross-device flow: standard base64 of "state=S&code=C".
func (s *Server) confirmation(w *logWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		render(w, http.StatusOK, "message", pageData{Title: "Sign-in cancelled", Message: "The sign-in was denied (" + e + "). You can close this window."})
		return
	}
	if q.Get("code") == "" || q.Get("state") == "" {
		render(w, http.StatusBadRequest, "message", pageData{Title: "Error", Message: "code and state are required"})
		return
	}
	raw := "state=" + q.Get("state") + "&code=" + q.Get("code")
	render(w, http.StatusOK, "confirmation", pageData{Title: "Sign-in approved", Code: base64.StdEncoding.EncodeToString([]byte(raw))})
}

// tokenRequest is CreateOAuth2Token's body.
type tokenRequest struct {
	ClientID     string `json:"clientId"`
	GrantType    string `json:"grantType"`
	Code         string `json:"code"`
	CodeVerifier string `json:"codeVerifier"`
	RedirectURI  string `json:"redirectUri"`
	RefreshToken string `json:"refreshToken"`
}

func (s *Server) token(w *logWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeAPIError(w, fail(ErrInvalidRequest, "cannot read the body"))
		return
	}
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeAPIError(w, fail(ErrInvalidRequest, "the body is not a JSON object"))
		return
	}
	w.entry.ClientID, w.entry.GrantType = req.ClientID, req.GrantType
	s.mu.Lock()
	if len(s.failNext) > 0 {
		code := s.failNext[0]
		s.failNext = s.failNext[1:]
		s.mu.Unlock()
		writeAPIError(w, fail(code, "injected failure"))
		return
	}
	noPerm := s.noPerm
	s.mu.Unlock()
	if noPerm {
		writeAPIError(w, fail(ErrInsufficientPermissions, "User is not authorized to perform: signin:CreateOAuth2Token"))
		return
	}
	if req.ClientID != ClientSameDevice && req.ClientID != ClientCrossDevice {
		writeAPIError(w, fail(ErrInvalidRequest, "unknown clientId"))
		return
	}
	htu := "http://" + r.Host + r.URL.Path
	if r.TLS != nil {
		htu = "https://" + r.Host + r.URL.Path
	}
	jkt, apiErr := s.checkProof(r.Header.Values("DPoP"), htu)
	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}
	var ses *session
	issueID := false
	switch req.GrantType {
	case GrantAuthorizationCode:
		ses, apiErr = s.redeemCode(req)
		issueID = true
	case GrantRefreshToken:
		ses, apiErr = s.redeemRefresh(req, jkt)
	default:
		apiErr = fail(ErrInvalidRequest, "unsupported grantType")
	}
	if apiErr != nil {
		writeAPIError(w, apiErr)
		return
	}
	creds, err := s.mint(r.Context())
	if err != nil {
		writeAPIError(w, fail(ErrInternal, "cannot mint credentials"))
		return
	}
	s.mu.Lock()
	now := s.now()
	rt := s.newRefreshLocked(ses, jkt)
	s.mu.Unlock()
	out := map[string]any{
		"accessToken":  creds,
		"tokenType":    "aws_sigv4",
		"expiresIn":    int((s.tokenTTL() + time.Second - 1) / time.Second),
		"refreshToken": rt,
	}
	if issueID {
		out["idToken"] = s.idToken(now)
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (s *Server) redeemCode(req tokenRequest) (*session, *apiError) {
	if req.Code == "" || req.CodeVerifier == "" || req.RedirectURI == "" {
		return nil, fail(ErrInvalidRequest, "code, codeVerifier and redirectUri are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c, ok := s.codes[req.Code]
	switch {
	case !ok:
		return nil, fail(ErrInvalidRequest, "unknown authorization code")
	case c.used || !now.Before(c.expiresAt):
		return nil, fail(ErrAuthcodeExpired, "the authorization code has expired or was used")
	case c.clientID != req.ClientID:
		return nil, fail(ErrInvalidRequest, "the code was issued to another client")
	case c.redirectURI != req.RedirectURI:
		return nil, fail(ErrInvalidRequest, "redirectUri does not match the authorization request")
	}
	sum := sha256.Sum256([]byte(req.CodeVerifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.challenge)) != 1 {
		return nil, fail(ErrInvalidRequest, "codeVerifier does not match the code challenge")
	}
	c.used = true
	ses := &session{started: now}
	s.sessions = append(s.sessions, ses)
	return ses, nil
}

func (s *Server) redeemRefresh(req tokenRequest, jkt string) (*session, *apiError) {
	if req.RefreshToken == "" {
		return nil, fail(ErrInvalidRequest, "refreshToken is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[req.RefreshToken]
	switch {
	case !ok:
		return nil, fail(ErrTokenExpired, "the refresh token is not valid")
	case rt.jkt != jkt:
		return nil, fail(ErrInvalidRequest, "the DPoP key is not the one the refresh token is bound to")
	case rt.used:
		return nil, fail(ErrTokenExpired, "the refresh token was already used")
	case rt.ses.changed:
		return nil, fail(ErrUserCredentialsChanged, "the user's credentials changed since the sign-in")
	case !s.now().Before(rt.ses.started.Add(s.cfg.SessionTTL)):
		return nil, fail(ErrTokenExpired, "the session has expired")
	}
	rt.used = true
	return rt.ses, nil
}

// checkProof verifies a DPoP proof for a POST to htu and returns the
// thumbprint of its key.
func (s *Server) checkProof(values []string, htu string) (string, *apiError) {
	bad := func(why string) (string, *apiError) { return "", fail(ErrInvalidRequest, "invalid DPoP proof: "+why) }
	if len(values) != 1 || values[0] == "" {
		return bad("exactly one DPoP header is required")
	}
	parts := strings.Split(values[0], ".")
	if len(parts) != 3 {
		return bad("not a compact JWS")
	}
	enc := base64.RawURLEncoding
	hb, err1 := enc.DecodeString(parts[0])
	pb, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return bad("not base64url")
	}
	var hdr struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		JWK struct {
			Kty string `json:"kty"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
			D   string `json:"d"`
		} `json:"jwk"`
	}
	var pl struct {
		Htm string  `json:"htm"`
		Htu string  `json:"htu"`
		Iat float64 `json:"iat"`
		Jti string  `json:"jti"`
	}
	if json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(pb, &pl) != nil {
		return bad("header or payload is not JSON")
	}
	if hdr.Typ != "dpop+jwt" || hdr.Alg != "ES256" || hdr.JWK.Kty != "EC" || hdr.JWK.Crv != "P-256" || hdr.JWK.D != "" {
		return bad("header must have typ dpop+jwt, alg ES256 and a public EC P-256 jwk")
	}
	xb, err1 := enc.DecodeString(hdr.JWK.X)
	yb, err2 := enc.DecodeString(hdr.JWK.Y)
	if err1 != nil || err2 != nil || len(xb) > 32 || len(yb) > 32 {
		return bad("bad jwk coordinates")
	}
	// Coordinates may come unpadded (the Go SDK writes big.Int bytes).
	point := make([]byte, 65)
	point[0] = 4
	copy(point[33-len(xb):33], xb)
	copy(point[65-len(yb):], yb)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return bad("jwk is not a point on P-256")
	}
	if len(sig) != 64 {
		return bad("signature is not 64 bytes r||s")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return bad("signature does not verify")
	}
	if pl.Htm != http.MethodPost {
		return bad("htm must be POST")
	}
	if pl.Htu != htu {
		return bad("htu must be " + htu)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	iat := time.Unix(int64(pl.Iat), 0)
	if d := now.Sub(iat); d > s.cfg.ProofWindow || d < -s.cfg.ProofWindow {
		return bad("iat is too far from the server's clock")
	}
	if pl.Jti == "" {
		return bad("jti is required")
	}
	for j, exp := range s.jtis {
		if !now.Before(exp) {
			delete(s.jtis, j)
		}
	}
	if _, seen := s.jtis[pl.Jti]; seen {
		return bad("jti was used before (replay)")
	}
	s.jtis[pl.Jti] = now.Add(2 * s.cfg.ProofWindow)
	return Thumbprint(pub), nil
}
