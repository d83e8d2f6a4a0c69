package app

import (
	"context"
	"path/filepath"

	"github.com/sesamehq/sesame/internal/browser"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/signin"
)

// newSigninManager builds the keeper of AWS Sign-In sessions on the
// factory's store, clock and environment.
func newSigninManager(f *cmdutil.Factory) (*signin.Manager, error) {
	state, err := f.StateDir()
	if err != nil {
		return nil, err
	}
	home, err := f.HomeDir()
	if err != nil {
		return nil, err
	}
	m := &signin.Manager{
		Store: func(ctx context.Context) (signin.Store, error) {
			st, err := f.Store(ctx)
			if err != nil {
				return nil, cmdutil.StoreError(err)
			}
			return st, nil
		},
		NewAPI: func(ctx context.Context, region string) (signin.TokenAPI, error) {
			api, _, err := signin.NewAPI(ctx, state, region, "", f.LookupEnv)
			return api, err
		},
		CacheDir: signin.CacheDir(home, f.LookupEnv),
		LockDir:  filepath.Join(state, "locks"),
		Now:      f.Now,
		Logger:   f.Logger,
	}
	// Sign in on the spot only where a person can: a terminal. Elsewhere
	// (credential_process, CI) the error names sesame signin.
	if f.IOStreams.IsStderrTTY() {
		m.SignInNow = func(ctx context.Context, profile, region string) (signin.Exchanged, error) {
			api, base, err := signin.NewAPI(ctx, state, region, "", f.LookupEnv)
			if err != nil {
				return signin.Exchanged{}, err
			}
			flow := signinDeps(f).Flow(false, false)
			flow.Base, flow.Describe = base, "profile "+profile
			if flow.Remote && f.Prompter != nil {
				flow.ReadCode = func(ctx context.Context) (string, error) { return f.Prompter.Line(ctx, "Code: ") }
			}
			return (&signin.Client{API: api, Now: f.Now}).SignIn(ctx, flow)
		}
	}
	return m, nil
}

// signinDeps wires `sesame signin` and `sesame signout`.
func signinDeps(f *cmdutil.Factory) signin.Deps {
	return signin.Deps{
		Manager: func() (*signin.Manager, error) { return newSigninManager(f) },
		NewAPI: func(ctx context.Context, region, endpoint string) (signin.TokenAPI, string, error) {
			state, err := f.StateDir()
			if err != nil {
				return nil, "", err
			}
			return signin.NewAPI(ctx, state, region, endpoint, f.LookupEnv)
		},
		// The cross-device flow where there is no local browser, as for
		// the SSO device code.
		Flow: func(remote, noBrowser bool) signin.FlowOptions {
			return signin.FlowOptions{
				Remote:    remote || noLocalBrowser(f),
				NoBrowser: noBrowser,
				Opener:    browser.System{LookupEnv: f.LookupEnv, Stderr: f.IOStreams.ErrOut},
				Out:       f.IOStreams.ErrOut,
			}
		},
	}
}
