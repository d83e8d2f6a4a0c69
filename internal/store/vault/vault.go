// Package vault is sesame's "file" backend: all items in one file,
// encrypted under a passphrase, for machines without a usable OS keyring.
//
// # Where
//
// The vault is the file "vault" in a private folder (mode 0700; see
// [DefaultDir]); the file is mode 0600. Next to it, "vault.lock" is the lock
// file writers take. Reading never creates either; the first Set creates
// both, and the folder.
//
// # File format (version 1)
//
// All integers are big-endian. Offsets in bytes:
//
//	 0  12  magic "sesame.vault"
//	12   1  format version, 1
//	13   1  KDF, 1 = argon2id (version 0x13)
//	14   4  argon2id passes (t)
//	18   4  argon2id memory in KiB (m); new vaults: t=3, m=65536 (64 MiB), p=4
//	22   1  argon2id lanes (p)
//	23  32  salt, random, chosen when the vault is created
//	55  32  key check: HMAC-SHA256(Kc, "sesame vault v1 key check")
//	87  24  nonce, random, new on every write
//	111  n  XChaCha20-Poly1305(Ke, nonce, plaintext, additional data = bytes 0..110)
//	end 32  SHA-256 of everything before it
//
// The vault key K is argon2id(passphrase, salt, t, m, p) with a 32-byte
// output; Ke = HMAC-SHA256(K, "sesame vault v1 encryption key") and
// Kc = HMAC-SHA256(K, "sesame vault v1 key check key"). The key check
// tells a wrong passphrase ([store.ErrWrongPassphrase]) from a damaged
// file ([ErrDamaged]); the unkeyed trailing checksum finds accidental
// damage without a passphrase. The plaintext is the JSON object
// {"items": {NAME: BASE64(DATA), ...}} padded with spaces to a multiple of
// 256 bytes, so item names and their number are hidden too. A reader
// refuses files of a newer version.
//
// # Passphrase and unlock cache
//
// The passphrase comes from SESAME_FILE_PASSPHRASE, else from the standard
// output of SESAME_FILE_PASSPHRASE_COMMAND (run with sh -c; on Windows
// with cmd /c), else from the
// terminal (asked twice when the vault is created). Get, List and Remove on
// a vault that does not exist yet need no passphrase.
//
// On Linux the vault key is cached in the kernel keyring, as a "user" key
// named "sesame:vault:" and a hash of the vault's path and salt, for
// Options.UnlockTTL. It is linked into the process's session keyring (@s)
// and readable only by its possessors: the processes of that session
// keyring. Where each login has a session keyring of its own (pam_keyinit),
// that is the processes of that login (its terminal, whatever runs in it,
// tmux panes started from it); elsewhere it is the user's shared session
// keyring (@us), which every process of the user has or can link. Other
// processes of the user may see the key and revoke it, not read it; other
// users nothing. A [Vault.Forget] removes it at once, in every session
// (found through /proc/keys). Where the keyring cannot be used the vault
// works without the cache. On Windows the key and its expiry are kept in a
// file under %LOCALAPPDATA%\sesame\unlock encrypted with DPAPI for the
// current user (keycache_windows.go), for the same TTL; Forget deletes
// it. Other systems have no cache.
//
// # Concurrency
//
// A Vault is safe for concurrent use, and any number of processes may use
// one vault file at once. Readers need no lock: every write replaces the
// file whole by renaming a synced temporary file over it, so a reader
// sees the old vault or the new one, and a writer killed at any point
// leaves the previous vault in place. Writers read, change and write the
// vault under an exclusive lock on vault.lock (flock(2); LockFileEx on
// Windows), re-reading it once they hold the lock, so no concurrent Set or
// Remove is lost. The passphrase is asked and the key derived before the
// lock is taken, never while holding it.
package vault

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofrs/flock"

	"github.com/sesamehq/sesame/internal/atomicfile"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// File names in the vault folder.
const (
	FileName     = "vault"
	LockFileName = "vault.lock"
)

