package fakesso

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The AWS CLI v2 as packaged by Debian (2.9) ignores AWS_ENDPOINT_URL and
// its per-service forms. What it does honour is AWS_DATA_PATH, a list of
// folders searched before its own data for service files, endpoint rule
// sets included: a rule set whose only rule is an endpoint sends every call
// of that service there.

// cliServices are the service data folders of the rule sets written by
// [WriteCLIv2Overrides], with the parameters each client passes (the
// parameters of the rule sets the AWS CLI ships).
var cliServices = []struct {
	dir       string
	stsParams bool
}{
	{dir: filepath.Join("sso-oidc", "2019-06-10")},
	{dir: filepath.Join("sso", "2019-06-10")},
	{dir: filepath.Join("sts", "2011-06-15"), stsParams: true},
}

// WriteCLIv2Overrides writes endpoint rule sets under dir that send the
// AWS CLI v2's SSO OIDC and SSO portal calls to ssoURL and, if stsURL is
// not empty, its STS calls to stsURL. Run the CLI with AWS_DATA_PATH=dir.
//
// It writes dir/sso-oidc/2019-06-10/endpoint-rule-set-1.json,
// dir/sso/2019-06-10/endpoint-rule-set-1.json and
// dir/sts/2011-06-15/endpoint-rule-set-1.json.
func WriteCLIv2Overrides(dir, ssoURL, stsURL string) error {
	for _, svc := range cliServices {
		target := ssoURL
		if svc.stsParams {
			if stsURL == "" {
				continue
			}
			target = stsURL
		}
		body, err := json.MarshalIndent(ruleSet(target, svc.stsParams), "", "  ")
		if err != nil {
			return err
		}
		d := filepath.Join(dir, svc.dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("fakesso: %w", err)
		}
		if err := os.WriteFile(filepath.Join(d, "endpoint-rule-set-1.json"), append(body, '\n'), 0o644); err != nil {
			return fmt.Errorf("fakesso: %w", err)
		}
	}
	return nil
}

// ruleSet is an endpoint rule set with the standard parameters and one
// unconditional endpoint rule.
func ruleSet(endpoint string, sts bool) map[string]any {
	boolParam := func(builtIn, doc string) map[string]any {
		return map[string]any{"builtIn": builtIn, "required": true, "default": false, "documentation": doc, "type": "Boolean"}
	}
	params := map[string]any{
		"Region":       map[string]any{"builtIn": "AWS::Region", "required": false, "documentation": "The AWS region used to dispatch the request.", "type": "String"},
		"UseDualStack": boolParam("AWS::UseDualStack", "When true, use the dual-stack endpoint."),
		"UseFIPS":      boolParam("AWS::UseFIPS", "When true, send this request to the FIPS-compliant regional endpoint."),
		"Endpoint":     map[string]any{"builtIn": "SDK::Endpoint", "required": false, "documentation": "Override the endpoint used to send this request", "type": "String"},
	}
	if sts {
		params["UseGlobalEndpoint"] = boolParam("AWS::STS::UseGlobalEndpoint", "Whether the global endpoint should be used, rather then the regional endpoint for us-east-1.")
	}
	return map[string]any{
		"version":    "1.0",
		"parameters": params,
		"rules": []any{map[string]any{
			"conditions": []any{},
			"endpoint":   map[string]any{"url": endpoint, "properties": map[string]any{}, "headers": map[string]any{}},
			"type":       "endpoint",
		}},
	}
}

// cacheTimeFormat is how the AWS CLI writes times in its token cache.
const cacheTimeFormat = "2006-01-02T15:04:05Z"

// TokenCachePath returns the AWS CLI's token cache file of an sso-session
// (or, for a legacy profile, of a start URL) under the home directory home:
// home/.aws/sso/cache/<hex sha1 of key>.json.
func TokenCachePath(home, key string) string {
	sum := sha1.Sum([]byte(key))
	return filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
}

// WriteTokenCache writes tok as the AWS CLI would for the sso-session (or
// legacy start URL) key under home, and returns the file's path. Empty
// fields are left out; times are written as RFC 3339 UTC seconds.
func WriteTokenCache(home, key string, tok CachedToken) (string, error) {
	m := map[string]string{
		"startUrl":    tok.StartURL,
		"region":      tok.Region,
		"accessToken": tok.AccessToken,
		"expiresAt":   tok.ExpiresAt.UTC().Format(cacheTimeFormat),
	}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put("clientId", tok.ClientID)
	put("clientSecret", tok.ClientSecret)
	if !tok.RegistrationExpiresAt.IsZero() {
		m["registrationExpiresAt"] = tok.RegistrationExpiresAt.UTC().Format(cacheTimeFormat)
	}
	put("refreshToken", tok.RefreshToken)
	body, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	path := TokenCachePath(home, key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("fakesso: %w", err)
	}
	if err := os.WriteFile(path, body, 0o600); err != nil {
		return "", fmt.Errorf("fakesso: %w", err)
	}
	return path, nil
}

// ReadTokenCache reads an AWS CLI token cache file.
func ReadTokenCache(path string) (CachedToken, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return CachedToken{}, err
	}
	var m struct {
		StartURL              string `json:"startUrl"`
		Region                string `json:"region"`
		AccessToken           string `json:"accessToken"`
		ExpiresAt             string `json:"expiresAt"`
		ClientID              string `json:"clientId"`
		ClientSecret          string `json:"clientSecret"`
		RegistrationExpiresAt string `json:"registrationExpiresAt"`
		RefreshToken          string `json:"refreshToken"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return CachedToken{}, fmt.Errorf("fakesso: %s: %w", path, err)
	}
	tok := CachedToken{
		StartURL: m.StartURL, Region: m.Region, AccessToken: m.AccessToken,
		ClientID: m.ClientID, ClientSecret: m.ClientSecret, RefreshToken: m.RefreshToken,
	}
	if tok.ExpiresAt, err = parseCacheTime(m.ExpiresAt); err != nil {
		return CachedToken{}, fmt.Errorf("fakesso: %s: expiresAt: %w", path, err)
	}
	if m.RegistrationExpiresAt != "" {
		if tok.RegistrationExpiresAt, err = parseCacheTime(m.RegistrationExpiresAt); err != nil {
			return CachedToken{}, fmt.Errorf("fakesso: %s: registrationExpiresAt: %w", path, err)
		}
	}
	return tok, nil
}

// parseCacheTime parses the times the AWS CLI and botocore write:
// "2026-11-21T10:40:24Z", or with a UTC offset and fractions.
func parseCacheTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}
