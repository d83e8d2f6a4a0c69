package creds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gofrs/flock"

	"github.com/sesamehq/sesame/internal/creds/plan"
	"github.com/sesamehq/sesame/internal/store"
)

// MinRemaining is how long a cached session must still be valid to be
// handed out: more than botocore's 10-minute credential_process refresh
// window, so that a caller never gets credentials it would refresh at once.
const MinRemaining = plan.MinRemaining

// Cached keeps Inner's credentials in the store under (Profile, ID). A
// lookup that the store cannot answer is an error, never a miss. A refresh
// happens under a per-session file lock in LockDir, and the cache is
// checked again once the lock is held, so that N processes asking at once
// make one call (and one MFA prompt) and the other N-1 read its result.
type Cached struct {
	Inner   aws.CredentialsProvider
	Profile string
	// ID names the step and everything that shapes its credentials (see
	// Builder): two steps share a session only when their IDs are equal.
	ID      string
	Store   OpenStoreFunc
	LockDir string // a private folder
	Now     func() time.Time
	Logger  *slog.Logger // nil: no --debug explanation
}

var _ aws.CredentialsProvider = (*Cached)(nil)

func (c *Cached) debug(msg string, args ...any) {
	if c.Logger != nil {
		c.Logger.Debug(msg, args...)
	}
}

// Retrieve returns the cached session, else Inner's fresh one (and caches
// it).
func (c *Cached) Retrieve(ctx context.Context) (aws.Credentials, error) {
	st, err := c.Store(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	if creds, ok, err := c.lookup(ctx, st); err != nil || ok {
		return creds, err
	}
	tag, err := st.SessionTag(ctx, c.Profile, c.ID)
	if err != nil {
		return aws.Credentials{}, err
	}
	if err := os.MkdirAll(c.LockDir, 0o700); err != nil {
		return aws.Credentials{}, fmt.Errorf("cannot create the lock folder: %w", err)
	}
	lock := flock.New(filepath.Join(c.LockDir, "session-"+tag+".lock"))
	locked, err := lock.TryLockContext(ctx, 25*time.Millisecond)
	if err != nil || !locked {
		return aws.Credentials{}, fmt.Errorf("waiting for another sesame to refresh profile %s: %w", c.Profile, orCtx(err, ctx))
	}
	defer lock.Unlock()
	if creds, ok, err := c.lookup(ctx, st); err != nil || ok {
		return creds, err
	}
	c.debug("refreshing", "profile", c.Profile, "step", c.ID)
	creds, err := c.Inner.Retrieve(ctx)
	if err != nil {
		return creds, err
	}
	sess := store.Session{Profile: c.Profile, ID: c.ID, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
		SessionToken: creds.SessionToken, Expiration: creds.Expires}
	if err := st.SetSession(ctx, sess); err != nil {
		return creds, fmt.Errorf("got credentials for %s but cannot cache them: %w", c.Profile, err)
	}
	return creds, nil
}

// lookup returns the cached session when it has more than MinRemaining left.
func (c *Cached) lookup(ctx context.Context, st Store) (aws.Credentials, bool, error) {
	sess, err := st.Session(ctx, c.Profile, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return aws.Credentials{}, false, nil
	}
	if err != nil {
		return aws.Credentials{}, false, fmt.Errorf("cannot read the cached session of %s: %w", c.Profile, err)
	}
	if sess.Expiration.Sub(c.Now()) <= MinRemaining {
		c.debug("cached session too close to expiry", "profile", c.Profile, "expires", sess.Expiration)
		return aws.Credentials{}, false, nil
	}
	c.debug("using cached session", "profile", c.Profile, "expires", sess.Expiration)
	return aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken,
		CanExpire: true, Expires: sess.Expiration, Source: "sesame cache"}, true, nil
}

func orCtx(err error, ctx context.Context) error {
	if err != nil {
		return err
	}
	return ctx.Err()
}
