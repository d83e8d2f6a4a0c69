package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// Item name prefixes.
const (
	prefix        = "sesame:"
	nameKeyItem   = prefix + "name-key"
	keysPrefix    = prefix + "keys:"
	sessionPrefix = prefix + "session:"
	tokenPrefix   = prefix + "sso-token:"
)

// Store gives typed access to a Backend: key pairs, cached sessions and SSO
// tokens. It is safe for concurrent use.
type Store struct {
	b         Backend
	lockDir   string
	indexPath string // the expiry index (index.go); "" for none

	mu      sync.Mutex
	nameKey []byte
}

// New returns a Store over b. lockDir is a private folder (0700) where the
// store keeps the lock files that serialise creating its name key across
// processes.
func New(b Backend, lockDir string, opts ...Option) *Store {
	s := &Store{b: b, lockDir: lockDir}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Backend returns the underlying backend.
func (s *Store) Backend() Backend { return s.b }

// key returns the name key, creating it when create is set and there is
// none. With create unset and no key, it returns ErrNotFound: nothing can
// have been stored yet.
func (s *Store) key(ctx context.Context, create bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nameKey != nil {
		return s.nameKey, nil
	}
	k, err := s.b.Get(ctx, nameKeyItem)
	if errors.Is(err, ErrNotFound) && create {
		k, err = s.createKey(ctx)
	}
	if err != nil {
		return nil, err
	}
	if len(k) != 32 {
		return nil, fmt.Errorf("the store's name key (item %s) is damaged", nameKeyItem)
	}
	s.nameKey = k
	return k, nil
}

// createKey makes the name key under a cross-process lock, so that two
// first writes at once agree on one key.
func (s *Store) createKey(ctx context.Context) ([]byte, error) {
	if err := os.MkdirAll(s.lockDir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create lock folder: %w", err)
	}
	l := flock.New(filepath.Join(s.lockDir, "name-key.lock"))
	if ok, err := l.TryLockContext(ctx, 20*time.Millisecond); err != nil || !ok {
		return nil, fmt.Errorf("cannot lock the store: %w", orCtx(err, ctx))
	}
	defer l.Unlock()
	k, err := s.b.Get(ctx, nameKeyItem)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return k, err
	}
	k = make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := s.b.Set(ctx, nameKeyItem, k); err != nil {
		return nil, err
	}
	return k, nil
}

func orCtx(err error, ctx context.Context) error {
	if err != nil {
		return err
	}
	return ctx.Err()
}

func tag(key []byte, kind, id string) string { return newTagger(key).tag(kind, id) }

// tagger computes many tags with one key: the HMAC's key schedule is done
// once, not once a tag (Inventory tags every profile of a config of
// thousands).
type tagger struct {
	m   hash.Hash
	sum []byte
}

func newTagger(key []byte) *tagger { return &tagger{m: hmac.New(sha256.New, key)} }

func (t *tagger) tag(kind, id string) string {
	t.m.Reset()
	t.m.Write([]byte(kind))
	t.m.Write([]byte{0})
	t.m.Write([]byte(id))
	t.sum = t.m.Sum(t.sum[:0])
	return base64.RawURLEncoding.EncodeToString(t.sum[:16])
}

func (s *Store) getJSON(ctx context.Context, name string, v any) error {
	data, err := s.b.Get(ctx, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("store item %s is damaged; remove it and store it again", name)
	}
	return nil
}

func (s *Store) setJSON(ctx context.Context, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.b.Set(ctx, name, data)
}

// KeyPair is a long-term access key.
type KeyPair struct {
	Profile         string    `json:"profile"`
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	Added           time.Time `json:"added"`
}

// Keys returns the profile's stored key pair, or ErrNotFound.
func (s *Store) Keys(ctx context.Context, profile string) (KeyPair, error) {
	return getItem[KeyPair](ctx, s, keysPrefix, "keys", profile)
}

// SetKeys stores the profile's key pair, replacing any.
func (s *Store) SetKeys(ctx context.Context, kp KeyPair) error {
	return s.setItem(ctx, keysPrefix, "keys", kp.Profile, kp)
}

