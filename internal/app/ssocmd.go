package app

import (
	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmd/sso/login"
	"github.com/sesamehq/sesame/internal/cmd/sso/logout"
	"github.com/sesamehq/sesame/internal/cmd/sso/populate"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
)

// newCmdSSO builds the `sesame sso` command group: sign-in to IAM Identity
// Center and what builds on it. The group lives here, not in a package of
// its own under internal/cmd, so that no command package imports another.
func newCmdSSO(f *cmdutil.Factory, deps sso.Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sso <command>",
		Short: "Sign in to IAM Identity Center (AWS SSO)",
	}
	cmd.AddCommand(login.NewCmdLogin(f, deps, nil), logout.NewCmdLogout(f, deps, nil), populate.NewCmdPopulate(f, deps, nil))
	return cmd
}
