package use

import (
	"strings"
	"testing"
)

// TestPlanLoginSession: a login_session profile, and a role from one, are
// reached through a generated credential_process profile: the AWS CLI
// cannot read the session sesame keeps in its store, and the generated
// profile does not copy login_session (which would win over
// credential_process).
func TestPlanLoginSession(t *testing.T) {
	t.Parallel()
	cfg := load(t, sandbox(t, `[profile console]
login_session = arn:aws:iam::123456789012:user/alice
region = eu-west-1
[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = console
`, ""))
	for profile, why := range map[string]string{
		"console": "its AWS Sign-In session is in sesame's store",
		"ops":     "starts from profile console, whose AWS Sign-In session is in sesame's store",
	} {
		p, err := plan(cfg, profile, "sesame export --format json -- "+profile)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Generated || p.AWSProfile != "sesame-"+profile || !strings.Contains(p.Why, why) {
			t.Errorf("%s: generated %v as %s, why %q", profile, p.Generated, p.AWSProfile, p.Why)
		}
		for _, kv := range p.Keys {
			if kv.Key == "login_session" {
				t.Errorf("%s: the generated profile copies login_session", profile)
			}
		}
	}
}
