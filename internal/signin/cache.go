package signin

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// Token is one AWS Sign-In session's state: the current credentials, the
// refresh token and the DPoP key it is bound to. It is a secret as a whole.
type Token struct {
	// AccessKeyID, SecretAccessKey and SessionToken are the current
	// credentials.
	AccessKeyID, SecretAccessKey, SessionToken string
	// AccountID is the session's account.
	AccountID string
	// Expires is when the credentials expire.
	Expires time.Time
	// ClientID is the client the session was made for (same-device or
	// cross-device); refreshes must use the same.
	ClientID string
	// RefreshToken rotates on every refresh.
	RefreshToken string
	// IDToken is the sign-in's OpenID token (empty after a refresh made by
	// the Go SDK, which drops it).
	IDToken string
	// Key is the DPoP key the refresh token is bound to.
	Key *ecdsa.PrivateKey
}

// CacheDir is the AWS CLI's login cache folder: $AWS_LOGIN_CACHE_DIRECTORY
// or ~/.aws/login/cache.
func CacheDir(home string, lookupEnv func(string) (string, bool)) string {
	if lookupEnv != nil {
		if v, ok := lookupEnv("AWS_LOGIN_CACHE_DIRECTORY"); ok && strings.TrimSpace(v) != "" {
			return v
		}
	}
	return filepath.Join(home, ".aws", "login", "cache")
}

// CacheFile is the file name of a login_session's cache entry:
// lowercase hex sha256 of the session ARN, ".json".
func CacheFile(loginSession string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(loginSession)))
	return hex.EncodeToString(sum[:]) + ".json"
}

// CacheError is a cache file sesame cannot use; it never holds a secret.
type CacheError struct {
	Path   string
	Reason string
	Err    error
}

func (e *CacheError) Error() string {
	return fmt.Sprintf("the AWS Sign-In cache file %s cannot be used: %s", e.Path, e.Reason)
}

func (e *CacheError) Unwrap() error { return e.Err }

// ReadCache reads a cache file in the AWS CLI's format. A missing file is
// (zero, false, nil); a file with a missing field, or whose key is not a
// SEC1 P-256 key, is a *CacheError naming what is wrong.
func ReadCache(path string) (Token, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Token{}, false, nil
	}
	if err != nil {
		return Token{}, false, fmt.Errorf("cannot read the AWS Sign-In cache file: %w", err)
	}
	t, err := ParseCache(data)
	if err != nil {
		var ce *CacheError
		if errors.As(err, &ce) {
			ce.Path = path
		}
		return Token{}, false, err
	}
	return t, true, nil
}

// ParseCache reads the contents of a cache file (see [ReadCache]).
func ParseCache(data []byte) (Token, error) {
	var f struct {
		AccessToken *struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SessionToken    string `json:"sessionToken"`
			AccountID       string `json:"accountId"`
			ExpiresAt       string `json:"expiresAt"`
		} `json:"accessToken"`
		ClientID     string `json:"clientId"`
		RefreshToken string `json:"refreshToken"`
		IDToken      string `json:"idToken"`
		DPoPKey      string `json:"dpopKey"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return Token{}, &CacheError{Reason: "it is not a JSON object"}
	}
	missing := func(field string) (Token, error) {
		return Token{}, &CacheError{Reason: "it has no " + field}
	}
	a := f.AccessToken
	switch {
	case a == nil:
		return missing("accessToken")
	case a.AccessKeyID == "":
		return missing("accessToken.accessKeyId")
	case a.SecretAccessKey == "":
		return missing("accessToken.secretAccessKey")
	case a.SessionToken == "":
		return missing("accessToken.sessionToken")
	case a.AccountID == "":
		return missing("accessToken.accountId")
	case a.ExpiresAt == "":
		return missing("accessToken.expiresAt")
	case f.ClientID == "":
		return missing("clientId")
	case f.RefreshToken == "":
		return missing("refreshToken")
	case f.DPoPKey == "":
		return missing("dpopKey")
	}
	exp, err := time.Parse(time.RFC3339Nano, a.ExpiresAt)
	if err != nil {
		return Token{}, &CacheError{Reason: "its accessToken.expiresAt is not a time like 2026-01-02T15:04:05Z"}
	}
	key, err := ParseKey(f.DPoPKey)
	if err != nil {
		return Token{}, &CacheError{Reason: "its dpopKey: " + err.Error(), Err: err}
	}
	return Token{
		AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey, SessionToken: a.SessionToken,
		AccountID: a.AccountID, Expires: exp, ClientID: f.ClientID, RefreshToken: f.RefreshToken,
		IDToken: f.IDToken, Key: key,
	}, nil
}

// WriteCache writes t in the AWS CLI's format to path, atomically and
// mode 0600, keeping the fields of an existing file that sesame does not
// know (the Go SDK's identityToken, say).
func WriteCache(path string, t Token) error {
	m := map[string]any{}
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &m) // a damaged file is replaced
		if m == nil {
			m = map[string]any{}
		}
	}
	pemKey, err := EncodeKey(t.Key)
	if err != nil {
		return err
	}
	at, _ := m["accessToken"].(map[string]any)
	if at == nil {
		at = map[string]any{}
	}
	at["accessKeyId"] = t.AccessKeyID
	at["secretAccessKey"] = t.SecretAccessKey
	at["sessionToken"] = t.SessionToken
	at["accountId"] = t.AccountID
	at["expiresAt"] = t.Expires.UTC().Format("2006-01-02T15:04:05Z")
	m["accessToken"] = at
	m["tokenType"] = "aws_sigv4"
	m["clientId"] = t.ClientID
	m["refreshToken"] = t.RefreshToken
	if t.IDToken != "" {
		m["idToken"] = t.IDToken
	}
	m["dpopKey"] = pemKey
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot make the AWS Sign-In cache folder: %w", err)
	}
	// The file holds a private key: an existing file readable by others
	// (atomicfile keeps an existing file's mode) is made 0600 first.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() != 0o600 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("cannot make %s private (0600): %w", path, err)
		}
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("cannot write the AWS Sign-In cache file %s: %w", path, err)
	}
	return nil
}

// SubjectOf returns the sub claim of an idToken (a JWT; its signature is
// not checked: it came over TLS from the token endpoint), which is the
// login_session ARN.
func SubjectOf(idToken string) (string, error) {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return "", errors.New("the sign-in answered an idToken that is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", errors.New("the sign-in answered an idToken that is not a JWT")
	}
	var c struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(b, &c); err != nil || !strings.HasPrefix(c.Sub, "arn:") {
		return "", errors.New("the sign-in answered an idToken without an ARN as its subject")
	}
	return c.Sub, nil
}

// AccountOf returns the account id of an ARN (its fifth field).
func AccountOf(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return ""
	}
	return f[4]
}
