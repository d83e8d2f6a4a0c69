package signin

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gofrs/flock"

	"github.com/sesamehq/sesame/internal/store"
)

// RefreshWindow is how long before they expire a session's credentials are
// refreshed (botocore and the JavaScript SDK use the same).
const RefreshWindow = 5 * time.Minute

// Store is the part of sesame's store the sessions live in.
type Store interface {
	SignIn(ctx context.Context, loginSession string) (store.SignIn, error)
	SetSignIn(ctx context.Context, si store.SignIn) error
	RemoveSignIn(ctx context.Context, loginSession string) error
	SignInTag(ctx context.Context, loginSession string) (string, error)
	SignIns(ctx context.Context) ([]store.SignIn, error)
}

// Manager keeps AWS Sign-In sessions: in sesame's store, and in the AWS
// CLI's cache file when shared or made by `aws login`.
type Manager struct {
	// Store opens sesame's store.
	Store func(ctx context.Context) (Store, error)
	// NewAPI makes the token client for a region (see [NewAPI]).
	NewAPI func(ctx context.Context, region string) (TokenAPI, error)
	// CacheDir is the AWS CLI's login cache folder ([CacheDir]).
	CacheDir string
	// LockDir holds the per-session lock files (a private folder).
	LockDir string
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Logger gets the --debug explanation (nil: none).
	Logger *slog.Logger
	// SignInNow, when set (a person is at a terminal), signs profile in
	// again when it has no session or its session has ended, and returns
	// the new session; nil: such callers get an error naming sesame signin.
	SignInNow func(ctx context.Context, profile, region string) (Exchanged, error)
}

func (m *Manager) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

func (m *Manager) debug(msg string, args ...any) {
	if m.Logger != nil {
		m.Logger.Debug(msg, args...)
	}
}

// CachePath is the AWS CLI's cache file of loginSession.
func (m *Manager) CachePath(loginSession string) string {
	return filepath.Join(m.CacheDir, CacheFile(loginSession))
}

// NotSignedInError says a profile's login_session has no sign-in here.
type NotSignedInError struct {
	Profile string
}

func (e *NotSignedInError) Error() string {
	return "profile " + e.Profile + " has no AWS Sign-In session here (its login_session is not signed in)"
}

// NextStep is the hint shown under the error.
func (e *NotSignedInError) NextStep() string { return "run sesame signin " + e.Profile }

// SaysAll tells creds' error wrapping that the message is complete.
func (e *NotSignedInError) SaysAll() bool { return true }

// Save stores a new sign-in, and writes the AWS CLI's cache file too when
// share is set.
func (m *Manager) Save(ctx context.Context, loginSession, region string, t Token, share bool) error {
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	si, err := toStore(loginSession, region, t, share)
	if err != nil {
		return err
	}
	si.Issued = m.now().UTC()
	if err := st.SetSignIn(ctx, si); err != nil {
		return fmt.Errorf("cannot store the sign-in: %w", err)
	}
	if share {
		return WriteCache(m.CachePath(loginSession), t)
	}
	return nil
}

func toStore(loginSession, region string, t Token, share bool) (store.SignIn, error) {
	pemKey, err := EncodeKey(t.Key)
	if err != nil {
		return store.SignIn{}, err
	}
	return store.SignIn{LoginSession: loginSession, Region: region, ClientID: t.ClientID, DPoPKey: pemKey, RefreshToken: t.RefreshToken,
		IDToken: t.IDToken, AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken,
		AccountID: t.AccountID, Expiration: t.Expires, Shared: share}, nil
}

func fromStore(si store.SignIn) (Token, error) {
	key, err := ParseKey(si.DPoPKey)
	if err != nil {
		return Token{}, fmt.Errorf("the stored sign-in is damaged: %w", err)
	}
	return Token{AccessKeyID: si.AccessKeyID, SecretAccessKey: si.SecretAccessKey, SessionToken: si.SessionToken, AccountID: si.AccountID,
		Expires: si.Expiration, ClientID: si.ClientID, RefreshToken: si.RefreshToken, IDToken: si.IDToken, Key: key}, nil
}

func creds(t Token) aws.Credentials {
	return aws.Credentials{AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken,
		CanExpire: true, Expires: t.Expires, AccountID: t.AccountID, Source: "sesame signin"}
}

// current is a session as found: from the store, or from the cache file.
type current struct {
	tok     Token
	region  string
	inStore bool
	shared  bool
	adopted bool // the store's copy is older than the file's
}

