package use_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestCompletion asks the built binary for completions the way the shell
// scripts of sesame completion do (sesame __complete ARGS... PARTIAL):
// every command that takes a profile completes profile names, and
// --sso-session completes sso-session names.
func TestCompletion(t *testing.T) {
	t.Parallel()
	home := testenv.Sandbox(t)
	home.WriteConfig(`[profile dev]
region = eu-west-1

[profile prod]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev

[profile corp-admin]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[sso-session lab]
sso_start_url = https://lab.awsapps.com/start
sso_region = us-east-1
`)
	home.WriteCredentials("[legacy]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n")
	env := home.Env()
	complete := func(t *testing.T, args ...string) (names []string, directive string) {
		t.Helper()
		stdout, stderr, code := testenv.Run(t, env, "", append([]string{"__complete"}, args...)...)
		if code != 0 {
			t.Fatalf("sesame __complete %q: exit %d\n%s", args, code, stderr)
		}
		lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
		directive = lines[len(lines)-1]
		for _, l := range lines[:len(lines)-1] {
			name, _, _ := strings.Cut(l, "\t")
			names = append(names, name)
		}
		return names, directive
	}
	all := []string{"corp-admin", "dev", "legacy", "prod"}
	for _, cmd := range [][]string{{"exec"}, {"export"}, {"whoami"}, {"login"}, {"remove"}, {"rm"}, {"add"}, {"clear"}, {"use"}, {"rotate"}, {"sso", "login", "--profile"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			t.Parallel()
			names, directive := complete(t, append(cmd, "")...)
			if !slices.Equal(names, all) {
				t.Errorf("completions %q, want %q", names, all)
			}
			if directive != ":4" { // ShellCompDirectiveNoFileComp
				t.Errorf("directive %s, want :4 (no file completion)", directive)
			}
			if names, _ := complete(t, append(cmd, "p")...); !slices.Equal(names, []string{"prod"}) {
				t.Errorf("completions of p: %q", names)
			}
		})
	}
	t.Run("descriptions", func(t *testing.T) {
		t.Parallel()
		stdout, _, _ := testenv.Run(t, env, "", "__complete", "export", "")
		for _, want := range []string{"dev\tkeys\n", "prod\trole\n", "corp-admin\tsso\n"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("no %q in:\n%s", want, stdout)
			}
		}
	})
	t.Run("one profile only", func(t *testing.T) {
		t.Parallel()
		if names, directive := complete(t, "export", "dev", ""); len(names) != 0 || directive != ":4" {
			t.Errorf("second argument: %q %s", names, directive)
		}
		// exec's command line after the profile: the shell's own completion.
		if names, directive := complete(t, "exec", "dev", "--", ""); len(names) != 0 || directive != ":0" {
			t.Errorf("exec command: %q %s", names, directive)
		}
	})
	for _, cmd := range [][]string{{"sso", "login"}, {"sso", "logout"}, {"sso", "populate"}} {
		t.Run(strings.Join(cmd, " ")+" --sso-session", func(t *testing.T) {
			t.Parallel()
			names, directive := complete(t, append(cmd, "--sso-session", "")...)
			if !slices.Equal(names, []string{"corp", "lab"}) || directive != ":4" {
				t.Errorf("completions %q %s", names, directive)
			}
			if names, _ := complete(t, append(cmd, "--sso-session=l")...); !slices.Equal(names, []string{"lab"}) {
				t.Errorf("completions of --sso-session=l: %q", names)
			}
		})
	}
	t.Run("shell-init", func(t *testing.T) {
		t.Parallel()
		if names, _ := complete(t, "shell-init", ""); !slices.Equal(names, []string{"bash", "zsh", "fish", "powershell"}) {
			t.Errorf("completions %q", names)
		}
	})
	t.Run("broken config", func(t *testing.T) {
		t.Parallel()
		broken := testenv.Sandbox(t)
		broken.WriteConfig("[profile a]\nregion = x\nregion = y\n")
		stdout, _, code := testenv.Run(t, broken.Env(), "", "__complete", "export", "")
		if code != 0 || strings.TrimSpace(stdout) != ":4" {
			t.Errorf("a broken config: exit %d, stdout %q", code, stdout)
		}
	})
}
