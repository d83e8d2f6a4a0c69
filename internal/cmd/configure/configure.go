// Package configure implements `sesame configure`, interactive set-up of
// the AWS config file. Its one subcommand, `sesame configure sso`, is a
// wizard like the AWS CLI's `aws configure sso`: it asks for an IAM
// Identity Center start URL and region, writes (or reuses) an
// [sso-session NAME] section, signs in, lets the person choose an account
// and a role from filterable lists, and writes an sso_session profile.
//
// Every question is asked on the controlling terminal (/dev/tty), never on
// stdin or stdout; notes, sign-in instructions and the closing summary go
// to stderr. Without a terminal the wizard refuses with an error saying
// how to write the sections by hand instead. The config file is changed
// with awsconfig.Update: atomically, keeping every byte of it that the
// wizard does not set, and without losing what another process writes to
// it meanwhile. A run is one person's conversation on one terminal: its
// values are not meant for concurrent use.
package configure

import (
	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
)

// NewCmdConfigure builds `sesame configure` on deps.
func NewCmdConfigure(f *cmdutil.Factory, deps sso.Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "configure <command>",
		Short: "Set up profiles interactively",
	}
	cmd.AddCommand(NewCmdSSO(f, deps, nil))
	return cmd
}
