package signin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// GenerateKey makes a new DPoP key: ECDSA on P-256, as AWS Sign-In requires.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cannot make a DPoP key: %w", err)
	}
	return k, nil
}

// EncodeKey is the key as a SEC1 PEM ("EC PRIVATE KEY"), the form the AWS
// CLI writes and the only one the Go SDK reads.
func EncodeKey(k *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("cannot encode the DPoP key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

// Errors of ParseKey. They never include the key.
var (
	ErrKeyNotPEM   = errors.New("the DPoP key is not a PEM block")
	ErrKeyNotSEC1  = errors.New("the DPoP key is not a SEC1 EC private key (-----BEGIN EC PRIVATE KEY-----)")
	ErrKeyNotP256  = errors.New("the DPoP key is not on the P-256 curve")
	errKeyTrailing = errors.New("the DPoP key has data after its PEM block")
)

// ParseKey reads a SEC1 PEM P-256 private key.
func ParseKey(s string) (*ecdsa.PrivateKey, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, ErrKeyNotPEM
	}
	if len(trimSpace(rest)) != 0 {
		return nil, errKeyTrailing
	}
	if block.Type != "EC PRIVATE KEY" {
		return nil, ErrKeyNotSEC1
	}
	k, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, ErrKeyNotSEC1
	}
	if k.Curve != elliptic.P256() {
		return nil, ErrKeyNotP256
	}
	return k, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
