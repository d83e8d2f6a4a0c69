package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/settings"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/backends"
	"github.com/sesamehq/sesame/internal/store/vault"
)

// useSettings reads sesame's settings file and makes its values the
// defaults of the variables they stand for: the environment and flags
// override them. A file that cannot be read is kept as f.SettingsErr.
func useSettings(f *cmdutil.Factory) {
	home, err := f.HomeDir()
	if err != nil {
		return // commands that need a home say so themselves
	}
	f.SettingsPath = settings.Path(f.LookupEnv, home)
	s, err := settings.Load(f.SettingsPath)
	if err != nil {
		f.SettingsErr = err
		return
	}
	f.LookupEnv = s.LookupEnv(f.LookupEnv)
}

// offerVault is what happens when no backend was chosen and the platform's
// keyring is out of reach. With a person at the terminal, sesame offers the
// encrypted file vault, says what that means, and remembers a yes in the
// settings file; it never chooses silently. Otherwise (or on a no) the
// error is returned, with its hint (run: sesame setup).
func offerVault(ctx context.Context, f *cmdutil.Factory, nk *backends.NoKeyringError, deps backends.Deps) (store.Backend, error) {
	if !f.IOStreams.IsStderrTTY() || f.Prompter == nil || f.SettingsPath == "" || f.SettingsErr != nil {
		return nil, nk
	}
	f.IOStreams.Warnf("%v", nk)
	explainVault(f, deps.Home)
	yes, err := f.Prompter.Confirm(ctx, "Use the encrypted file from now on?", false)
	if err != nil {
		return nil, err
	}
	if !yes {
		// The reason is on the screen already: say what is left, once.
		return nil, store.Unavailable(errors.New("no store to keep secrets in: the keyring is out of reach and the encrypted file was declined"))
	}
	if err := saveVault(f); err != nil {
		return nil, err
	}
	return backends.Open(ctx, "file", deps)
}

// explainVault says on stderr what the encrypted file vault is and where
// the choice is saved (the vault offer and sesame setup both show it).
func explainVault(f *cmdutil.Factory, home string) {
	fmt.Fprintf(f.IOStreams.ErrOut, `
sesame can keep your secrets in an encrypted file instead: %s/vault,
encrypted with a passphrase you choose (argon2id and XChaCha20-Poly1305). Once
typed, the passphrase's key stays in the kernel keyring for %s, so you
are not asked on every command (SESAME_FILE_UNLOCK_TTL changes that).
The choice is saved as "backend = file" in %s;
SESAME_BACKEND and --backend still override it.

`, vault.DefaultDir(f.LookupEnv, home), vault.DefaultUnlockTTL, f.SettingsPath)
}

// saveVault writes backend = file into the settings file, says so, and
// makes it the default of SESAME_BACKEND for the rest of this run.
func saveVault(f *cmdutil.Factory) error {
	if err := settings.Set(f.SettingsPath, "backend", "file"); err != nil {
		return fmt.Errorf("cannot save the choice: %w", err)
	}
	f.IOStreams.Warnf("saved backend = file in %s", f.SettingsPath)
	useSettings(f)
	return nil
}
