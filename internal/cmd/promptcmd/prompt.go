// Package promptcmd implements `sesame prompt`: one short segment for the
// shell prompt, the profile in use and its time left. It runs on every
// prompt, so it reads only the environment and the expiry index beside the
// store: never the keyring, the AWS files or the network.
package promptcmd

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/promptseg"
)

// Formats are the values --format takes.
var Formats = promptseg.Formats

// Warn is how little time left turns the segment yellow.
const Warn = promptseg.Warn

// Options are the inputs of `sesame prompt`.
type Options struct {
	IO       *iostreams.IOStreams
	Getenv   func(string) string
	StateDir func() (string, error)
	Now      func() time.Time
	Format   string
}

// NewCmdPrompt builds the command; runF replaces the run function in tests.
func NewCmdPrompt(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Getenv: f.Getenv, StateDir: f.StateDir, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "prompt [--format F]",
		Short: "Print a shell prompt segment: the profile in use and its time left",
		Long: `Print one short segment for the shell prompt: the profile in use and the time
left on its credentials, yellow when under 15 minutes and red once expired;
nothing when no profile is in use.

The profile is the one sesame use switched to (SESAME_USE_PROFILE), else the
one sesame exec runs (SESAME_PROFILE), else AWS_PROFILE. The time left is
AWS_CREDENTIAL_EXPIRATION when credentials are in the environment, else that
of the profile's latest cached session, from a small index (no secrets) that
sesame keeps beside the store. It never opens the keyring, reads the AWS files
or calls AWS, so it is cheap enough for every prompt.

Formats: text (colours as ANSI escapes: fish, starship), bash and zsh (the
escapes marked as taking no room, for PS1 and PROMPT), plain (no colour).`,
		Example: `  PS1='$(sesame prompt --format bash) \w \$ '                  # bash
  setopt PROMPT_SUBST; PROMPT='$(sesame prompt --format zsh) %~ %# '   # zsh`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !promptseg.Valid(opts.Format) {
				return cmdutil.Usagef("unknown format %q: choose one of %s", opts.Format, strings.Join(Formats, ", "))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output format: "+strings.Join(Formats, ", "))
	return cmd
}

// Run prints the segment.
func Run(_ context.Context, o *Options) error {
	dir, err := o.StateDir()
	if err != nil {
		dir = ""
	}
	_, err = io.WriteString(o.IO.Out, promptseg.Segment(o.Format, o.Getenv, dir, o.Now()))
	return err
}
