package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
)

// ssoOptions are the flags of `fakeaws sso`.
type ssoOptions struct {
	Addr            string
	Moto            string
	Accounts        int
	Roles           int
	ConfigFile      string
	TokenTTL        time.Duration
	RegistrationTTL time.Duration
	RoleTTL         time.Duration
	Rate            float64
	AutoApprove     bool
}

func parseSSO(args []string, stderr io.Writer) (ssoOptions, error) {
	var o ssoOptions
	fs := flag.NewFlagSet("fakeaws sso", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:0", "`address` to listen on")
	fs.StringVar(&o.Moto, "moto", "", "moto server `URL` that mints role credentials (empty: made-up credentials)")
	fs.IntVar(&o.Accounts, "accounts", 3, "number of generated accounts")
	fs.IntVar(&o.Roles, "roles", 2, "number of generated roles per account")
	fs.StringVar(&o.ConfigFile, "config", "", "JSON `file` of accounts: {\"accounts\":[{\"id\",\"name\",\"email\",\"roles\":[...]}]}")
	fs.DurationVar(&o.TokenTTL, "token-ttl", fakesso.DefaultTokenTTL, "access token lifetime")
	fs.DurationVar(&o.RegistrationTTL, "registration-ttl", fakesso.DefaultRegistrationTTL, "client registration lifetime")
	fs.DurationVar(&o.RoleTTL, "role-ttl", fakesso.DefaultRoleCredentialTTL, "role credential lifetime")
	fs.Float64Var(&o.Rate, "rate", 0, "portal calls per second before TooManyRequests (0: unlimited)")
	fs.BoolVar(&o.AutoApprove, "auto-approve", false, "approve every sign-in without the approval page")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("sso: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.ConfigFile != "" && (set["accounts"] || set["roles"]) {
		return o, errors.New("sso: --config and --accounts/--roles do not go together")
	}
	if o.Accounts < 0 || o.Roles < 0 {
		return o, errors.New("sso: --accounts and --roles must not be negative")
	}
	if o.Rate < 0 {
		return o, errors.New("sso: --rate must not be negative")
	}
	return o, nil
}

// loadAccounts reads a --config file.
func loadAccounts(path string) ([]fakesso.Account, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sso: %w", err)
	}
	var f struct {
		Accounts []fakesso.Account `json:"accounts"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("sso: %s: %w", path, err)
	}
	for i, a := range f.Accounts {
		if len(a.ID) != 12 {
			return nil, fmt.Errorf("sso: %s: account %d: id %q is not 12 digits", path, i+1, a.ID)
		}
	}
	return f.Accounts, nil
}

// ssoConfig turns the options into the fake's configuration.
func ssoConfig(o ssoOptions) (fakesso.Config, error) {
	cfg := fakesso.Config{
		MotoURL:           o.Moto,
		TokenTTL:          o.TokenTTL,
		RegistrationTTL:   o.RegistrationTTL,
		RoleCredentialTTL: o.RoleTTL,
		Rate:              o.Rate,
		AutoApprove:       o.AutoApprove,
	}
	if o.ConfigFile != "" {
		accounts, err := loadAccounts(o.ConfigFile)
		if err != nil {
			return cfg, err
		}
		cfg.Accounts = accounts
	} else {
		cfg.Accounts = fakesso.Generate(o.Accounts, o.Roles)
	}
	return cfg, nil
}

// runSSO serves the fake IAM Identity Center until ctx ends.
func runSSO(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseSSO(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := ssoConfig(o)
	if err != nil {
		return err
	}
	u, stop, err := fakesso.New(cfg).Listen(o.Addr)
	if err != nil {
		return err
	}
	defer stop()
	if _, err := fmt.Fprintln(stdout, "sso", u); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
