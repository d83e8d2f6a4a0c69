package app

import (
	"context"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmd/configure"
	"github.com/sesamehq/sesame/internal/cmd/doctor"
	"github.com/sesamehq/sesame/internal/cmd/migrate"
	"github.com/sesamehq/sesame/internal/cmd/setup"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/backends"
)

// newCmdSetup wires sesame setup: the steps that belong to other commands
// (the vault offer, migrate, configure sso, doctor) run their code here,
// on one store that setup opens without the automatic vault offer (setup
// makes that offer itself, and --yes answers it).
func newCmdSetup(f *cmdutil.Factory, ssoDeps sso.Deps) *cobra.Command {
	var st *store.Store
	openStore := func(ctx context.Context) (*store.Store, error) {
		if st != nil {
			return st, nil
		}
		home, err := f.HomeDir()
		if err != nil {
			return nil, err
		}
		deps := backends.Deps{LookupEnv: f.LookupEnv, Home: home, Prompter: f.Prompter, Stderr: f.IOStreams.ErrOut, Logger: f.Logger}
		b, err := backends.Open(ctx, f.BackendName, deps)
		if err != nil {
			return nil, err
		}
		st, err = f.NewStore(b)
		return st, err
	}
	// runSub runs a command built with a runF that sets its options.
	runSub := func(ctx context.Context, cmd *cobra.Command) error {
		cmd.SetContext(ctx)
		return cmd.RunE(cmd, nil)
	}
	deps := setup.Deps{
		Store: openStore,
		OfferVault: func(ctx context.Context, yes bool) (bool, string, error) {
			if f.SettingsPath == "" {
				return false, "", nil
			}
			home, err := f.HomeDir()
			if err != nil {
				return false, "", err
			}
			explainVault(f, home)
			if !yes {
				ok, err := f.Prompter.Confirm(ctx, "Use the encrypted file from now on?", true)
				if err != nil || !ok {
					return false, "", err
				}
			} else {
				f.IOStreams.Warnf("using the encrypted file (--yes)")
			}
			if err := saveVault(f); err != nil {
				return false, "", err
			}
			st = nil // the next openStore opens the vault
			return true, f.SettingsPath, nil
		},
		Migrate: func(ctx context.Context) error {
			return runSub(ctx, migrate.NewCmdMigrate(f, func(ctx context.Context, o *migrate.Options) error {
				o.Store, o.Yes = openStore, true
				return migrate.Run(ctx, o)
			}))
		},
		ConfigureSSO: func(ctx context.Context) error {
			return runSub(ctx, configure.NewCmdSSO(f, ssoDeps, nil))
		},
		Doctor: func(ctx context.Context) error {
			return runSub(ctx, doctor.NewCmdDoctor(f, func(ctx context.Context, o *doctor.Options) error {
				o.Env = func() (*doctor.Env, error) {
					env, err := doctor.FactoryEnv(f)
					if err == nil {
						env.Store = openStore
					}
					return env, err
				}
				return doctor.Run(ctx, o)
			}))
		},
	}
	return setup.NewCmdSetup(f, deps, func() string { return cmdutil.SelfCommand(exec.LookPath, f.Executable) }, nil)
}
