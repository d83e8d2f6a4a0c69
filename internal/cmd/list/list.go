// Package list implements `sesame list`: one row per profile of the config
// and shared credentials files, named exactly as botocore names them
// (package listing makes the rows and prints them).
package list

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/listing"
)

// Options are the inputs of `sesame list`.
type Options = listing.Options

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Store: f.Store, Now: f.Now, Hint: cmdutil.ErrorHint}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles and how each gets credentials",
		Long: `List every profile of the AWS config and shared credentials files, with its
credential source (keys, role, sso, process, web-identity), region, sso-session,
source_profile chain, whether a key pair is stored, and the cached session's
time left. Key pairs stored for profiles that no file names are listed too.

On a terminal the output is a table. When piped it is tab-separated text with
no header, one profile per line, in the columns:
  name, source, region, sso_session, chain (names joined by " -> "),
  stored_key (yes or no), session_expiration (RFC 3339, or empty)
(a tab or line break in a field is a space there, and other control
characters are written as escapes such as \x1b, as in the table).
With --json (where the values are exact, control characters escaped as JSON
escapes them) it is an array of objects with the keys name, source, chain,
region, sso_session, stored_key and session_expiration.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listing.Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}
