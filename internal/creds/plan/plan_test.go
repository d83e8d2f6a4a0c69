package plan

import (
	"regexp"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// TestIsRoleARN: the written-out check accepts exactly what the regular
// expression it replaced accepted.
func TestIsRoleARN(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
	for _, s := range []string{
		"arn:aws:iam::123456789012:role/admin",
		"arn:aws-us-gov:iam::123456789012:role/path/to/Role_1+=,.@-",
		"arn:aws-cn:iam::123456789012:role/a",
		"arn:aws:iam::123456789012:role/",
		"arn:aws:iam::12345678901:role/admin",
		"arn:aws:iam::1234567890123:role/admin",
		"arn:aws:iam::12345678901a:role/admin",
		"arn:aws:iam::123456789012:user/admin",
		"arn:aws:sts::123456789012:role/admin",
		"arn:aws:iam::123456789012:role/ad min",
		"arn:aws:iam::123456789012:role/adé",
		"arn:aws:iam::123456789012:role/admin\n",
		"arn:awsX:iam::123456789012:role/admin",
		"arn:aws:iam:us-east-1:123456789012:role/admin",
		"arn:aws:iam::123456789012:role/a:b",
		"arn:aws",
		"",
		"xarn:aws:iam::123456789012:role/admin",
	} {
		if got, want := isRoleARN(s), re.MatchString(s); got != want {
			t.Errorf("isRoleARN(%q) = %v, the regular expression says %v", s, got, want)
		}
	}
}

// FuzzIsRoleARN: the same, on any input.
func FuzzIsRoleARN(f *testing.F) {
	re := regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
	f.Add("arn:aws:iam::123456789012:role/admin")
	f.Add("arn:aws-us-gov:iam::000000000000:role/x/y")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isRoleARN(s), re.MatchString(s); got != want {
			t.Errorf("isRoleARN(%q) = %v, the regular expression says %v", s, got, want)
		}
	})
}

// TestSessionNameUser: the generated session name keeps only the
// characters a role session name may hold from $USER.
func TestSessionNameUser(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`[^\w+=,.@-]`)
	for _, user := range []string{"alice", "Bob Smith", "ädam", "x/y:z", "a+b=c,d.e@f-g_h", ""} {
		p := &Planner{LookupEnv: func(k string) (string, bool) {
			if k == "USER" {
				return user, true
			}
			return "", false
		}, Now: func() time.Time { return time.Unix(1700000000, 0) }}
		got := p.sessionName(&awsconfig.Resolved{})
		want := "sesame-" + re.ReplaceAllString(user, "") + "-1700000000"
		if re.ReplaceAllString(user, "") == "" {
			want = "sesame-1700000000"
		}
		if got != want {
			t.Errorf("USER=%q: session name %q, want it to be %q", user, got, want)
		}
	}
}
