package execcmd

import (
	"runtime"
	"strings"

	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/creds"
)

// removed lists the variables never passed from sesame's environment to
// the child: credentials and profile selection that would compete with the
// new credentials, and the marker of the outer sesame exec.
var removed = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CREDENTIAL_FILE", "AWS_CREDENTIAL_EXPIRATION",
	"SESAME_PROFILE",
}

// secretPrefix starts the names of sesame's own secrets
// (SESAME_FILE_PASSPHRASE, SESAME_FILE_PASSPHRASE_COMMAND, ...): none of
// them is passed to the child.
const secretPrefix = "SESAME_FILE_PASSPHRASE"

// serverPrefixes start the names of the variables that point the SDKs at
// a credential server or turn one off (AWS_CONTAINER_CREDENTIALS_*,
// AWS_CONTAINER_AUTHORIZATION_TOKEN*, AWS_EC2_METADATA_DISABLED, ...):
// with --server none of sesame's own reaches the child.
var serverPrefixes = []string{"AWS_CONTAINER_", "AWS_EC2_METADATA_"}

// Environ returns the child's environment: parent (KEY=VALUE entries, in
// order) without the variables of removed, without every variable whose
// name starts with SESAME_FILE_PASSPHRASE, and without AWS_REGION and
// AWS_DEFAULT_REGION when res knows the region; then the variables of
// credfmt.Vars(res) and SESAME_PROFILE=profile. On Windows names are
// compared without regard to case, as Windows does.
func Environ(parent []string, profile string, res creds.Result) []string {
	var add []string
	for _, v := range credfmt.Vars(res) {
		add = append(add, v.Name+"="+v.Value)
	}
	return environ(parent, profile, res.Region != "", nil, add)
}

// ServerEnviron returns the environment of a child that gets its
// credentials from a server (--server): parent without what [Environ]
// removes and without every AWS_CONTAINER_* and AWS_EC2_METADATA_*
// variable; then vars (the server's: KEY=VALUE), AWS_REGION and
// AWS_DEFAULT_REGION when region is known, and SESAME_PROFILE=profile. It
// has no keys.
func ServerEnviron(parent []string, profile, region string, vars []string) []string {
	add := append([]string(nil), vars...)
	if region != "" {
		add = append(add, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
	}
	return environ(parent, profile, region != "", serverPrefixes, add)
}

// environ is parent without what is removed (and the region, dropRegion;
// and variables starting with one of prefixes), then add and
// SESAME_PROFILE.
func environ(parent []string, profile string, dropRegion bool, prefixes, add []string) []string {
	drop := append([]string(nil), removed...)
	if dropRegion {
		drop = append(drop, "AWS_REGION", "AWS_DEFAULT_REGION")
	}
	prefixes = append([]string{secretPrefix}, prefixes...)
	env := make([]string, 0, len(parent)+len(add)+1)
	for _, kv := range parent {
		k, _, _ := strings.Cut(kv, "=")
		if dropped(k, drop, prefixes) {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, add...)
	return append(env, "SESAME_PROFILE="+profile)
}

func dropped(key string, drop, prefixes []string) bool {
	k := key
	if runtime.GOOS == "windows" {
		k = strings.ToUpper(key)
	}
	for _, p := range prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	for _, d := range drop {
		if k == d {
			return true
		}
	}
	return false
}

// envValue returns the last value of key in env ("" when unset).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && (k == key || runtime.GOOS == "windows" && strings.EqualFold(k, key)) {
			v = val
		}
	}
	return v
}
