// Package picker lets a person choose a profile on the terminal: a fuzzy,
// filterable list of every profile with its account, role, credential
// source and cached session. It implements cmdutil.Picker (app assigns it to the Factory).
//
// The list is drawn on and read from the controlling terminal (/dev/tty;
// on Windows the console),
// never stdin or stdout, so that it works while stdout carries data, as in
// eval "$(sesame export --format sh)". Typing filters the list (fuzzy, on
// the name, account id and role name); Up/Down move, Enter chooses, Esc or
// Ctrl-C cancels, which returns prompt.ErrCanceled (exit status 130). The
// list is erased when the picker ends.
//
// Choose is the same list for any table (sesame configure sso picks
// accounts and roles with it).
//
// A TTY is safe for concurrent use, though two pickers on one terminal at
// once make no sense.
package picker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// TTY is the picker on the controlling terminal.
type TTY struct {
	// Store opens the secret store, to show which profiles have a cached
	// session; nil, or an error, leaves that column empty.
	Store func(context.Context) (*store.Store, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Color reports whether colour and other styling may be used; nil
	// means yes.
	Color func() bool
	// Getenv reads the environment, for the profile to start on: the one
	// sesame use switched to (SESAME_USE_PROFILE), else AWS_PROFILE. nil
	// starts on the first.
	Getenv func(string) string
	// Path is the terminal device; "" means /dev/tty.
	Path string
}

// PickProfile shows the profiles of cfg and returns the chosen one's name.
// Cancelling returns prompt.ErrCanceled; no terminal, an error that says
// so; the end of ctx, its error.
func (p *TTY) PickProfile(ctx context.Context, cfg *awsconfig.Config) (string, error) {
	if len(cfg.ProfileNames()) == 0 {
		return "", errors.New("there are no profiles to choose from")
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	rows := Rows(cfg, p.sessions(ctx, cfg, now()), now())
	current := ""
	if p.Getenv != nil {
		current = cmp.Or(p.Getenv("SESAME_USE_PROFILE"), p.Getenv("AWS_PROFILE"))
	}
	i, err := Choose(ctx, p.Path, p.Color, profileChoice(rows, current))
	if errors.Is(err, prompt.ErrNoTerminal) {
		return "", fmt.Errorf("no terminal for the profile picker: %w", err)
	}
	if err != nil {
		return "", err
	}
	return rows[i].Name, nil
}

// profileChoice lays the profiles out for Choose: typing matches a
// profile's name, account and role, and the cursor starts on current.
func profileChoice(rows []Row, current string) Choice {
	ch := Choice{Filter: "profile", Header: []string{"PROFILE", "ACCOUNT", "ROLE", "SOURCE", "SESSION"}}
	for i, r := range rows {
		ch.Rows = append(ch.Rows, []string{r.Name, r.Account, r.Role, r.Source, r.Session})
		ch.Search = append(ch.Search, r.Name+" "+r.Account+" "+r.Role)
		if r.Name == current {
			ch.Initial = i
		}
	}
	return ch
}

// sessions reads the cached sessions' expirations, best effort: any error
// leaves the column empty.
func (p *TTY) sessions(ctx context.Context, cfg *awsconfig.Config, now time.Time) map[string]time.Time {
	if p.Store == nil {
		return nil
	}
	st, err := p.Store(ctx)
	if err != nil || st == nil {
		return nil
	}
	inv, err := st.Inventory(ctx, cfg.ProfileNames(), now)
	if err != nil {
		return nil
	}
	return inv.Sessions
}
