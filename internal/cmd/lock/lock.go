// Package lock implements `sesame lock`: forget the unlocked vault key.
package lock

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

// Forgetter is a backend that caches an unlocked key and can forget it.
type Forgetter interface {
	Forget(ctx context.Context) error
}

// Options are the inputs of `sesame lock`.
type Options struct {
	IO    *iostreams.IOStreams
	Store func(context.Context) (*store.Store, error)
}

// NewCmdLock builds the command; runF replaces the run function in tests.
func NewCmdLock(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Store: f.Store}
	return &cobra.Command{
		Use:   "lock",
		Short: "Forget the file vault's unlocked key now",
		Long: `The file backend keeps its unlocked key in the kernel keyring for
SESAME_FILE_UNLOCK_TTL (default 15m) so that each run does not ask again.
sesame lock forgets it at once; the next use asks for the passphrase.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run forgets the key.
func Run(ctx context.Context, opts *Options) error {
	st, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	b := store.Unwrap(st.Backend())
	f, ok := b.(Forgetter)
	if !ok {
		opts.IO.Warnf("the %s backend keeps no unlocked key of sesame's; nothing to forget", b.Name())
		return nil
	}
	if err := f.Forget(ctx); err != nil {
		return err
	}
	opts.IO.Warnf("locked: the next use of the %s store asks for its passphrase", b.Name())
	return nil
}
