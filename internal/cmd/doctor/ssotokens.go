package doctor

import (
	"context"
	"errors"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// ssoTarget is one sign-in with the command that signs in to it.
type ssoTarget struct {
	session sso.Session
	login   string
}

// ssoTargets returns the sign-ins of the config that are configured
// correctly (checkSSOSessions reports the others).
func ssoTargets(cfg *awsconfig.Config) []ssoTarget {
	var out []ssoTarget
	for _, t := range sso.Targets(cfg) {
		out = append(out, ssoTarget{t.Session, t.LoginCommand()})
	}
	return out
}

// checkSSOTokens: each sign-in is there and valid for more than
// ExpiringWithin, or renews itself with its refresh token.
func checkSSOTokens(ctx context.Context, e *Env) []Line {
	cfg := e.config()
	st, err := e.store(ctx)
	if cfg == nil || err != nil {
		return nil
	}
	now := e.Now()
	var lines []Line
	for _, tg := range ssoTargets(cfg) {
		name := tg.session.Describe()
		t, err := st.Token(ctx, tg.session.Key())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			lines = append(lines, fail(cmdutil.ErrorHint(err), "%s: cannot read the sign-in: %s", name, e.tilde(err.Error())))
			continue
		}
		found := err == nil
		left := t.ExpiresAt.Sub(now)
		renews := found && t.RefreshToken != "" && t.RegistrationExpiresAt.After(now)
		if found && left >= ExpiringWithin {
			lines = append(lines, ok("%s: signed in (%s left)", name, timefmt.Short(left)))
			continue
		}
		if renews {
			lines = append(lines, ok("%s: signed in (the token renews itself until %s)", name, timefmt.At(t.RegistrationExpiresAt, now)))
			continue
		}
		// The AWS CLI's sign-in, which sesame uses when it has none.
		if ct, cached, err := sso.ReadCLICache(e.Home, tg.session); err == nil && cached && ct.ExpiresAt.Sub(now) >= ExpiringWithin {
			lines = append(lines, ok("%s: signed in through the AWS CLI (%s left)", name, timefmt.Short(ct.ExpiresAt.Sub(now))))
			continue
		}
		switch {
		case !found:
			lines = append(lines, warn(tg.login, "%s: not signed in", name))
		case left > 0:
			lines = append(lines, warn(tg.login, "%s: the sign-in expires in %s", name, timefmt.Short(left)))
		default:
			lines = append(lines, warn(tg.login, "%s: the sign-in expired %s ago", name, timefmt.Short(-left)))
		}
	}
	return lines
}
