package store

import (
	"context"
	"time"
)

// signInPrefix names the stored AWS Sign-In sessions.
const signInPrefix = prefix + "signin:"

// SignIn is an AWS Sign-In session (what `aws login` keeps in a plain
// file): the DPoP private key, the refresh token bound to it and the
// current credentials. It is stored under its login_session ARN, so that
// profiles naming the same session share it.
type SignIn struct {
	// LoginSession is the profile's login_session value (an ARN).
	LoginSession string `json:"login_session"`
	// Region is where the session was made; it must be refreshed there.
	Region string `json:"region"`
	// ClientID is the sign-in client (same-device or cross-device).
	ClientID string `json:"client_id"`
	// DPoPKey is the SEC1 PEM private key the refresh token is bound to.
	DPoPKey      string `json:"dpop_key"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token,omitempty"`
	// The current credentials.
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	AccountID       string    `json:"account_id"`
	Expiration      time.Time `json:"expiration"`
	// Issued is when the sign-in was made.
	Issued time.Time `json:"issued,omitzero"`
	// Shared records that sesame keeps the AWS CLI's cache file in step.
	Shared bool `json:"shared,omitempty"`
}

// SignIn returns the stored session for loginSession, or ErrNotFound.
func (s *Store) SignIn(ctx context.Context, loginSession string) (SignIn, error) {
	return getItem[SignIn](ctx, s, signInPrefix, "signin", loginSession)
}

// SetSignIn stores a session.
func (s *Store) SetSignIn(ctx context.Context, si SignIn) error {
	return s.setItem(ctx, signInPrefix, "signin", si.LoginSession, si)
}

// RemoveSignIn deletes a session; ErrNotFound when none.
func (s *Store) RemoveSignIn(ctx context.Context, loginSession string) error {
	return s.removeItem(ctx, signInPrefix, "signin", loginSession)
}

// SignIns returns every stored session, for signout --all and status.
func (s *Store) SignIns(ctx context.Context) ([]SignIn, error) {
	return listItems[SignIn](ctx, s, signInPrefix)
}

// SignInTag is an opaque name for a session's lock file.
func (s *Store) SignInTag(ctx context.Context, loginSession string) (string, error) {
	key, err := s.key(ctx, true)
	if err != nil {
		return "", err
	}
	return tag(key, "signin-lock", loginSession), nil
}
