package creds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gofrs/flock"

	"github.com/sesamehq/sesame/internal/store"
)

// MinRemaining is how long a cached session must still be valid to be
// handed out: more than botocore's 10-minute credential_process refresh
// window, so that a caller never gets credentials it would refresh at once.
const MinRemaining = 15 * time.Minute

// cached keeps a provider's credentials in the store. A lookup that the
// store cannot answer is an error, never a miss. A refresh happens under a
// per-session file lock, and the cache is checked again once the lock is
// held, so that N processes asking at once make one call (and one MFA
// prompt) and the other N-1 read its result.
type cached struct {
	b       *Builder
	inner   aws.CredentialsProvider
	profile string
	id      string
}

var _ aws.CredentialsProvider = (*cached)(nil)

func (c *cached) Retrieve(ctx context.Context) (aws.Credentials, error) {
	st, err := c.b.Store(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	if creds, ok, err := c.lookup(ctx, st); err != nil || ok {
		return creds, err
	}
	tag, err := st.SessionTag(ctx, c.profile, c.id)
	if err != nil {
		return aws.Credentials{}, err
	}
	if err := os.MkdirAll(c.b.LockDir, 0o700); err != nil {
		return aws.Credentials{}, fmt.Errorf("cannot create the lock folder: %w", err)
	}
	lock := flock.New(filepath.Join(c.b.LockDir, "session-"+tag+".lock"))
	locked, err := lock.TryLockContext(ctx, 25*time.Millisecond)
	if err != nil || !locked {
		return aws.Credentials{}, fmt.Errorf("waiting for another sesame to refresh profile %s: %w", c.profile, orCtx(err, ctx))
	}
	defer lock.Unlock()
	if creds, ok, err := c.lookup(ctx, st); err != nil || ok {
		return creds, err
	}
	c.b.debug("refreshing", "profile", c.profile, "step", c.id)
	creds, err := c.inner.Retrieve(ctx)
	if err != nil {
		return creds, err
	}
	sess := store.Session{Profile: c.profile, ID: c.id, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
		SessionToken: creds.SessionToken, Expiration: creds.Expires}
	if err := st.SetSession(ctx, sess); err != nil {
		return creds, fmt.Errorf("got credentials for %s but cannot cache them: %w", c.profile, err)
	}
	return creds, nil
}

// lookup returns the cached session when it has more than MinRemaining left.
func (c *cached) lookup(ctx context.Context, st *store.Store) (aws.Credentials, bool, error) {
	sess, err := st.Session(ctx, c.profile, c.id)
	if errors.Is(err, store.ErrNotFound) {
		return aws.Credentials{}, false, nil
	}
	if err != nil {
		return aws.Credentials{}, false, fmt.Errorf("cannot read the cached session of %s: %w", c.profile, err)
	}
	if sess.Expiration.Sub(c.b.Now()) <= MinRemaining {
		c.b.debug("cached session too close to expiry", "profile", c.profile, "expires", sess.Expiration)
		return aws.Credentials{}, false, nil
	}
	c.b.debug("using cached session", "profile", c.profile, "expires", sess.Expiration)
	return aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken,
		CanExpire: true, Expires: sess.Expiration, Source: "sesame cache"}, true, nil
}

func orCtx(err error, ctx context.Context) error {
	if err != nil {
		return err
	}
	return ctx.Err()
}
