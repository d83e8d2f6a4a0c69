package sso

import (
	"context"
	"errors"
	"time"

	"github.com/sesamehq/sesame/internal/store"
)

// SignInState is what is known of a sign-in without calling AWS: when its
// access token expires and whether it can be refreshed without a person.
// It holds no token.
type SignInState struct {
	// Found is false when there is no sign-in at all.
	Found bool
	// ExpiresAt is when the access token expires.
	ExpiresAt time.Time
	// Refreshable is true when a refresh token and a client registration
	// that has not expired are at hand.
	Refreshable bool
	// Source is "sesame" (sesame's store) or "aws-cli" (the AWS CLI's
	// cache), whichever lasts longer.
	Source string
}

// Usable reports whether a token can be had at now without a person: the
// access token lasts more than a minute, or it can be refreshed.
func (s SignInState) Usable(now time.Time) bool {
	return s.Found && (s.ExpiresAt.Sub(now) > time.Minute || s.Refreshable)
}

// State reads the sign-in of s from sesame's store and the AWS CLI's cache,
// the one that lasts longer. It never calls AWS and never refreshes.
func (c *Client) State(ctx context.Context, s Session) (SignInState, error) {
	var state SignInState
	st, err := c.Store(ctx)
	if err != nil {
		return state, err
	}
	t, err := st.Token(ctx, s.Key())
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return state, err
	case t.AccessToken != "":
		state = SignInState{Found: true, ExpiresAt: t.ExpiresAt, Refreshable: refreshable(t, c.Now()), Source: "sesame"}
	}
	ct, ok, err := ReadCLICache(c.Home, s)
	if err != nil {
		return state, err
	}
	if ok && (ct.StartURL == "" || ct.BelongsTo(s)) {
		cli := store.Token{RefreshToken: ct.RefreshToken, ClientID: ct.ClientID, ClientSecret: ct.ClientSecret, RegistrationExpiresAt: ct.RegistrationExpiresAt}
		cs := SignInState{Found: true, ExpiresAt: ct.ExpiresAt, Refreshable: refreshable(cli, c.Now()), Source: "aws-cli"}
		if !state.Found || (cs.Refreshable && !state.Refreshable) || (cs.Refreshable == state.Refreshable && cs.ExpiresAt.After(state.ExpiresAt)) {
			state = cs
		}
	}
	return state, nil
}

// Need is "" when the role's credentials can be had without a person (the
// sign-in's token lasts, or can be refreshed), else the sign-in to make.
func (p *RoleProvider) Need(ctx context.Context) (string, error) {
	state, err := p.Client.State(ctx, p.Session)
	if err != nil {
		return "", err
	}
	if state.Usable(p.Client.Now()) {
		return "", nil
	}
	return "a sign-in to IAM Identity Center (" + p.Session.LoginHint(p.Profile) + ")", nil
}
