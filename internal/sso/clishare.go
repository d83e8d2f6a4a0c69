package sso

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/sesamehq/sesame/internal/store"
)

// Sharing a sign-in with the AWS CLI's cache.
//
// Refresh tokens rotate: a refresh answers a new refresh token and the one
// it used stops working. Once sesame and another tool (the AWS CLI, boto3,
// an SDK) hold the same refresh token, whichever refreshes first leaves the
// other with a dead one. So:
//
//   - when sesame's token nears expiry and the cache file of the session
//     holds a newer sign-in (another tool refreshed it), sesame takes the
//     file's token, and refreshes with the file's refresh token if that
//     token is near expiry too;
//   - when sesame's own refresh is refused (InvalidGrant: another tool used
//     it), sesame tries the file's refresh token;
//   - a token taken from the file is marked Shared, so sesame writes every
//     later refresh back to the file, keeping the other tool's copy alive
//     (the same problem in the other direction);
//   - logout deletes the session's file whatever the last sign-in's flags,
//     when sesame wrote it or it is a sign-in to the same start URL (which
//     sesame would otherwise go on using).

// renew gets a new token for the session when sesame's own, t, is near
// expiry: the file's newer token, else a refresh with the likelier live
// refresh token first. It stores what it got. ok is false when neither
// worked; err is a failure to store.
func (c *Client) renew(ctx context.Context, st *store.Store, s Session, t store.Token) (nt store.Token, ok bool, err error) {
	now := c.Now()
	var tries []store.Token
	if refreshable(t, now) {
		tries = append(tries, t)
	}
	ct, found, rerr := readCLIFile(CachePath(c.Home, s))
	if rerr != nil {
		c.debug("ignoring the AWS CLI's SSO cache", "session", s.Key(), "error", rerr)
	}
	if rerr == nil && found && ct.BelongsTo(s) && ct.AccessToken != "" && (ct.AccessToken != t.AccessToken || ct.RefreshToken != t.RefreshToken) {
		ft := adopt(s, t, ct)
		newer := ct.ExpiresAt.After(t.ExpiresAt)
		if newer && ct.ExpiresAt.Sub(now) > refreshBefore {
			if err := st.SetToken(ctx, ft); err != nil {
				return t, false, err
			}
			c.debug("took the newer SSO token from the AWS CLI's cache", "session", s.Key(), "expires", ft.ExpiresAt)
			return ft, true, nil
		}
		if ft.RefreshToken != t.RefreshToken && refreshable(ft, now) {
			// A file whose token expires no sooner than sesame's was
			// written after it: the other tool refreshed (tokens expire
			// on whole seconds, so within the same second too), and the
			// refresh token sesame holds is the dead one.
			if !ct.ExpiresAt.Before(t.ExpiresAt) {
				tries = append([]store.Token{ft}, tries...)
			} else {
				tries = append(tries, ft)
			}
		}
	}
	for _, try := range tries {
		from := "sesame"
		if try.RefreshToken != t.RefreshToken {
			from = "the AWS CLI's cache"
		}
		nt, err := c.refresh(ctx, s, try)
		if err != nil {
			c.debug("SSO token refresh failed", "session", s.Key(), "refresh_token_from", from, "error", err)
			continue
		}
		if err := st.SetToken(ctx, nt); err != nil {
			return t, false, err
		}
		if nt.Shared {
			// The rotated refresh token goes back to the file, or the
			// other tool's copy is dead.
			if err := WriteCLICache(c.Home, s, cliToken(s, nt)); err != nil {
				c.debug("cannot write the refreshed SSO token to the AWS CLI's cache", "session", s.Key(), "error", err)
			}
		}
		return nt, true, nil
	}
	return t, false, nil
}

// refreshable reports whether t has what a refresh needs.
func refreshable(t store.Token, now time.Time) bool {
	return t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" &&
		(t.RegistrationExpiresAt.IsZero() || t.RegistrationExpiresAt.After(now))
}

// adopt is sesame's token t replaced by the cache file's sign-in ct. With a
// refresh token, the file's registration comes too (a refresh token works
// only with the client it was issued to) and the token is marked Shared;
// a registration that is not sesame's own is not reused for a sign-in
// (Flow is cleared). Without one, sesame keeps its own refresh token.
func adopt(s Session, t store.Token, ct CLIToken) store.Token {
	ft := t
	ft.Session, ft.StartURL, ft.Region = s.Key(), s.StartURL, s.Region
	ft.AccessToken, ft.ExpiresAt = ct.AccessToken, ct.ExpiresAt.UTC()
	if ct.RefreshToken == "" {
		return ft
	}
	ft.RefreshToken = ct.RefreshToken
	if ct.ClientID != t.ClientID {
		ft.ClientID, ft.ClientSecret, ft.RegistrationExpiresAt, ft.Flow = ct.ClientID, ct.ClientSecret, ct.RegistrationExpiresAt.UTC(), ""
	}
	ft.Shared = true
	return ft
}

// cliToken is t as the AWS CLI caches it.
func cliToken(s Session, t store.Token) CLIToken {
	return CLIToken{StartURL: s.StartURL, Region: s.Region, AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt,
		ClientID: t.ClientID, ClientSecret: t.ClientSecret, RegistrationExpiresAt: t.RegistrationExpiresAt, RefreshToken: t.RefreshToken}
}

// logoutCLICache signs out the session's cache file's sign-in at the portal
// (unless it is sesame's own token, signed out already) and deletes the
// file, when sesame wrote it (shared) or it is a sign-in to the session.
// A file of another start URL is left alone.
func (c *Client) logoutCLICache(ctx context.Context, s Session, shared bool, signedOut string) error {
	path := CachePath(c.Home, s)
	ct, found, err := readCLIFile(path)
	switch {
	case err != nil && !shared:
		c.debug("leaving the AWS CLI's SSO cache alone", "session", s.Key(), "error", err)
		return nil
	case err == nil && !found:
		return nil
	case err == nil && !ct.BelongsTo(s) && !shared:
		c.debug("the AWS CLI's SSO cache file is another start URL's; leaving it", "session", s.Key())
		return nil
	}
	if err == nil && ct.BelongsTo(s) && ct.AccessToken != "" && ct.AccessToken != signedOut && ct.ExpiresAt.After(c.Now()) {
		c.portalLogout(ctx, s, ct.AccessToken)
	}
	if err := RemoveCLICache(c.Home, s); err != nil {
		return fmt.Errorf("cannot delete the AWS CLI's SSO cache %s: %w", path, err)
	}
	c.debug("deleted the AWS CLI's SSO cache file", "session", s.Key())
	return nil
}

// portalLogout signs an access token out at the portal, best effort.
func (c *Client) portalLogout(ctx context.Context, s Session, accessToken string) {
	portal, err := c.NewPortal(ctx, s.Region)
	if err == nil {
		_, err = portal.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(accessToken)})
	}
	if err != nil {
		c.debug("portal logout failed", "session", s.Key(), "error", err)
	}
}
