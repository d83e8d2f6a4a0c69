package sso_test

import (
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
)

func config(t *testing.T, text string) *awsconfig.Config {
	t.Helper()
	f, err := awsconfig.Parse("config", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Build(awsconfig.Paths{Config: "/home/me/.aws/config"}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const sessions = `[sso-session a]
sso_start_url = https://a.awsapps.com/start
sso_region = eu-west-1
[sso-session b]
sso_start_url = https://b.awsapps.com/start
sso_region = eu-west-1
[profile pa]
sso_session = a
sso_account_id = 111111111111
sso_role_name = Admin
[profile keys]
region = eu-west-1
`

// TestPickSessions: which sessions each choice gives, and the next step
// cmdutil.Hint shows under each refusal (the hints `sesame sso login`,
// logout and populate print).
func TestPickSessions(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	for _, tt := range []struct {
		name, config, session, profile string
		all                            bool
		getenv                         func(string) string
		want, err, hint                string
	}{
		{name: "all", config: sessions, all: true, want: "a,b"},
		{name: "named", config: sessions, session: "b", want: "b"},
		{name: "profile", config: sessions, profile: "pa", want: "a"},
		{name: "AWS_PROFILE", config: sessions, getenv: func(k string) string { return map[string]string{"AWS_PROFILE": "pa"}[k] }, want: "a"},
		{name: "several", config: sessions, err: "several sso-sessions: a, b", hint: "choose one: --sso-session a, or --all"},
		{name: "none", config: "[profile keys]\n", err: "no sso-session to sign in to", hint: "add an [sso-session NAME] section to /home/me/.aws/config, or give --profile P"},
		{name: "all of none", config: "[profile keys]\n", all: true, err: "has no [sso-session] sections", hint: "run: sesame configure sso"},
		{name: "not sso", config: sessions, profile: "keys", err: "profile keys does not use IAM Identity Center", hint: "give an SSO profile, or --sso-session NAME"},
		{name: "unknown profile", config: sessions, profile: "nope", err: "nope", hint: "run: sesame list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := tt.getenv
			if getenv == nil {
				getenv = noEnv
			}
			got, err := sso.PickSessions(config(t, tt.config), getenv, tt.session, tt.profile, tt.all)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(cmdutil.Hint(err), tt.hint) || cmdutil.ExitCode(err) != cmdutil.ExitError {
					t.Fatalf("error = %v, hint %q; want %q, hint %q", err, cmdutil.Hint(err), tt.err, tt.hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.Name)
			}
			if strings.Join(names, ",") != tt.want {
				t.Errorf("sessions = %v, want %s", names, tt.want)
			}
		})
	}
}
