// Package backends opens a store backend by name. It is the one place that
// knows every backend; choosing one is explicit, and a backend that cannot be
// used is an error, never a silent switch to another.
package backends

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/keychain"
	"github.com/sesamehq/sesame/internal/store/pass"
	"github.com/sesamehq/sesame/internal/store/secretservice"
	"github.com/sesamehq/sesame/internal/store/vault"
	"github.com/sesamehq/sesame/internal/store/wincred"
)

// Names are the backends --backend and SESAME_BACKEND take.
var Names = []string{"secret-service", "keychain", "wincred", "pass", "file"}

// Deps are what backends need from the process.
type Deps struct {
	LookupEnv func(string) (string, bool)
	Home      string
	Prompter  prompt.Prompter
	Stderr    io.Writer
	Logger    *slog.Logger
}

// Open opens the backend called name; "" means SESAME_BACKEND, else the
// platform's keyring when it is reachable.
func Open(ctx context.Context, name string, d Deps) (store.Backend, error) {
	if name == "" {
		name, _ = d.LookupEnv("SESAME_BACKEND")
	}
	explicit := name != ""
	if !explicit {
		var err error
		if name, err = platformDefault(ctx, d); err != nil {
			return nil, err
		}
	}
	switch name {
	case "file":
		ttlText, _ := d.LookupEnv("SESAME_FILE_UNLOCK_TTL")
		ttl, err := vault.ParseTTL(ttlText)
		if err != nil {
			return nil, err
		}
		return vault.New(vault.Options{Dir: vault.DefaultDir(d.LookupEnv, d.Home), LookupEnv: d.LookupEnv,
			Prompter: d.Prompter, Stderr: d.Stderr, Logger: d.Logger, UnlockTTL: ttl}), nil
	case "secret-service":
		return secretservice.New(d.LookupEnv, secretservice.WithLogger(d.Logger))
	case "pass":
		return pass.New(d.LookupEnv, pass.WithLogger(d.Logger))
	case "keychain":
		return keychain.New()
	case "wincred":
		return wincred.New()
	case "keyctl":
		return nil, fmt.Errorf("keyctl is not a store of its own (the kernel keeps only about 20 KB per user); sesame uses it to cache the file vault's unlocked key: choose --backend file")
	}
	return nil, fmt.Errorf("unknown backend %q: choose one of %s", name, strings.Join(Names, ", "))
}

// platformDefault names the platform's keyring when it can be reached.
func platformDefault(ctx context.Context, d Deps) (string, error) {
	switch runtime.GOOS {
	case "darwin":
		return "keychain", nil
	case "windows":
		return "wincred", nil
	}
	if err := secretservice.Available(ctx, d.LookupEnv); err != nil {
		return "", &NoKeyringError{Err: err}
	}
	return "secret-service", nil
}

// NoKeyringError is the platform keyring being out of reach when no
// backend was chosen (Linux without a Secret Service, say). It wraps
// store.ErrUnavailable; the hint (cmdutil.StoreHint) says how to choose.
type NoKeyringError struct {
	Err error // why, from the keyring's own check
}

func (e *NoKeyringError) Error() string { return "no keyring to keep secrets in: " + e.Err.Error() }
func (e *NoKeyringError) Unwrap() error { return e.Err }
