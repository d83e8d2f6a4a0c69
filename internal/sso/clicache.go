package sso

import (
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

// The AWS CLI's SSO token cache: ~/.aws/sso/cache/<sha1>.json, written by
// `aws sso login` and read by the AWS CLI, boto3, the CDK and the AWS SDKs.

// CLIToken is the part of a cache file sesame reads.
type CLIToken struct {
	StartURL              string
	Region                string
	AccessToken           string
	ExpiresAt             time.Time
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time
	RefreshToken          string
}

// cliTimeLayouts are the layouts the AWS CLI and SDKs have written.
var cliTimeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700"}

func parseCLITime(v any) time.Time {
	s, _ := v.(string)
	for _, l := range cliTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// CachePath is the cache file of the session under home.
func CachePath(home string, s Session) string {
	return filepath.Join(home, ".aws", "sso", "cache", s.CacheFile())
}

// ReadCLICache reads the AWS CLI's cached token for the session. A missing
// file is (zero, false, nil); an unreadable or damaged one is an error.
func ReadCLICache(home string, s Session) (CLIToken, bool, error) {
	t, found, err := readCLIFile(CachePath(home, s))
	if err != nil || !found || t.AccessToken == "" || t.ExpiresAt.IsZero() {
		return CLIToken{}, false, err
	}
	return t, true, nil
}

// readCLIFile reads a cache file as it is, whatever fields it lacks. A
// missing file is (zero, false, nil).
func readCLIFile(path string) (CLIToken, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return CLIToken{}, false, nil
	}
	if err != nil {
		return CLIToken{}, false, fmt.Errorf("cannot read the AWS CLI's SSO cache %s: %w", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return CLIToken{}, false, fmt.Errorf("the AWS CLI's SSO cache %s is not JSON; delete it or run aws sso login", path)
	}
	str := func(k string) string { v, _ := m[k].(string); return v }
	return CLIToken{
		StartURL: str("startUrl"), Region: str("region"), AccessToken: str("accessToken"), ExpiresAt: parseCLITime(m["expiresAt"]),
		ClientID: str("clientId"), ClientSecret: str("clientSecret"), RegistrationExpiresAt: parseCLITime(m["registrationExpiresAt"]),
		RefreshToken: str("refreshToken"),
	}, true, nil
}

// BelongsTo reports whether the cached token is a sign-in to s: the same
// start URL and, when the file names one, the same region. The cache file
// name alone does not say it (an sso-session renamed, or pointed at
// another start URL, keeps its file name).
func (t CLIToken) BelongsTo(s Session) bool {
	return t.StartURL != "" && strings.TrimSuffix(t.StartURL, "/") == strings.TrimSuffix(s.StartURL, "/") &&
		(t.Region == "" || t.Region == s.Region)
}

// WriteCLICache writes the token in the AWS CLI's format, mode 0600, keeping
// any field of an existing file that sesame does not know.
func WriteCLICache(home string, s Session, t CLIToken) error {
	path := CachePath(home, s)
	m := map[string]any{}
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &m) // a damaged file is replaced
		if m == nil {
			m = map[string]any{}
		}
	}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		} else {
			delete(m, k)
		}
	}
	set("startUrl", t.StartURL)
	set("region", t.Region)
	set("accessToken", t.AccessToken)
	set("expiresAt", t.ExpiresAt.UTC().Format(time.RFC3339))
	set("clientId", t.ClientID)
	set("clientSecret", t.ClientSecret)
	if !t.RegistrationExpiresAt.IsZero() {
		set("registrationExpiresAt", t.RegistrationExpiresAt.UTC().Format(time.RFC3339))
	}
	set("refreshToken", t.RefreshToken)
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// RemoveCLICache deletes the session's cache file; a missing one is fine.
func RemoveCLICache(home string, s Session) error {
	err := os.Remove(CachePath(home, s))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
