// Package picker lets a person choose a profile on the terminal: a fuzzy,
// filterable list of every profile with its account, role, credential
// source and cached session. It implements cmdutil.Picker.
//
// The list is drawn on and read from the controlling terminal (/dev/tty),
// never stdin or stdout, so that it works while stdout carries data, as in
// eval "$(sesame export --format sh)". Typing filters the list (fuzzy, on
// the name, account id and role name); Up/Down move, Enter chooses, Esc or
// Ctrl-C cancels, which returns cmdutil.ErrCanceled (exit status 130). The
// list is erased when the picker ends.
//
// A TTY is safe for concurrent use, though two pickers on one terminal at
// once make no sense.
package picker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/store"
)

var _ cmdutil.Picker = (*TTY)(nil)

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
// Cancelling returns cmdutil.ErrCanceled; no terminal, an error that says
// so; the end of ctx, its error.
func (p *TTY) PickProfile(ctx context.Context, cfg *awsconfig.Config) (string, error) {
	path := p.Path
	if path == "" {
		path = "/dev/tty"
	}
	tty, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("no terminal for the profile picker: %w", err)
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return "", fmt.Errorf("no terminal for the profile picker: %s is not one", path)
	}
	if len(cfg.ProfileNames()) == 0 {
		return "", errors.New("there are no profiles to choose from")
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	rows := Rows(cfg, p.sessions(ctx, cfg, now()), now())

	r := lipgloss.NewRenderer(tty)
	if p.Color != nil && !p.Color() {
		r.SetColorProfile(termenv.Ascii)
	}
	current := ""
	if p.Getenv != nil {
		current = cmp.Or(p.Getenv("SESAME_USE_PROFILE"), p.Getenv("AWS_PROFILE"))
	}
	prog := tea.NewProgram(newModel(rows, r, current),
		// Ctrl-C arrives as a key in raw mode; a SIGINT from elsewhere
		// ends the picker as a cancel, with the terminal restored.
		tea.WithInput(tty), tea.WithOutput(tty), tea.WithContext(ctx))
	final, err := prog.Run()
	switch {
	case errors.Is(err, tea.ErrInterrupted):
		return "", cmdutil.ErrCanceled
	case ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil:
		return "", fmt.Errorf("profile picker: %w", err)
	}
	m := final.(model)
	if m.canceled || m.chosen == "" {
		return "", cmdutil.ErrCanceled
	}
	return m.chosen, nil
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
