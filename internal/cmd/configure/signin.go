package configure

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// signInAndList signs in (or uses the sign-in it has, for a reused
// session) and lists the accounts and roles, at the portal's pace.
func (w *wizard) signInAndList(ctx context.Context, client Client) ([]store.ListedAccount, error) {
	s := w.session
	token, fresh := "", false
	if w.reused {
		t, err := client.Token(ctx, s, "")
		var le *sso.LoginError
		switch {
		case err == nil:
			token = t
			w.opts.IO.Warnf("using your sign-in to %s", s.Describe())
		case !errors.As(err, &le):
			return nil, err
		}
	}
	for try := 0; ; try++ {
		if token == "" {
			t, err := client.Login(ctx, s, w.opts.LoginOptions(false, false))
			if err != nil {
				return nil, cmdutil.WithHint(fmt.Errorf("signing in to %s: %w", s.Describe(), err),
					"run sesame configure sso again; or sign in with: sesame sso login --device-code --sso-session "+s.Name)
			}
			token, fresh = t.AccessToken, true
			w.opts.IO.Warnf("signed in to %s until %s", s.Describe(), timefmt.At(t.ExpiresAt, w.now()))
		}
		accounts, err := w.list(ctx, client, token)
		if errors.Is(err, sso.ErrUnauthorized) && !fresh && try == 0 {
			// The kept sign-in was refused: sign in again, once.
			_ = client.Forget(ctx, s)
			token = ""
			continue
		}
		if errors.Is(err, sso.ErrUnauthorized) {
			_ = client.Forget(ctx, s)
			return nil, &sso.LoginError{Session: s, Reason: sso.ErrUnauthorized.Error()}
		}
		return accounts, err
	}
}

// list lists the accounts the token reaches and their roles, leaving out
// accounts with no role.
func (w *wizard) list(ctx context.Context, client Client, token string) ([]store.ListedAccount, error) {
	portal, err := client.Portal(ctx, w.session.Region)
	if err != nil {
		return nil, err
	}
	w.opts.IO.Warnf("listing your accounts and roles")
	l := &sso.Lister{Portal: portal, Token: token, Logger: w.opts.Logger}
	if w.opts.IO.IsStderrTTY() {
		stop := w.progress(l)
		defer stop()
	}
	if w.opts.Lister != nil {
		w.opts.Lister(l)
	}
	all, err := l.List(ctx)
	if err != nil {
		if errors.Is(err, sso.ErrUnauthorized) {
			return nil, err
		}
		return nil, fmt.Errorf("listing the accounts of %s: %w", w.session.Describe(), err)
	}
	var out []store.ListedAccount
	for _, a := range all {
		if len(a.Roles) > 0 {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, cmdutil.WithHint(fmt.Errorf("your sign-in to %s reaches no account with a role", w.session.Describe()),
			"ask your IAM Identity Center administrator to assign you a permission set")
	}
	return out, nil
}

// now is the wizard's clock.
func (w *wizard) now() time.Time {
	if w.opts.Now == nil {
		return time.Now()
	}
	return w.opts.Now()
}

// progress shows the listing's progress on one line of stderr (a
// terminal), at most ten times a second; stop erases the line.
func (w *wizard) progress(l *sso.Lister) (stop func()) {
	now := w.now
	var last time.Time
	shown := false
	l.Progress = func(p sso.Progress) {
		if t := now(); t.Sub(last) >= 100*time.Millisecond {
			last, shown = t, true
			more := "+"
			if p.AllFound {
				more = ""
			}
			fmt.Fprintf(w.opts.IO.ErrOut, "\r\x1b[Ksesame: listed the roles in %d of %d%s accounts", p.Done, p.Accounts, more)
		}
	}
	return func() {
		if shown {
			fmt.Fprint(w.opts.IO.ErrOut, "\r\x1b[K")
		}
	}
}