// DefaultUnlockTTL is how long an unlocked vault key stays cached when
// SESAME_FILE_UNLOCK_TTL is not set.
const DefaultUnlockTTL = 15 * time.Minute

// errCacheUnavailable wraps the reason the unlock cache cannot be used.
var errCacheUnavailable = errors.New("unlock cache not available")

// lockTimeout bounds the wait for another writer.
const lockTimeout = 30 * time.Second

// ErrDamaged is what errors.Is finds in the error about a vault file that
// cannot be read as a vault (damaged, truncated, not a vault, or written by
// a newer sesame). Such a file is never overwritten.
var ErrDamaged = errors.New("vault is damaged")

// Options configure a Vault.
type Options struct {
	// Dir is the vault folder (see DefaultDir).
	Dir string
	// LookupEnv reads SESAME_FILE_PASSPHRASE and
	// SESAME_FILE_PASSPHRASE_COMMAND; nil means an empty environment.
	LookupEnv func(string) (string, bool)
	// Prompter asks for the passphrase when the environment has none;
	// nil means there is no terminal.
	Prompter prompt.Prompter
	// Stderr receives the passphrase command's standard error; nil
	// discards it.
	Stderr io.Writer
	// Logger receives debug lines; nil discards them.
	Logger *slog.Logger
	// UnlockTTL is how long the vault key stays in the unlock cache
	// (see ParseTTL); 0 disables the cache.
	UnlockTTL time.Duration
}

// Vault is the file backend. See the package doc.
type Vault struct {
	dir, path, lockPath string
	lookupEnv           func(string) (string, bool)
	prompter            prompt.Prompter
	stderr              io.Writer
	log                 *slog.Logger
	ttl                 time.Duration

	// params are the KDF parameters of new vaults; tests lower them.
	params kdfParams
	// onDerive, when set, is called on every key derivation (tests).
	onDerive func()
	// cache is the unlock cache; tests replace it.
	cache keyCache

	// writers serialises this process's writers before they take the
	// file lock.
	writers chan struct{}

	mu      sync.Mutex
	key     []byte // the vault key of the vault with salt keySalt, or nil
	keySalt [saltSize]byte
}

var _ store.Backend = (*Vault)(nil)

// New returns the vault in opts.Dir. It touches no file.
func New(opts Options) *Vault {
	dir := opts.Dir
	if dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
	}
	v := &Vault{
		dir:       dir,
		path:      filepath.Join(dir, FileName),
		lockPath:  filepath.Join(dir, LockFileName),
		lookupEnv: opts.LookupEnv,
		prompter:  opts.Prompter,
		stderr:    opts.Stderr,
		log:       opts.Logger,
		ttl:       opts.UnlockTTL,
		params:    defaultParams,
		cache:     kernelKeyring{},
		writers:   make(chan struct{}, 1),
	}
	if v.lookupEnv == nil {
		v.lookupEnv = func(string) (string, bool) { return "", false }
	}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	return v
}

// DefaultDir is the vault folder: $SESAME_FILE_DIR, else
// $XDG_DATA_HOME/sesame, else HOME/.local/share/sesame. A relative
// XDG_DATA_HOME is ignored, as the XDG base directory spec says.
func DefaultDir(lookupEnv func(string) (string, bool), home string) string {
	if d, ok := lookupEnv("SESAME_FILE_DIR"); ok && d != "" {
		return d
	}
	if d, ok := lookupEnv("XDG_DATA_HOME"); ok && filepath.IsAbs(d) {
		return filepath.Join(d, "sesame")
	}
	return filepath.Join(home, ".local", "share", "sesame")
}

// ParseTTL parses SESAME_FILE_UNLOCK_TTL: a Go duration such as "15m" or
// "1h30m"; "0" disables the unlock cache and "" is DefaultUnlockTTL.
func ParseTTL(s string) (time.Duration, error) {
	if s == "" {
		return DefaultUnlockTTL, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid SESAME_FILE_UNLOCK_TTL %q: want a duration such as 15m or 1h, or 0 for no unlock cache", s)
	}
	return d, nil
}

