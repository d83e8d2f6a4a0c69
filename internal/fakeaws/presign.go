package fakeaws

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
	"strings"
)

// DecodeEKSToken returns the presigned URL inside an EKS bearer token
// ("k8s-aws-v1." and the unpadded base64url of the URL), as the EKS
// authenticator decodes it. It is written apart from internal/eks, so that
// tests check that package against a second reading of the format.
func DecodeEKSToken(token string) (*url.URL, error) {
	rest, ok := strings.CutPrefix(token, "k8s-aws-v1.")
	if !ok {
		return nil, errors.New("no k8s-aws-v1. prefix")
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, err
	}
	return url.Parse(string(b))
}

// VerifyPresigned reports whether the SigV4 query signature of the
// presigned GET u (no body) holds for secret and the headers given
// (lower-case names; every name in X-Amz-SignedHeaders must be given).
// It is a SigV4 computation of its own, not the AWS SDK's.
func VerifyPresigned(u *url.URL, secret string, headers map[string]string) bool {
	q := u.Query()
	sig := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	scope := strings.Split(q.Get("X-Amz-Credential"), "/") // AKID/date/region/service/aws4_request
	if sig == "" || len(scope) != 5 {
		return false
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var query []string
	for _, k := range keys {
		query = append(query, sigv4Escape(k)+"="+sigv4Escape(q.Get(k)))
	}
	var canonHeaders strings.Builder
	for _, n := range strings.Split(q.Get("X-Amz-SignedHeaders"), ";") {
		v, ok := headers[n]
		if !ok {
			return false
		}
		canonHeaders.WriteString(n + ":" + strings.TrimSpace(v) + "\n")
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	empty := sha256.Sum256(nil)
	canonical := strings.Join([]string{"GET", path, strings.Join(query, "&"), canonHeaders.String(),
		q.Get("X-Amz-SignedHeaders"), hex.EncodeToString(empty[:])}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	credScope := strings.Join(scope[1:], "/")
	toSign := strings.Join([]string{"AWS4-HMAC-SHA256", q.Get("X-Amz-Date"), credScope, hex.EncodeToString(sum[:])}, "\n")
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), scope[1])
	k = mac(k, scope[2])
	k = mac(k, scope[3])
	k = mac(k, scope[4])
	return hmac.Equal([]byte(hex.EncodeToString(mac(k, toSign))), []byte(sig))
}

// sigv4Escape is SigV4's URI encoding: all but A-Z a-z 0-9 - _ . ~.
func sigv4Escape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}
