package configure

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/sso"
)

// The checks of the wizard's answers. Each returns the answer as it will
// be written, or an error that is shown above the question when it is
// asked again.

// checkStartURL accepts an https URL with a host.
func checkStartURL(s string) (string, error) {
	u, err := url.Parse(s)
	if s == "" || err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(s, " \t") {
		return "", fmt.Errorf("%q is not an https URL such as https://my-org.awsapps.com/start", s)
	}
	return s, nil
}

// sameStartURL reports whether two start URLs name the same portal: equal
// but for the case of scheme and host and a trailing slash.
func sameStartURL(a, b string) bool {
	norm := func(s string) string {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			return s
		}
		u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
		u.Path = strings.TrimRight(u.Path, "/")
		return u.String()
	}
	return norm(a) == norm(b)
}

// regionPrefixes are the first words of AWS region names.
var regionPrefixes = []string{"us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn"}

// regionOfURL is the region named in a start URL's host (as in
// https://ssoins-1234.portal.eu-west-1.app.aws), or "".
func regionOfURL(startURL string) string {
	u, err := url.Parse(startURL)
	if err != nil {
		return ""
	}
	for _, label := range strings.Split(u.Hostname(), ".") {
		first, _, _ := strings.Cut(label, "-")
		if sso.ValidRegion(label) && slices.Contains(regionPrefixes, first) {
			return label
		}
	}
	return ""
}

// checkSSORegion accepts a region name that agrees with the start URL, by
// the same rules as every command that reads the sso-session later
// (sso.SessionNamed).
func checkSSORegion(startURL string) func(string) (string, error) {
	return func(region string) (string, error) {
		if !sso.ValidRegion(region) {
			return "", fmt.Errorf("%q is not a region name such as eu-west-1", region)
		}
		f, err := awsconfig.Parse("", nil)
		if err != nil {
			return "", err
		}
		const name = "wizard"
		sec := awsconfig.SSOSessionSection(name)
		if err := f.Set(sec, "sso_start_url", startURL); err != nil {
			return "", err
		}
		if err := f.Set(sec, "sso_region", region); err != nil {
			return "", err
		}
		cfg, err := awsconfig.Build(awsconfig.Paths{}, f, nil)
		if err != nil {
			return "", err
		}
		var ce *sso.ConfigError
		if _, err := sso.SessionNamed(cfg, name); errors.As(err, &ce) {
			return "", errors.New(ce.Msg)
		} else if err != nil {
			return "", err
		}
		return region, nil
	}
}

// checkRegion accepts a region name.
func checkRegion(region string) (string, error) {
	if !sso.ValidRegion(region) {
		return "", fmt.Errorf("%q is not a region name such as eu-west-1", region)
	}
	return region, nil
}

// outputFormats are the AWS CLI's output formats.
var outputFormats = []string{"json", "yaml", "yaml-stream", "text", "table"}

// checkOutput accepts one of the AWS CLI's output formats.
func checkOutput(s string) (string, error) {
	if !slices.Contains(outputFormats, s) {
		return "", fmt.Errorf("%q is not an output format: choose one of %s", s, strings.Join(outputFormats, ", "))
	}
	return s, nil
}

// checkScopes accepts registration scopes separated by commas or spaces,
// and writes them as the AWS CLI does, joined by ", ".
func checkScopes(s string) (string, error) {
	scopes := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(scopes) == 0 {
		return "", fmt.Errorf("give at least one scope, such as %s", sso.DefaultScope)
	}
	for _, sc := range scopes {
		if strings.ContainsAny(sc, "#;[]=\"'\\") {
			return "", fmt.Errorf("%q is not a scope such as %s", sc, sso.DefaultScope)
		}
	}
	return strings.Join(scopes, ", "), nil
}

// checkName accepts a profile or sso-session name that SafeName leaves as
// it is (so that it works in botocore, on command lines and in shells), and
// "default", which for a profile means [default].
func checkName(what string) func(string) (string, error) {
	return func(s string) (string, error) {
		if s == "" || (s != "default" && sso.SafeName(s) != s) {
			return "", fmt.Errorf("%q cannot be %s name: use letters, digits and - _ . + = , @ /", s, what)
		}
		return s, nil
	}
}

// genericLabels are host labels that say nothing about whose portal it is.
var genericLabels = []string{"www", "sso", "start", "login", "signin", "portal", "identity", "auth"}

// sessionNameFor derives an sso-session name from the start URL's host: the
// first label that is not generic (my-org of my-org.awsapps.com), made
// safe; "sso" for an IP address or when nothing is left.
func sessionNameFor(startURL string) string {
	u, err := url.Parse(startURL)
	if err != nil || net.ParseIP(u.Hostname()) != nil {
		return "sso"
	}
	for _, label := range strings.Split(strings.ToLower(u.Hostname()), ".") {
		if slices.Contains(genericLabels, label) {
			continue
		}
		if s := sso.SafeName(label); s != "" {
			return s
		}
	}
	return "sso"
}

// freeName is base, else base-2, base-3, ... the first that taken does not
// hold.
func freeName(base string, taken func(string) bool) string {
	if !taken(base) {
		return base
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s-%d", base, i); !taken(n) {
			return n
		}
	}
}
