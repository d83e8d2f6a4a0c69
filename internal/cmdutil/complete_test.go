package cmdutil

import (
	"fmt"
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

func TestCompleteProfiles(t *testing.T) {
	t.Parallel()
	f := newFactory(t, "[profile dev]\n[profile prod]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n", nil, false, nil)
	one := &cobra.Command{Use: "one", Args: MaximumNArgs(1)}
	many := &cobra.Command{Use: "many"}
	for _, tt := range []struct {
		name    string
		cmd     *cobra.Command
		args    []string
		partial string
		want    []string
		dir     cobra.ShellCompDirective
	}{
		{"all", one, nil, "", []string{"dev\tkeys", "prod\trole"}, cobra.ShellCompDirectiveNoFileComp},
		{"prefix", one, nil, "p", []string{"prod\trole"}, cobra.ShellCompDirectiveNoFileComp},
		{"none", one, nil, "x", nil, cobra.ShellCompDirectiveNoFileComp},
		{"after the profile", one, []string{"dev"}, "", nil, cobra.ShellCompDirectiveNoFileComp},
		{"more arguments after the profile", many, []string{"dev"}, "", nil, cobra.ShellCompDirectiveDefault},
	} {
		got, dir := CompleteProfiles(f)(tt.cmd, tt.args, tt.partial)
		if !slices.Equal(got, tt.want) || dir != tt.dir {
			t.Errorf("%s: %q %v, want %q %v", tt.name, got, dir, tt.want, tt.dir)
		}
	}
	got, dir := CompleteSSOSessions(f)(one, nil, "")
	if !slices.Equal(got, []string{"corp\thttps://corp.awsapps.com/start"}) || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("sso-sessions: %q %v", got, dir)
	}

	broken := newFactory(t, "[profile a]\nregion = x\nregion = y\n", nil, false, nil)
	if got, dir := CompleteProfiles(broken)(one, nil, ""); got != nil || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("broken config: %q %v", got, dir)
	}
}

func TestCanceledExitCode(t *testing.T) {
	t.Parallel()
	if got := ExitCode(fmt.Errorf("pick a profile: %w", ErrCanceled)); got != ExitCanceled || ExitCanceled != 130 {
		t.Errorf("ExitCode = %d, want 130", got)
	}
}
