// Package genprofile is the profile sesame writes so that the AWS CLI and
// SDKs get a profile's credentials from sesame: [profile sesame-NAME] with
// credential_process = sesame export --format json -- NAME, a marker, and
// the settings of NAME that shape how the clients work. `sesame use` and
// `sesame setup` write the same profile.
package genprofile

import (
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/credfmt"
)

// Prefix starts the name of a generated profile.
const Prefix = "sesame-"

// MarkerKey marks a profile as written by sesame, MarkerValue as written
// by `sesame use` or `sesame setup` (sesame sso populate writes the
// sso-session's name).
const (
	MarkerKey   = "sesame_generated"
	MarkerValue = "use"
)

// CopiedKeys are the profile settings that shape how the AWS CLI and SDKs
// work but not where credentials come from; the generated profile gets a
// copy of those the profile sets (single-line values only).
var CopiedKeys = []string{
	"region", "output", "endpoint_url", "ignore_configure_endpoint_urls", "services", "ca_bundle",
	"sts_regional_endpoints", "use_fips_endpoint", "use_dualstack_endpoint",
	"retry_mode", "max_attempts", "defaults_mode", "parameter_validation", "tcp_keepalive",
	"account_id_endpoint_mode", "request_checksum_calculation", "response_checksum_validation",
	"disable_request_compression", "request_min_compression_size_bytes", "sigv4a_signing_region_set",
	"cli_pager", "cli_timestamp_format", "cli_binary_format", "cli_follow_urlparam", "cli_auto_prompt",
}

// Keys are the generated profile's keys for r, in order: the marker, the
// credential_process line and the copied settings.
func Keys(r *awsconfig.Resolved, process string) [][2]string {
	keys := [][2]string{{MarkerKey, MarkerValue}, {"credential_process", process}}
	for _, k := range CopiedKeys {
		if v, ok := r.Get(k); ok && v != "" && !strings.ContainsAny(v, "\r\n") {
			keys = append(keys, [2]string{k, v})
		}
	}
	return keys
}

// ProcessLine is the credential_process command line that runs command
// (sesame, or its path) for profile with backend ("" for none).
func ProcessLine(command, backend, profile string) string {
	line := quote(command)
	if backend != "" {
		line += " --backend " + quote(backend)
	}
	// "--" ends the options: a profile named "-x" stays a name.
	return line + " export --format json -- " + quote(profile)
}

// quote quotes a word of a credential_process command line, which botocore
// splits with shell rules (shlex); plain words stay as they are.
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) < 0 {
		return s
	}
	return credfmt.ShellQuote(credfmt.FormatSh, s)
}