// load finds the session: the store first (taking the cache file's newer
// state when sesame shares it and another program refreshed it), else
// the AWS CLI's cache file.
func (m *Manager) load(ctx context.Context, st Store, loginSession string, checkFile bool) (current, bool, error) {
	si, err := st.SignIn(ctx, loginSession)
	switch {
	case err == nil:
		tok, err := fromStore(si)
		if err != nil {
			return current{}, false, err
		}
		c := current{tok: tok, region: si.Region, inStore: true, shared: si.Shared}
		if checkFile && si.Shared {
			ft, found, err := ReadCache(m.CachePath(loginSession))
			if err == nil && found && ft.Key.Equal(tok.Key) && ft.Expires.After(tok.Expires) {
				m.debug("the shared AWS Sign-In cache file is newer than the store; using it", "expires", ft.Expires)
				if ft.IDToken == "" {
					ft.IDToken = tok.IDToken
				}
				c.tok, c.adopted = ft, true
			}
		}
		return c, true, nil
	case !errors.Is(err, store.ErrNotFound):
		return current{}, false, fmt.Errorf("cannot read the stored sign-in: %w", err)
	}
	ft, found, err := ReadCache(m.CachePath(loginSession))
	if err != nil || !found {
		return current{}, false, err
	}
	return current{tok: ft}, true, nil
}

