package configure

import "testing"

func TestSessionNameFor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ url, want string }{
		{"https://my-corp.awsapps.com/start", "my-corp"},
		{"https://d-1234567890.awsapps.com/start#/", "d-1234567890"},
		{"https://ssoins-7223.portal.eu-west-1.app.aws", "ssoins-7223"},
		{"https://sso.Example.com/start", "example"},
		{"https://127.0.0.1:8443/start", "sso"},
		{"https://[::1]/start", "sso"},
		{"https://start.login/", "sso"},
	} {
		if got := sessionNameFor(tt.url); got != tt.want {
			t.Errorf("sessionNameFor(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestRegionOfURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ url, want string }{
		{"https://ssoins-7223.portal.eu-west-1.app.aws", "eu-west-1"},
		{"https://ssoins-7223.portal.us-gov-west-1.app.aws", "us-gov-west-1"},
		{"https://my-corp.awsapps.com/start", ""},
		{"https://my-corp-1.awsapps.com/start", ""},
		{"://", ""},
	} {
		if got := regionOfURL(tt.url); got != tt.want {
			t.Errorf("regionOfURL(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestChecks(t *testing.T) {
	t.Parallel()
	type check func(string) (string, error)
	for _, tt := range []struct {
		name  string
		check check
		in    string
		want  string // "" means refused
	}{
		{"url", checkStartURL, "https://corp.awsapps.com/start", "https://corp.awsapps.com/start"},
		{"url", checkStartURL, "http://corp.awsapps.com/start", ""},
		{"url", checkStartURL, "https:///start", ""},
		{"url", checkStartURL, "https://corp.awsapps.com/my start", ""},
		{"url", checkStartURL, "", ""},
		{"sso region", checkSSORegion("https://corp.awsapps.com/start"), "eu-west-1", "eu-west-1"},
		{"sso region", checkSSORegion("https://x.portal.eu-west-1.app.aws"), "us-east-1", ""},
		{"sso region", checkSSORegion("https://corp.awsapps.com/start"), "Europe", ""},
		{"region", checkRegion, "us-gov-west-1", "us-gov-west-1"},
		{"region", checkRegion, "eu-west", ""},
		{"region", checkRegion, "1-west-eu", ""},
		{"output", checkOutput, "table", "table"},
		{"output", checkOutput, "csv", ""},
		{"scopes", checkScopes, "sso:account:access", "sso:account:access"},
		{"scopes", checkScopes, "a,b  c", "a, b, c"},
		{"scopes", checkScopes, "a;b", ""},
		{"scopes", checkScopes, ",", ""},
		{"name", checkName("a profile"), "dev/Admin", "dev/Admin"},
		{"name", checkName("a profile"), "default", "default"},
		{"name", checkName("a profile"), "my profile", ""},
		{"name", checkName("a profile"), "-dev", ""},
		{"name", checkName("a profile"), "[x]", ""},
		{"name", checkName("a profile"), "", ""},
	} {
		got, err := tt.check(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s %q accepted as %q", tt.name, tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %q = %q, %v; want %q", tt.name, tt.in, got, err, tt.want)
		}
	}
}

func TestSameStartURL(t *testing.T) {
	t.Parallel()
	if !sameStartURL("https://Corp.awsapps.com/start/", "https://corp.awsapps.com/start") {
		t.Error("a trailing slash or the host's case makes a different portal")
	}
	if sameStartURL("https://corp.awsapps.com/start", "https://other.awsapps.com/start") {
		t.Error("two hosts are one portal")
	}
}

func TestFreeName(t *testing.T) {
	t.Parallel()
	taken := map[string]bool{"a": true, "a-2": true}
	if got := freeName("a", func(n string) bool { return taken[n] }); got != "a-3" {
		t.Errorf("freeName = %q", got)
	}
	if got := freeName("b", func(n string) bool { return taken[n] }); got != "b" {
		t.Errorf("freeName = %q", got)
	}
}
