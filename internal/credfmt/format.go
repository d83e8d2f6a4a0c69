// Package credfmt writes credentials for the programs that read them: the
// environment variables (env, and the shell code of sh, fish and
// powershell), the credential_process document (json) and a section of the
// shared credentials file (ini). It also holds what the shell function of
// `sesame shell-init` and the binary agree on (see shell.go). Commands
// (export, exec, use) share it; it imports nothing of the commands.
package credfmt

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/credfmt/procdoc"
	"github.com/sesamehq/sesame/internal/creds"
)

// Output formats.
const (
	FormatEnv        = "env"
	FormatSh         = "sh"
	FormatFish       = "fish"
	FormatPowerShell = "powershell"
	FormatJSON       = "json"
	FormatINI        = "ini"
)

// Formats lists the output formats, the default first.
var Formats = []string{FormatEnv, FormatSh, FormatFish, FormatPowerShell, FormatJSON, FormatINI}

// ExpirationKey is the key that holds the expiration time in a section of
// the shared credentials file. botocore (and the other SDKs) ignore keys
// they do not know in that file; this name is the one saml2aws,
// gimme-aws-creds and okta-awscli already write, and prompts such as
// starship read.
const ExpirationKey = "x_security_token_expires"

// Var is one environment variable.
type Var struct{ Name, Value string }

// Vars returns the environment variables that carry res: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, then AWS_SESSION_TOKEN when there is one,
// AWS_CREDENTIAL_EXPIRATION (RFC 3339, UTC) when they expire, and
// AWS_REGION and AWS_DEFAULT_REGION when the region is known.
func Vars(res creds.Result) []Var {
	vars := []Var{
		{"AWS_ACCESS_KEY_ID", res.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", res.SecretAccessKey},
	}
	if res.SessionToken != "" {
		vars = append(vars, Var{"AWS_SESSION_TOKEN", res.SessionToken})
	}
	if exp, ok := Expiration(res); ok {
		vars = append(vars, Var{"AWS_CREDENTIAL_EXPIRATION", exp})
	}
	if res.Region != "" {
		vars = append(vars, Var{"AWS_REGION", res.Region}, Var{"AWS_DEFAULT_REGION", res.Region})
	}
	return vars
}

// Expiration returns when res expires, in RFC 3339 (UTC, whole seconds),
// and whether it expires at all.
func Expiration(res creds.Result) (string, bool) {
	if !res.CanExpire || res.Expires.IsZero() {
		return "", false
	}
	return procdoc.Expiration(res.Expires), true
}

// stale lists the variables a shell format removes because res does not
// replace them: a token or an expiration left from earlier credentials
// would be used with the new keys. AWS_SECURITY_TOKEN, the old name of
// AWS_SESSION_TOKEN, is always removed, as sesame exec does.
func stale(res creds.Result) []string {
	var names []string
	if res.SessionToken == "" {
		names = append(names, "AWS_SESSION_TOKEN")
	}
	names = append(names, "AWS_SECURITY_TOKEN")
	if _, ok := Expiration(res); !ok {
		names = append(names, "AWS_CREDENTIAL_EXPIRATION")
	}
	return names
}

// ProcessOutput is the credential_process document (version 1).
type ProcessOutput = procdoc.Document

// Render writes res to w in format. section names the ini section; the
// other formats ignore it.
func Render(w io.Writer, format string, res creds.Result, section string) error {
	var b strings.Builder
	switch format {
	case FormatEnv:
		for _, v := range Vars(res) {
			fmt.Fprintf(&b, "%s=%s\n", v.Name, v.Value)
		}
	case FormatSh, FormatFish, FormatPowerShell:
		b.WriteString(ShellCode(format, Vars(res), stale(res)))
	case FormatJSON:
		var expires time.Time
		if _, ok := Expiration(res); ok {
			expires = res.Expires
		}
		out, err := procdoc.Marshal(res.AccessKeyID, res.SecretAccessKey, res.SessionToken, expires)
		if err != nil {
			return err
		}
		b.Write(out)
	case FormatINI:
		f, err := awsconfig.Parse("credentials", nil)
		if err != nil {
			return err
		}
		if err := SetSection(f, section, res); err != nil {
			return err
		}
		b.Write(f.Bytes())
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SetSection sets the credentials of res in section of a shared credentials
// file: aws_access_key_id, aws_secret_access_key, aws_session_token and
// ExpirationKey, removing the token (and aws_security_token, its old name)
// and the expiration when res has none, so that nothing stale stays next to
// new keys. Every other key and line of the file is kept.
func SetSection(f *awsconfig.File, section string, res creds.Result) error {
	if err := CheckSection(section); err != nil {
		return err
	}
	set := func(key, value string) error {
		if value == "" {
			_, err := f.Unset(section, key)
			return err
		}
		return f.Set(section, key, value)
	}
	exp, _ := Expiration(res)
	for _, kv := range [][2]string{
		{"aws_access_key_id", res.AccessKeyID},
		{"aws_secret_access_key", res.SecretAccessKey},
		{"aws_session_token", res.SessionToken},
		{"aws_security_token", ""},
		{ExpirationKey, exp},
	} {
		if err := set(kv[0], kv[1]); err != nil {
			// The messages of Set name the key, never the value.
			return fmt.Errorf("cannot write section [%s]: %w", section, err)
		}
	}
	return nil
}

// CheckSection refuses a section name that botocore would not read back as
// a profile of the shared credentials file.
func CheckSection(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the section name is empty")
	case name == "DEFAULT":
		return fmt.Errorf("[DEFAULT] is not a profile: Python's configparser copies its keys into every section")
	case strings.ContainsAny(name, "[]\r\n") || strings.TrimSpace(name) != name:
		return fmt.Errorf("section name %q cannot be written: no brackets, line breaks or surrounding spaces", name)
	}
	return nil
}

// ShellCode returns code for shell (FormatSh, FormatFish or
// FormatPowerShell) that exports each variable of set and then removes each
// variable named in unset, one statement a line. The values are quoted, so
// any text is safe; names must be valid variable names.
func ShellCode(shell string, set []Var, unset []string) string {
	var b strings.Builder
	switch shell {
	case FormatSh:
		for _, v := range set {
			fmt.Fprintf(&b, "export %s=%s\n", v.Name, shQuote(v.Value))
		}
		if len(unset) > 0 {
			fmt.Fprintf(&b, "unset %s\n", strings.Join(unset, " "))
		}
	case FormatFish:
		for _, v := range set {
			fmt.Fprintf(&b, "set -gx %s %s;\n", v.Name, fishQuote(v.Value))
		}
		for _, name := range unset {
			fmt.Fprintf(&b, "set -e %s;\n", name)
		}
	case FormatPowerShell:
		for _, v := range set {
			fmt.Fprintf(&b, "$Env:%s = %s\n", v.Name, psQuote(v.Value))
		}
		for _, name := range unset {
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue\n", name)
		}
	}
	return b.String()
}

// ShellQuote quotes s as one word for shell (FormatSh, FormatFish or
// FormatPowerShell).
func ShellQuote(shell, s string) string {
	switch shell {
	case FormatFish:
		return fishQuote(s)
	case FormatPowerShell:
		return psQuote(s)
	}
	return shQuote(s)
}

// shQuote quotes s for POSIX shells: in single quotes, where a single
// quote is written by closing the quotes, adding \' and opening them again.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes s for fish, where \ and ' are escaped inside single
// quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// psQuote quotes s for PowerShell: single quotes, each ' doubled. (The
// typographic single quotes are quote characters too in PowerShell.)
func psQuote(s string) string {
	return "'" + strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b").Replace(s) + "'"
}