// Credentials returns the session's credentials, refreshing them with a
// DPoP proof when fewer than RefreshWindow remain. The refresh happens
// under a per-session file lock, and the session is read again once the
// lock is held, so that N processes asking at once make one token call.
// region is the profile's region, used for a session made by `aws login`
// (sesame's own sessions remember theirs).
func (m *Manager) Credentials(ctx context.Context, profile, loginSession, region string) (aws.Credentials, error) {
	st, err := m.Store(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	c, found, err := m.load(ctx, st, loginSession, false)
	if err != nil {
		return aws.Credentials{}, err
	}
	if !found && m.SignInNow == nil {
		return aws.Credentials{}, &NotSignedInError{Profile: profile}
	}
	if found && c.tok.Expires.Sub(m.now()) > RefreshWindow {
		m.debug("using the AWS Sign-In session's credentials", "profile", profile, "expires", c.tok.Expires)
		return creds(c.tok), nil
	}
	tag, err := st.SignInTag(ctx, loginSession)
	if err != nil {
		return aws.Credentials{}, err
	}
	if err := os.MkdirAll(m.LockDir, 0o700); err != nil {
		return aws.Credentials{}, fmt.Errorf("cannot create the lock folder: %w", err)
	}
	lock := flock.New(filepath.Join(m.LockDir, "signin-"+tag+".lock"))
	locked, err := lock.TryLockContext(ctx, 25*time.Millisecond)
	if err != nil || !locked {
		if err == nil {
			err = ctx.Err()
		}
		return aws.Credentials{}, fmt.Errorf("waiting for another sesame to refresh the sign-in of %s: %w", profile, err)
	}
	defer lock.Unlock()
	if c, found, err = m.load(ctx, st, loginSession, true); err != nil {
		return aws.Credentials{}, err
	}
	if !found {
		// Only one sesame signs in at a time: the others find its
		// session once they hold the lock.
		if m.SignInNow == nil {
			return aws.Credentials{}, &NotSignedInError{Profile: profile}
		}
		return m.signInNow(ctx, profile, loginSession, region, false)
	}
	if c.tok.Expires.Sub(m.now()) > RefreshWindow {
		if c.adopted {
			if err := m.put(ctx, st, loginSession, c); err != nil {
				return aws.Credentials{}, err
			}
		}
		return creds(c.tok), nil
	}
	if c.region == "" {
		c.region = region
	}
	if c.region == "" {
		return aws.Credentials{}, fmt.Errorf("profile %s has no region to refresh its AWS Sign-In session in: set region in the profile, or run sesame signin %s --region R", profile, profile)
	}
	api, err := m.NewAPI(ctx, c.region)
	if err != nil {
		return aws.Credentials{}, err
	}
	m.debug("refreshing the AWS Sign-In session", "profile", profile, "region", c.region)
	nt, err := (&Client{API: api, Now: m.Now}).Refresh(ctx, c.tok, profile)
	var se *Error
	if errors.As(err, &se) && se.SignInAgain() && m.SignInNow != nil {
		m.debug("the AWS Sign-In session has ended; signing in again", "profile", profile, "code", se.Code)
		return m.signInNow(ctx, profile, loginSession, c.region, c.shared)
	}
	if err != nil {
		return aws.Credentials{}, err
	}
	c.tok = nt
	if err := m.put(ctx, st, loginSession, c); err != nil {
		return aws.Credentials{}, err
	}
	return creds(nt), nil
}

// signInNow signs profile in again through SignInNow and keeps the new
// session, which must be loginSession's: another principal signing in
// would hand the profile someone else's credentials.
func (m *Manager) signInNow(ctx context.Context, profile, loginSession, region string, share bool) (aws.Credentials, error) {
	if region == "" {
		return aws.Credentials{}, &NotSignedInError{Profile: profile}
	}
	ex, err := m.SignInNow(ctx, profile, region)
	if err != nil {
		return aws.Credentials{}, err
	}
	if ex.LoginSession != loginSession {
		return aws.Credentials{}, fmt.Errorf("signed in as %s, but profile %s is %s's: run sesame signin %s to switch it", ex.LoginSession, profile, loginSession, profile)
	}
	if err := m.Save(ctx, loginSession, region, ex.Token, share); err != nil {
		return aws.Credentials{}, err
	}
	return creds(ex.Token), nil
}

// put writes a session back where it came from: the store (and the
// shared cache file), or the AWS CLI's cache file alone.
func (m *Manager) put(ctx context.Context, st Store, loginSession string, c current) error {
	if c.inStore {
		si, err := toStore(loginSession, c.region, c.tok, c.shared)
		if err != nil {
			return err
		}
		if old, err := st.SignIn(ctx, loginSession); err == nil {
			si.Issued = old.Issued
		}
		if err := st.SetSignIn(ctx, si); err != nil {
			return fmt.Errorf("refreshed the sign-in but cannot store it: %w", err)
		}
		if !c.shared {
			return nil
		}
	}
	return WriteCache(m.CachePath(loginSession), c.tok)
}

// Status is what status, doctor and list show of a session: no secret.
type Status struct {
	Found bool
	// InStore says sesame's store holds it; else it is the AWS CLI's file.
	InStore bool
	Shared  bool
	Region  string
	Expires time.Time
	// Refreshable is false for a session whose cache file lacks a refresh
	// token or key (never for sesame's own).
	Refreshable bool
}

// Status reports the state of loginSession without calling AWS.
func (m *Manager) Status(ctx context.Context, loginSession string) (Status, error) {
	st, err := m.Store(ctx)
	if err != nil {
		return Status{}, err
	}
	c, found, err := m.load(ctx, st, loginSession, true)
	if err != nil || !found {
		return Status{}, err
	}
	return Status{Found: true, InStore: c.inStore, Shared: c.shared, Region: c.region, Expires: c.tok.Expires, Refreshable: c.tok.RefreshToken != ""}, nil
}

// Stored lists the login_session of every session in sesame's store.
func (m *Manager) Stored(ctx context.Context) ([]string, error) {
	st, err := m.Store(ctx)
	if err != nil {
		return nil, err
	}
	all, err := st.SignIns(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(all))
	for i, si := range all {
		out[i] = si.LoginSession
	}
	return out, nil
}

// Remove forgets loginSession: the stored session and the AWS CLI's cache
// file. It reports what it removed.
func (m *Manager) Remove(ctx context.Context, loginSession string) (inStore, file bool, err error) {
	st, err := m.Store(ctx)
	if err != nil {
		return false, false, err
	}
	switch err := st.RemoveSignIn(ctx, loginSession); {
	case err == nil:
		inStore = true
	case !errors.Is(err, store.ErrNotFound):
		return false, false, fmt.Errorf("cannot remove the stored sign-in: %w", err)
	}
	switch err := os.Remove(m.CachePath(loginSession)); {
	case err == nil:
		file = true
	case !errors.Is(err, fs.ErrNotExist):
		return inStore, false, fmt.Errorf("cannot remove the AWS Sign-In cache file: %w", err)
	}
	return inStore, file, nil
}

// Need says what a person must do before loginSession's credentials can
// be handed out: "" when they are current or can be refreshed.
func (m *Manager) Need(ctx context.Context, profile, loginSession string) (string, error) {
	s, err := m.Status(ctx, loginSession)
	if err != nil {
		return "", err
	}
	if !s.Found || (!s.Refreshable && s.Expires.Sub(m.now()) <= RefreshWindow) {
		return "a sign-in (sesame signin " + profile + ")", nil
	}
	return "", nil
}
