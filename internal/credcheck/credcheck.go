// Package credcheck is what stands between the commands and the credential
// chain of internal/creds: [Checked], the Getter decorator the Factory
// wraps the chain in (its errors get a next step; credentials that would
// corrupt an output format are refused), and [AddRequestFlags], the flags
// that shape a request. The commands that get credentials (export, exec,
// use, whoami, login) share both; it imports no command.
package credcheck

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/store"
)

// AddRequestFlags adds the flags that shape a credentials request:
// --duration, --no-session, --region and --mfa-token.
func AddRequestFlags(fl *pflag.FlagSet, req *creds.Request) {
	fl.DurationVar(&req.Duration, "duration", 0, "session length, e.g. 1h or 8h (default: the profile's duration_seconds, else 1h)")
	fl.BoolVar(&req.NoSession, "no-session", false, "use the stored long-term keys directly, without GetSessionToken")
	fl.StringVar(&req.Region, "region", "", "region to use (default: the profile's)")
	fl.StringVar(&req.MFAToken, "mfa-token", "", "the current MFA code, instead of being asked for it")
}

// Checked returns a Getter that runs g for a request and checks what it
// gives: an error gets a hint when it has none, and credentials without
// keys, or with a key that is not one printable word, are refused (they
// would corrupt every output format). --region, when given, is the region
// of the result. A nil g gives a Getter that says this build has no chain.
func Checked(g creds.Getter) creds.Getter {
	return func(ctx context.Context, req creds.Request) (creds.Result, error) { return get(ctx, g, req) }
}

func get(ctx context.Context, g creds.Getter, req creds.Request) (creds.Result, error) {
	if req.Duration < 0 {
		return creds.Result{}, cmdutil.Usagef("--duration must be positive, not %v", req.Duration)
	}
	if g == nil {
		return creds.Result{}, errors.New("this build of sesame has no credential chain")
	}
	res, err := g(ctx, req)
	if err != nil {
		return creds.Result{}, credsError(err, req.Profile)
	}
	if req.Region != "" {
		res.Region = req.Region
	}
	for _, f := range []struct{ name, value string }{
		{"access key id", res.AccessKeyID},
		{"secret access key", res.SecretAccessKey},
		{"session token", res.SessionToken},
	} {
		if (f.value == "" && f.name != "session token") || !store.OneWord(f.value) {
			return creds.Result{}, cmdutil.WithHint(
				fmt.Errorf("the credentials for profile %s have an empty or malformed %s", req.Profile, f.name),
				fmt.Sprintf("check what profile %s's credential source returns (run: sesame list)", req.Profile))
		}
	}
	return res, nil
}

// credsError gives an error from the credential chain a next step, when it
// has none.
func credsError(err error, profile string) error {
	if cmdutil.Hint(err) != "" || errors.Is(err, context.Canceled) {
		return err
	}
	if err = cmdutil.StoreError(err); cmdutil.Hint(err) != "" {
		return err
	}
	return cmdutil.WithHint(err, fmt.Sprintf("check how profile %s gets credentials: sesame list; run again with --debug for details", profile))
}
