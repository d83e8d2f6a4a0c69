package server

import (
	"crypto/subtle"
	"encoding/hex"
	"net/http"
)

// ECS answers the AWS SDKs' container credentials requests
// (AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN);
// see the package doc for the contract.
type ECS struct {
	port  string
	path  string
	url   string
	token []byte
	cache *cache
}

var _ http.Handler = (*ECS)(nil)

// ecsResponse is the container credentials document.
type ecsResponse struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	RoleArn         string `json:"RoleArn"`
}

// ecsError is an error document, as the ECS agent writes them and the AWS
// SDK for Go reads them.
type ecsError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// NewECS returns the handler of a container credentials server that will
// be reached at addr (127.0.0.1:PORT, from [Listen]), serving src's
// credentials. Its path and token are random.
func NewECS(addr string, src Source, opts ...Option) (*ECS, error) {
	port, err := loopbackPort(addr)
	if err != nil {
		return nil, err
	}
	path := "/creds/" + hex.EncodeToString(randomBytes(16))
	return &ECS{
		port:  port,
		path:  path,
		url:   "http://" + addr + path,
		token: []byte(hex.EncodeToString(randomBytes(32))),
		cache: newCache(src, newConfig(opts)),
	}, nil
}

// URL is the value of AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (e *ECS) URL() string { return e.url }

// Token is the value of AWS_CONTAINER_AUTHORIZATION_TOKEN.
func (e *ECS) Token() string { return string(e.token) }

// ServeHTTP answers one request; see the package doc.
func (e *ECS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.Header.Values("X-Forwarded-For")) > 0 || !hostAllowed(r.Host, e.port) {
		writeJSON(w, http.StatusForbidden, ecsError{"Forbidden", "this server only answers requests made directly to 127.0.0.1 or localhost"})
		return
	}
	auth := r.Header.Values("Authorization")
	if len(auth) != 1 || subtle.ConstantTimeCompare([]byte(auth[0]), e.token) != 1 {
		writeJSON(w, http.StatusUnauthorized, ecsError{"Unauthorized", "a valid Authorization header (AWS_CONTAINER_AUTHORIZATION_TOKEN) is required"})
		return
	}
	if r.URL.Path != e.path || r.URL.RawPath != "" {
		writeJSON(w, http.StatusNotFound, ecsError{"NotFound", "no such path: use AWS_CONTAINER_CREDENTIALS_FULL_URI"})
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, ecsError{"MethodNotAllowed", "use GET"})
		return
	}
	res, _, err := e.cache.get(r.Context(), fetchContext(r))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, ecsError{"CredentialsUnavailable", unavailableMessage})
		return
	}
	writeJSON(w, http.StatusOK, ecsResponse{
		AccessKeyID:     res.AccessKeyID,
		SecretAccessKey: res.SecretAccessKey,
		Token:           res.SessionToken,
		Expiration:      expiration(res, e.cache.now()),
	})
}
