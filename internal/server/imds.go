package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// IMDS answers the AWS SDKs' EC2 instance metadata (IMDSv2) credentials
// requests (AWS_EC2_METADATA_SERVICE_ENDPOINT); see the package doc for
// the contract. Other metadata paths are answered 404, which the SDKs take
// as "not known here" (botocore asks for
// placement/availability-zone/ only when no region is configured).
type IMDS struct {
	port  string
	url   string
	role  string
	key   []byte // signs session tokens
	cache *cache
}

var _ http.Handler = (*IMDS)(nil)

// IMDS paths and headers.
const (
	imdsTokenPath   = "/latest/api/token"
	imdsCredsPath   = "/latest/meta-data/iam/security-credentials/"
	imdsTTLHeader   = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	imdsTokenHeader = "X-Aws-Ec2-Metadata-Token"
	// MaxTokenTTL is the longest session token IMDS hands out.
	maxTokenTTL = 21600
)

// imdsResponse is the instance role credentials document.
type imdsResponse struct {
	Code            string `json:"Code"`
	LastUpdated     string `json:"LastUpdated"`
	Type            string `json:"Type"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

// imdsError is an error document.
type imdsError struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// NewIMDS returns the handler of an IMDSv2 server that will be reached at
// addr (127.0.0.1:PORT, from [Listen]), serving src's credentials as the
// instance role named role (made a valid role name by [RoleName]).
func NewIMDS(addr, role string, src Source, opts ...Option) (*IMDS, error) {
	port, err := loopbackPort(addr)
	if err != nil {
		return nil, err
	}
	return &IMDS{
		port:  port,
		url:   "http://" + addr + "/",
		role:  RoleName(role),
		key:   randomBytes(32),
		cache: newCache(src, newConfig(opts)),
	}, nil
}

// URL is the value of AWS_EC2_METADATA_SERVICE_ENDPOINT.
func (m *IMDS) URL() string { return m.url }

// Role is the role name the server answers with.
func (m *IMDS) Role() string { return m.role }

// RoleName makes name a valid IAM role name, as IMDS answers one: each
// character outside [A-Za-z0-9+=,.@_-] becomes '-', and the result is cut
// to 64 characters; "" becomes "sesame".
func RoleName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() == 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("+=,.@_-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "sesame"
	}
	return b.String()
}

// ServeHTTP answers one request; see the package doc.
func (m *IMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.Header.Values("X-Forwarded-For")) > 0 || !hostAllowed(r.Host, m.port) {
		writeText(w, http.StatusForbidden, "Forbidden\n")
		return
	}
	if r.URL.Path == imdsTokenPath && r.URL.RawPath == "" {
		m.serveToken(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed\n")
		return
	}
	tok := r.Header.Values(imdsTokenHeader)
	if len(tok) != 1 || !m.validToken(tok[0]) {
		writeText(w, http.StatusUnauthorized, "Unauthorized\n")
		return
	}
	switch {
	case r.URL.RawPath != "":
		writeText(w, http.StatusNotFound, "Not Found\n")
	case r.URL.Path == imdsCredsPath || r.URL.Path+"/" == imdsCredsPath:
		writeText(w, http.StatusOK, m.role)
	case r.URL.Path == imdsCredsPath+m.role || r.URL.Path == imdsCredsPath+m.role+"/":
		m.serveCreds(w, r)
	default:
		writeText(w, http.StatusNotFound, "Not Found\n")
	}
}

// serveToken answers PUT /latest/api/token.
func (m *IMDS) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed\n")
		return
	}
	v := r.Header.Values(imdsTTLHeader)
	ttl, ok := 0, len(v) == 1 && len(v[0]) <= 5 && strings.Trim(v[0], "0123456789") == ""
	if ok {
		ttl, _ = strconv.Atoi(v[0])
		ok = ttl >= 1 && ttl <= maxTokenTTL
	}
	if !ok {
		writeText(w, http.StatusBadRequest, "x-aws-ec2-metadata-token-ttl-seconds must be a number of seconds from 1 to 21600\n")
		return
	}
	w.Header().Set(imdsTTLHeader, strconv.Itoa(ttl))
	writeText(w, http.StatusOK, m.newToken(m.cache.now().Add(time.Duration(ttl)*time.Second)))
}

// serveCreds answers the role's credentials.
func (m *IMDS) serveCreds(w http.ResponseWriter, r *http.Request) {
	res, fetched, err := m.cache.get(r.Context(), fetchContext(r))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, imdsError{"CredentialsUnavailable", unavailableMessage})
		return
	}
	writeJSON(w, http.StatusOK, imdsResponse{
		Code:            "Success",
		LastUpdated:     fetched.UTC().Format(timeFormat),
		Type:            "AWS-HMAC",
		AccessKeyID:     res.AccessKeyID,
		SecretAccessKey: res.SecretAccessKey,
		Token:           res.SessionToken,
		Expiration:      expiration(res, m.cache.now()),
	})
}

// Session tokens carry their own expiry: base64url(nonce ‖ expiry ‖
// HMAC-SHA256(key, nonce ‖ expiry)), so that the server keeps no list of
// them, however many are asked for.
const (
	tokenNonceLen = 16
	tokenTimeLen  = 8
	tokenMACLen   = sha256.Size
	tokenLen      = tokenNonceLen + tokenTimeLen + tokenMACLen
)

// newToken returns a session token valid until expires.
func (m *IMDS) newToken(expires time.Time) string {
	b := make([]byte, tokenNonceLen, tokenLen)
	copy(b, randomBytes(tokenNonceLen))
	b = binary.BigEndian.AppendUint64(b, uint64(expires.UnixNano()))
	mac := hmac.New(sha256.New, m.key)
	mac.Write(b)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(b))
}

// validToken reports whether tok is a session token of this server that
// has not expired.
func (m *IMDS) validToken(tok string) bool {
	if base64.RawURLEncoding.DecodedLen(len(tok)) != tokenLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil || len(b) != tokenLen {
		return false
	}
	mac := hmac.New(sha256.New, m.key)
	mac.Write(b[:tokenNonceLen+tokenTimeLen])
	if !hmac.Equal(mac.Sum(nil), b[tokenNonceLen+tokenTimeLen:]) {
		return false
	}
	expires := int64(binary.BigEndian.Uint64(b[tokenNonceLen:]))
	return m.cache.now().UnixNano() < expires
}