// Name implements store.Backend: "file".
func (v *Vault) Name() string { return "file" }

// Path is the vault file's path.
func (v *Vault) Path() string { return v.path }

// Get implements store.Backend. A vault that does not exist has no items
// and needs no passphrase.
func (v *Vault) Get(ctx context.Context, name string) ([]byte, error) {
	var o op
	defer o.wipe()
	items, err := v.readItems(ctx, &o)
	if err != nil {
		return nil, err
	}
	data, ok := items[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	return data, nil
}

// List implements store.Backend: the sorted item names. A vault that does
// not exist has none and needs no passphrase.
func (v *Vault) List(ctx context.Context) ([]string, error) {
	var o op
	defer o.wipe()
	items, err := v.readItems(ctx, &o)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(items))
	for n := range items {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// Set implements store.Backend. The first Set creates the vault, asking
// for a new passphrase when it comes from the terminal.
func (v *Vault) Set(ctx context.Context, name string, data []byte) error {
	if !utf8.ValidString(name) {
		return errors.New("item name is not valid UTF-8")
	}
	return v.update(ctx, true, func(items map[string][]byte) (bool, error) {
		items[name] = slices.Clone(data)
		return true, nil
	})
}

// Remove implements store.Backend. Removing from a vault that does not
// exist is ErrNotFound and needs no passphrase.
func (v *Vault) Remove(ctx context.Context, name string) error {
	return v.update(ctx, false, func(items map[string][]byte) (bool, error) {
		if _, ok := items[name]; !ok {
			return false, store.ErrNotFound
		}
		delete(items, name)
		return true, nil
	})
}

// Forget removes the vault key from this Vault and from the unlock cache
// at once, so that the next use asks for the passphrase (sesame lock).
func (v *Vault) Forget(ctx context.Context) error {
	v.mu.Lock()
	v.key = nil // not cleared: an operation under way may still use it
	v.mu.Unlock()
	snap, err := v.load()
	if err != nil || snap == nil {
		return err
	}
	if err := v.cache.forget(v.cacheName(snap.h.salt)); err != nil {
		if errors.Is(err, errCacheUnavailable) {
			v.log.Debug("vault unlock cache not available", "err", err)
			return nil
		}
		return fmt.Errorf("cannot remove the vault key from the kernel keyring: %w", err)
	}
	return nil
}

// snapshot is a vault file as read, checked but not decrypted.
type snapshot struct {
	h          header
	ad, sealed []byte
}

// same reports whether a and b are the same vault (both missing, or with
// one salt, KDF and key check), that is whether one key opens both.
func same(a, b *snapshot) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.h.salt == b.h.salt && a.h.params == b.h.params && a.h.check == b.h.check
}

// load reads and checks the vault file; nil when there is none.
func (v *Vault) load() (*snapshot, error) {
	if v.dir == "" {
		return nil, fmt.Errorf("no folder for the file backend: %w", store.ErrUnavailable)
	}
	b, err := readVault(v.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if errors.Is(err, errTooLarge) {
		return nil, v.damaged(err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	h, ad, sealed, err := parseFile(b)
	if err != nil {
		return nil, v.damaged(err)
	}
	return &snapshot{h: h, ad: ad, sealed: sealed}, nil
}

// MaxFileSize bounds the vault file: far more than any number of keys and
// sessions needs, and what a damaged or hostile file can make sesame read.
const MaxFileSize = 64 << 20

// errTooLarge is a vault file over MaxFileSize (or one that is not a
// regular file).
var errTooLarge = errors.New("not a regular file of at most 64 MiB")

// readVault reads the vault file, at most MaxFileSize bytes of it.
func readVault(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() || fi.Size() > MaxFileSize {
		return nil, errTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err == nil && len(b) > MaxFileSize {
		return nil, errTooLarge
	}
	return b, err
}

// damagedError is a vault file that cannot be read.
type damagedError struct {
	path string
	err  error
}

func (e *damagedError) Error() string {
	var newer *newerVersionError
	var params *paramsError
	switch {
	case errors.As(e.err, &newer):
		return fmt.Sprintf("vault %s was written by a newer sesame (format version %d); nothing was changed", e.path, newer.version)
	case errors.As(e.err, &params):
		return fmt.Sprintf("vault %s has a damaged or tampered header (%s); its key was not derived and nothing was changed", e.path, params.reason)
	case errors.Is(e.err, errNotVault):
		return fmt.Sprintf("%s is not a sesame vault, or is damaged; nothing was changed", e.path)
	case errors.Is(e.err, errTooLarge):
		return fmt.Sprintf("vault %s is %v; it was not read and nothing was changed", e.path, errTooLarge)
	default:
		return fmt.Sprintf("vault %s is damaged; nothing was changed", e.path)
	}
}

func (e *damagedError) Is(target error) bool { return target == ErrDamaged }

func (v *Vault) damaged(err error) error { return &damagedError{v.path, err} }

// readItems reads and decrypts the vault; an empty map when there is none.
func (v *Vault) readItems(ctx context.Context, o *op) (map[string][]byte, error) {
	snap, err := v.load()
	if err != nil || snap == nil {
		return map[string][]byte{}, err
	}
	key, err := v.unlock(ctx, o, snap)
	if err != nil {
		return nil, err
	}
	return v.open(key, snap)
}

func (v *Vault) open(key []byte, snap *snapshot) (map[string][]byte, error) {
	items, err := open(key, &snap.h, snap.ad, snap.sealed)
	if err != nil {
		return nil, v.damaged(err)
	}
	return items, nil
}

// update changes the vault with change, under the writers' lock. With
// create unset a missing vault is ErrNotFound. change reports whether it
// changed anything.
func (v *Vault) update(ctx context.Context, create bool, change func(map[string][]byte) (bool, error)) error {
	var o op
	defer o.wipe()
	// Another process may create or replace the vault between our first
	// read and taking the lock; then start again with the new vault.
	for range 5 {
		snap, err := v.load()
		if err != nil {
			return err
		}
		if snap == nil && !create {
			return store.ErrNotFound
		}
		var (
			key    []byte
			params kdfParams
			salt   [saltSize]byte
		)
		if snap == nil {
			key, params, salt, err = v.newKey(ctx, &o)
		} else {
			params, salt = snap.h.params, snap.h.salt
			key, err = v.unlock(ctx, &o, snap)
		}
		if err != nil {
			return err
		}
		done, err := v.locked(ctx, func() (bool, error) {
			now, err := v.load()
			if err != nil {
				return false, err
			}
			if !same(snap, now) {
				return false, nil
			}
			items := map[string][]byte{}
			if now != nil {
				if items, err = v.open(key, now); err != nil {
					return false, err
				}
			}
			changed, err := change(items)
			if err != nil || !changed {
				return true, err
			}
			file, err := seal(key, params, salt, items)
			if err != nil {
				return false, err
			}
			if err := atomicfile.WriteFile(v.path, file, 0o600); err != nil {
				return false, fmt.Errorf("cannot write vault: %w", err)
			}
			if now == nil {
				v.remember(key, salt)
			}
			return true, nil
		})
		if done || err != nil {
			return err
		}
	}
	return fmt.Errorf("vault %s keeps being replaced by other processes; nothing was changed", v.path)
}

// locked runs f holding the writers' lock.
func (v *Vault) locked(ctx context.Context, f func() (bool, error)) (bool, error) {
	select {
	case v.writers <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-v.writers }()
	if err := os.MkdirAll(v.dir, 0o700); err != nil {
		return false, fmt.Errorf("cannot create the vault folder: %w", err)
	}
	l := flock.New(v.lockPath, flock.SetPermissions(0o600))
	lctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	ok, err := l.TryLockContext(lctx, 5*time.Millisecond)
	if !ok || err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("waiting for the vault lock: %w", ctx.Err())
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return false, fmt.Errorf("cannot lock the vault: %w", err)
		}
		return false, fmt.Errorf("vault %s is locked by another process for more than %s: %w", v.path, lockTimeout, store.ErrUnavailable)
	}
	defer l.Close()
	v.removeTemps()
	return f()
}

// removeTemps deletes temporary files left by writers that were killed.
// Only the lock holder writes, so under the lock any is left over.
func (v *Vault) removeTemps() {
	tmps, _ := filepath.Glob(filepath.Join(v.dir, "."+FileName+".tmp-*"))
	for _, t := range tmps {
		_ = os.Remove(t)
	}
}

// newKey makes the key of a new vault: a new passphrase and a fresh salt.
func (v *Vault) newKey(ctx context.Context, o *op) (key []byte, params kdfParams, salt [saltSize]byte, err error) {
	pass, err := v.passphrase(ctx, o, true)
	if err != nil {
		return nil, params, salt, err
	}
	if _, err := rand.Read(salt[:]); err != nil {
		return nil, params, salt, err
	}
	return v.derive(pass, salt, v.params), v.params, salt, nil
}

func (v *Vault) derive(pass []byte, salt [saltSize]byte, p kdfParams) []byte {
	if v.onDerive != nil {
		v.onDerive()
	}
	return deriveKey(pass, salt[:], p)
}

// unlock returns the key of the vault snap: from memory, from the unlock
// cache, or derived from the passphrase.
func (v *Vault) unlock(ctx context.Context, o *op, snap *snapshot) ([]byte, error) {
	v.mu.Lock()
	if v.key != nil && v.keySalt == snap.h.salt && keyMatches(v.key, &snap.h) {
		k := v.key
		v.mu.Unlock()
		return k, nil
	}
	v.mu.Unlock()

	name := v.cacheName(snap.h.salt)
	if v.ttl > 0 {
		k, err := v.cache.load(name)
		switch {
		case err != nil:
			v.log.Debug("vault unlock cache not available", "err", err)
		case k != nil && keyMatches(k, &snap.h):
			v.setKey(k, snap.h.salt)
			return k, nil
		case k != nil:
			clear(k)
			_ = v.cache.forget(name)
		}
	}

	pass, err := v.passphrase(ctx, o, false)
	if err != nil {
		return nil, err
	}
	k := v.derive(pass, snap.h.salt, snap.h.params)
	if !keyMatches(k, &snap.h) {
		clear(k)
		return nil, fmt.Errorf("cannot open vault %s: %w", v.path, store.ErrWrongPassphrase)
	}
	v.remember(k, snap.h.salt)
	return k, nil
}

// remember keeps the key in memory and in the unlock cache.
func (v *Vault) remember(k []byte, salt [saltSize]byte) {
	v.setKey(k, salt)
	if v.ttl <= 0 {
		return
	}
	if err := v.cache.store(v.cacheName(salt), k, v.ttl); err != nil {
		v.log.Debug("vault unlock cache not available", "err", err)
	}
}

func (v *Vault) setKey(k []byte, salt [saltSize]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.key, v.keySalt = k, salt
}

// keyCache is an unlock cache: vault keys by name, each for a while.
// load returns nil without an error when it has no such key. An error
// wrapping errCacheUnavailable means the cache cannot be used at all.
type keyCache interface {
	load(name string) ([]byte, error)
	store(name string, key []byte, ttl time.Duration) error
	forget(name string) error
}

// kernelKeyring is the unlock cache in the kernel's session keyring (Linux);
// elsewhere it caches nothing.
type kernelKeyring struct{}

func (kernelKeyring) load(name string) ([]byte, error) { return cacheLoad(name) }

func (kernelKeyring) store(name string, key []byte, ttl time.Duration) error {
	return cacheStore(name, key, ttl)
}

func (kernelKeyring) forget(name string) error { return cacheForget(name) }

// cacheName is the unlock cache's name for the key of the vault with
// salt: it does not reveal the vault's path.
func (v *Vault) cacheName(salt [saltSize]byte) string {
	h := sha256.New()
	h.Write([]byte(v.path))
	h.Write([]byte{0})
	h.Write(salt[:])
	return "sesame:vault:" + hex.EncodeToString(h.Sum(nil)[:16])
}