// RemoveKeys deletes the profile's key pair; ErrNotFound when there is none.
func (s *Store) RemoveKeys(ctx context.Context, profile string) error {
	return s.removeItem(ctx, keysPrefix, "keys", profile)
}

// getItem reads the JSON item named prefix + the keyed hash of (kind, id),
// or ErrNotFound: the typed views (key pairs, sign-ins) are such items.
func getItem[T any](ctx context.Context, s *Store, prefix, kind, id string) (T, error) {
	var v T
	key, err := s.key(ctx, false)
	if err != nil {
		return v, err
	}
	err = s.getJSON(ctx, prefix+tag(key, kind, id), &v)
	return v, err
}

// setItem writes v as getItem's item, replacing any.
func (s *Store) setItem(ctx context.Context, prefix, kind, id string, v any) error {
	key, err := s.key(ctx, true)
	if err != nil {
		return err
	}
	return s.setJSON(ctx, prefix+tag(key, kind, id), v)
}

// removeItem deletes getItem's item; ErrNotFound when there is none.
func (s *Store) removeItem(ctx context.Context, prefix, kind, id string) error {
	key, err := s.key(ctx, false)
	if err != nil {
		return err
	}
	return s.b.Remove(ctx, prefix+tag(key, kind, id))
}

// listItems reads every JSON item whose name starts with prefix; none
// when nothing was ever stored, and an item removed meanwhile is skipped.
func listItems[T any](ctx context.Context, s *Store, prefix string) ([]T, error) {
	_, err := s.key(ctx, false)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names, err := s.b.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, name := range names {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		var v T
		if err := s.getJSON(ctx, name, &v); err != nil {
			if errors.Is(err, ErrNotFound) {
				continue // removed meanwhile
			}
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Inventory is what the store holds, as `sesame list` shows it.
type Inventory struct {
	// Keys is the set of profiles with a stored key pair, including ones
	// no known profile uses.
	Keys map[string]bool
	// Sessions maps a profile to the latest expiration among its cached,
	// still valid sessions.
	Sessions map[string]time.Time
}

// Inventory lists what is stored for the known profiles, and the profiles
// of key pairs that none of them use.
//
// Items are named by keyed hashes of their profiles, so there are two ways
// to match them: hash every known profile's name (two HMACs each) and read
// only the sessions and the key pairs no known name matches, or read every
// item (each one knows its profile). Reading an item costs about as much as
// 64 hashes in the file vault and far more in a keyring, so the items are
// read when there are at least 64 known profiles for each item: a config of
// thousands of generated SSO profiles and a handful of stored items.
func (s *Store) Inventory(ctx context.Context, known []string, now time.Time) (Inventory, error) {
	inv := Inventory{Keys: map[string]bool{}, Sessions: map[string]time.Time{}}
	key, err := s.key(ctx, false)
	if errors.Is(err, ErrNotFound) {
		return inv, nil
	}
	if err != nil {
		return inv, err
	}
	names, err := s.b.List(ctx)
	if err != nil {
		return inv, err
	}
	if len(names)*inventoryReadRatio <= len(known) {
		return s.inventoryByReading(ctx, inv, names, known, now)
	}
	return s.inventoryByName(ctx, inv, key, names, known, now)
}

// inventoryReadRatio is how many known profiles per stored item make
// Inventory read every item rather than hash every name.
const inventoryReadRatio = 64

// inventoryByName matches items to the known profiles by hashing every
// known name.
func (s *Store) inventoryByName(ctx context.Context, inv Inventory, key []byte, names, known []string, now time.Time) (Inventory, error) {
	byKeysName := make(map[string]string, len(known))
	byProfileTag := make(map[string]string, len(known))
	t := newTagger(key)
	for _, p := range known {
		byKeysName[keysPrefix+t.tag("keys", p)] = p
		byProfileTag[t.tag("session-profile", p)] = p
	}
	for _, name := range names {
		switch {
		case strings.HasPrefix(name, keysPrefix):
			if p, ok := byKeysName[name]; ok {
				inv.Keys[p] = true
				continue
			}
			var kp KeyPair
			if err := s.getJSON(ctx, name, &kp); err != nil {
				return inv, err
			}
			inv.Keys[kp.Profile] = true
		case strings.HasPrefix(name, sessionPrefix):
			ptag, _, _ := strings.Cut(strings.TrimPrefix(name, sessionPrefix), ":")
			p, ok := byProfileTag[ptag]
			if !ok {
				continue
			}
			var sess Session
			if err := s.getJSON(ctx, name, &sess); err != nil {
				return inv, err
			}
			inv.addSession(p, sess.Expiration, now)
		}
	}
	return inv, nil
}

// inventoryByReading reads every key pair and session item, each of which
// names its profile: what inventoryByName finds, without a hash per name.
func (s *Store) inventoryByReading(ctx context.Context, inv Inventory, names, known []string, now time.Time) (Inventory, error) {
	isKnown := make(map[string]bool, len(known))
	for _, p := range known {
		isKnown[p] = true
	}
	for _, name := range names {
		switch {
		case strings.HasPrefix(name, keysPrefix):
			var kp KeyPair
			if err := s.getJSON(ctx, name, &kp); err != nil {
				return inv, err
			}
			inv.Keys[kp.Profile] = true
		case strings.HasPrefix(name, sessionPrefix):
			var sess Session
			if err := s.getJSON(ctx, name, &sess); err != nil {
				return inv, err
			}
			if isKnown[sess.Profile] {
				inv.addSession(sess.Profile, sess.Expiration, now)
			}
		}
	}
	return inv, nil
}

// addSession notes a session of profile p that expires at exp, when it is
// still valid and the latest so far.
func (inv Inventory) addSession(p string, exp, now time.Time) {
	if exp.After(now) && exp.After(inv.Sessions[p]) {
		inv.Sessions[p] = exp
	}
}

// Session is a cached set of temporary credentials.
type Session struct {
	// Profile is the profile the credentials were made for.
	Profile string `json:"profile"`
	// ID tells apart the sessions of one profile (the provider step and
	// its parameters); it is never shown.
	ID              string    `json:"id"`
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	Expiration      time.Time `json:"expiration"`
}

func (s *Store) sessionName(key []byte, profile, id string) string {
	return sessionPrefix + tag(key, "session-profile", profile) + ":" + tag(key, "session", profile+"\x00"+id)
}

// Session returns a cached session, or ErrNotFound.
func (s *Store) Session(ctx context.Context, profile, id string) (Session, error) {
	var sess Session
	key, err := s.key(ctx, false)
	if err != nil {
		return sess, err
	}
	err = s.getJSON(ctx, s.sessionName(key, profile, id), &sess)
	return sess, err
}

// SetSession caches a session.
func (s *Store) SetSession(ctx context.Context, sess Session) error {
	key, err := s.key(ctx, true)
	if err != nil {
		return err
	}
	if err := s.setJSON(ctx, s.sessionName(key, sess.Profile, sess.ID), sess); err != nil {
		return err
	}
	s.updateIndex(func(ix *Index) {
		if sess.Expiration.After(ix.Sessions[sess.Profile]) {
			ix.Sessions[sess.Profile] = sess.Expiration
		}
	})
	return nil
}

// ClearSessions deletes the cached sessions of profile, or of every
// profile when profile is "". It returns how many it deleted.
func (s *Store) ClearSessions(ctx context.Context, profile string) (int, error) {
	key, err := s.key(ctx, false)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	names, err := s.b.List(ctx)
	if err != nil {
		return 0, err
	}
	want := sessionPrefix
	if profile != "" {
		want += tag(key, "session-profile", profile) + ":"
	}
	defer s.updateIndex(func(ix *Index) {
		if profile == "" {
			clear(ix.Sessions)
		}
		delete(ix.Sessions, profile)
	})
	n := 0
	for _, name := range names {
		if !strings.HasPrefix(name, want) {
			continue
		}
		if err := s.b.Remove(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// Token is a cached IAM Identity Center sign-in: the OIDC token and the
// client registration it came from.
type Token struct {
	// Session is the sso-session name, or the start URL of a legacy profile.
	Session               string    `json:"session"`
	StartURL              string    `json:"start_url"`
	Region                string    `json:"region"`
	AccessToken           string    `json:"access_token"`
	ExpiresAt             time.Time `json:"expires_at"`
	RefreshToken          string    `json:"refresh_token,omitempty"`
	ClientID              string    `json:"client_id,omitempty"`
	ClientSecret          string    `json:"client_secret,omitempty"`
	RegistrationExpiresAt time.Time `json:"registration_expires_at,omitzero"`
	Scopes                []string  `json:"scopes,omitempty"`
	// Flow is the sign-in flow the registration is for ("pkce", "device").
	Flow string `json:"flow,omitempty"`
	// Issued is when the sign-in was made.
	Issued time.Time `json:"issued,omitzero"`
	// Shared records that sesame wrote the AWS CLI's cache file for it.
	Shared bool `json:"shared,omitempty"`
}

// IssuedAfter reports whether the token was made by a sign-in at or after t.
func (t Token) IssuedAfter(tm time.Time) bool { return !t.Issued.Before(tm) }

func (s *Store) tokenName(key []byte, session string) string {
	return tokenPrefix + tag(key, "sso-token", session)
}

// Token returns the cached token of an sso-session, or ErrNotFound.
func (s *Store) Token(ctx context.Context, session string) (Token, error) {
	var t Token
	key, err := s.key(ctx, false)
	if err != nil {
		return t, err
	}
	err = s.getJSON(ctx, s.tokenName(key, session), &t)
	return t, err
}

// SetToken caches an sso-session's token.
func (s *Store) SetToken(ctx context.Context, t Token) error {
	key, err := s.key(ctx, true)
	if err != nil {
		return err
	}
	return s.setJSON(ctx, s.tokenName(key, t.Session), t)
}

// RemoveToken deletes an sso-session's token; ErrNotFound when none.
func (s *Store) RemoveToken(ctx context.Context, session string) error {
	key, err := s.key(ctx, false)
	if err != nil {
		return err
	}
	return s.b.Remove(ctx, s.tokenName(key, session))
}

// sortedProfiles returns the keys of m sorted.
func sortedProfiles(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Profiles returns the profiles with stored keys, sorted.
func (inv Inventory) Profiles() []string { return sortedProfiles(inv.Keys) }

// SessionTag returns an opaque name for a session, the same in every
// process, for lock files and the like.
func (s *Store) SessionTag(ctx context.Context, profile, id string) (string, error) {
	key, err := s.key(ctx, true)
	if err != nil {
		return "", err
	}
	return tag(key, "session-lock", profile+"\x00"+id), nil
}

// ClearProfiles deletes the cached sessions of every profile in profiles,
// listing the backend once. It returns how many it deleted.
func (s *Store) ClearProfiles(ctx context.Context, profiles []string) (int, error) {
	key, err := s.key(ctx, false)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	prefixes := make([]string, len(profiles))
	for i, p := range profiles {
		prefixes[i] = sessionPrefix + tag(key, "session-profile", p) + ":"
	}
	defer s.updateIndex(func(ix *Index) {
		for _, p := range profiles {
			delete(ix.Sessions, p)
		}
	})
	names, err := s.b.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				if err := s.b.Remove(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
					return n, err
				}
				n++
				break
			}
		}
	}
	return n, nil
}

// SessionInfo is what status shows of a cached session: no secret.
type SessionInfo struct {
	Profile string
	// ID tells what made the session (see Session.ID); it is never shown.
	ID         string
	Expiration time.Time
}

// SessionInfos lists every cached session, expired ones too, without their
// secrets, soonest expiry first.
func (s *Store) SessionInfos(ctx context.Context) ([]SessionInfo, error) {
	sessions, err := listItems[Session](ctx, s, sessionPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, 0, len(sessions))
	for _, sess := range sessions {
		out = append(out, SessionInfo{Profile: sess.Profile, ID: sess.ID, Expiration: sess.Expiration})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int {
		if c := a.Expiration.Compare(b.Expiration); c != 0 {
			return c
		}
		return strings.Compare(a.Profile, b.Profile)
	})
	return out, nil
}
