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
// expiry (zero: none), indented, with a final newline: the bytes of
// json.MarshalIndent(Document, "", "  ") and a newline. Values of
// printable ASCII, which credentials are, are written out directly:
// encoding/json's reflection costs a third of a warm credential_process
// run of the front program. Anything else goes through encoding/json.
func Marshal(id, secret, token string, expires time.Time) ([]byte, error) {
	doc := Document{Version: 1, AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expiration: Expiration(expires)}
	if !plain(id) || !plain(secret) || !plain(token) {
		out, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(out, '\n'), nil
	}
	b := make([]byte, 0, 160+len(id)+len(secret)+len(token))
	b = append(b, "{\n  \"Version\": 1,\n  \"AccessKeyId\": "...)
	b = appendString(b, id)
	b = append(b, ",\n  \"SecretAccessKey\": "...)
	b = appendString(b, secret)
	if token != "" {
		b = append(b, ",\n  \"SessionToken\": "...)
		b = appendString(b, token)
	}
	if doc.Expiration != "" {
		b = append(b, ",\n  \"Expiration\": "...)
		b = appendString(b, doc.Expiration)
	}
	return append(b, "\n}\n"...), nil
}

// plain reports whether s is printable ASCII.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// appendString appends printable-ASCII s as encoding/json writes it:
// quoted, with " and \ escaped, and <, > and & as \u003c, \u003e, \u0026.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '<':
			b = append(b, `\u003c`...)
		case '>':
			b = append(b, `\u003e`...)
		case '&':
			b = append(b, `\u0026`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
