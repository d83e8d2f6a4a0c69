package signin

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Proof is a DPoP proof (RFC 9449, the subset AWS Sign-In uses) for a POST
// to htu at time now, signed with key: a compact JWS with header
// {"typ":"dpop+jwt","alg":"ES256","jwk":{...}}, payload {htm, htu, iat,
// jti} and a raw r||s signature.
func Proof(key *ecdsa.PrivateKey, htu string, now time.Time) (string, error) {
	if key == nil || key.X == nil || key.X.BitLen() > 256 || key.Y.BitLen() > 256 {
		return "", fmt.Errorf("cannot make a DPoP proof: the key is not a P-256 key")
	}
	enc := base64.RawURLEncoding
	x, y := make([]byte, 32), make([]byte, 32)
	key.X.FillBytes(x)
	key.Y.FillBytes(y)
	header, err := json.Marshal(map[string]any{
		"typ": "dpop+jwt", "alg": "ES256",
		"jwk": map[string]string{"kty": "EC", "crv": "P-256", "x": enc.EncodeToString(x), "y": enc.EncodeToString(y)},
	})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(map[string]any{"htm": "POST", "htu": htu, "iat": now.Unix(), "jti": uuid4()})
	if err != nil {
		return "", err
	}
	msg := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", fmt.Errorf("cannot sign the DPoP proof: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + enc.EncodeToString(sig), nil
}

// uuid4 is a random RFC 4122 version 4 UUID.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// dpopMiddleware adds a fresh proof to every attempt of a request (each
// retry gets its own jti), for the URL the request is really sent to.
type dpopMiddleware struct {
	key *ecdsa.PrivateKey
	now func() time.Time
}

func (*dpopMiddleware) ID() string { return "sesameDPoP" }

func (m *dpopMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("dpop: unexpected transport %T", in.Request)
	}
	u := *req.URL
	u.RawQuery, u.Fragment = "", ""
	p, err := Proof(m.key, u.String(), m.now())
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	req.Header.Set("DPoP", p)
	return next.HandleFinalize(ctx, in)
}
