package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesignin"
)

// signinConfig parses the flags of `fakeaws signin`.
func signinConfig(args []string, stderr io.Writer) (cfg fakesignin.Config, addr string, err error) {
	fs := flag.NewFlagSet("fakeaws signin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&addr, "addr", "127.0.0.1:0", "`address` to listen on")
	fs.StringVar(&cfg.MotoURL, "moto", "", "moto server `URL` that mints credentials (empty: made-up credentials)")
	fs.StringVar(&cfg.AccountID, "account", fakesignin.DefaultAccountID, "account id of the signed-in principal")
	fs.StringVar(&cfg.RoleName, "role", fakesignin.DefaultRoleName, "role the console session uses")
	fs.StringVar(&cfg.UserName, "user", fakesignin.DefaultUserName, "user (role session) name")
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", fakesignin.DefaultTokenTTL, "credential lifetime (expiresIn)")
	fs.DurationVar(&cfg.SessionTTL, "session-ttl", fakesignin.DefaultSessionTTL, "how long refresh tokens work")
	fs.DurationVar(&cfg.CodeTTL, "code-ttl", fakesignin.DefaultCodeTTL, "authorization code lifetime")
	fs.BoolVar(&cfg.AutoApprove, "auto-approve", false, "approve every sign-in without the page")
	if err := fs.Parse(args); err != nil {
		return cfg, "", err
	}
	if fs.NArg() > 0 {
		return cfg, "", fmt.Errorf("signin: unexpected argument %q", fs.Arg(0))
	}
	if len(cfg.AccountID) != 12 {
		return cfg, "", fmt.Errorf("signin: --account %q is not 12 digits", cfg.AccountID)
	}
	if cfg.TokenTTL <= 0 || cfg.TokenTTL > 15*time.Minute {
		return cfg, "", fmt.Errorf("signin: --token-ttl must be between 1s and 15m")
	}
	return cfg, addr, nil
}

// runSignin serves the fake AWS Sign-In until ctx ends.
func runSignin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, addr, err := signinConfig(args, stderr)
	if err != nil {
		return err
	}
	u, stop, err := fakesignin.New(cfg).Listen(addr)
	if err != nil {
		return err
	}
	defer stop()
	if _, err := fmt.Fprintln(stdout, "signin", u); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
