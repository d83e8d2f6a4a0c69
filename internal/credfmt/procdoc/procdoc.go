// Package procdoc writes the credential_process document (version 1), the
// JSON that `sesame export --format json` prints. It links no AWS SDK, so
// that sesame's small front program (internal/front) prints byte for byte
// what the full program prints.
package procdoc

import (
	"encoding/json"
	"time"
)

// Document is the credential_process document (version 1).
type Document struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

// Expiration is when credentials that expire at t do, in RFC 3339 (UTC,
// whole seconds); "" when they do not expire (zero t).
func Expiration(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// Marshal is the document for the key pair, session token (may be "") and
// expiry (zero: none), indented, with a final newline.
func Marshal(id, secret, token string, expires time.Time) ([]byte, error) {
	out, err := json.MarshalIndent(Document{Version: 1, AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expiration: Expiration(expires)}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
