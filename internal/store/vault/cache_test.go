package vault

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/testenv"
)

// needKeyring skips the test where the unlock cache cannot work (another
// OS, or a container that forbids keyctl).
func needKeyring(t testing.TB) {
	t.Helper()
	name := "sesame:vault:test-" + randomPassphrase(t)
	if err := cacheStore(name, make([]byte, keySize), 5*time.Second); err != nil {
		if runtime.GOOS != "linux" {
			t.Skipf("the unlock cache is Linux-only: %v", err)
		}
		testenv.SkipOrFail(t, fmt.Errorf("the unlock cache (the kernel keyring, keyctl) is not usable here; a container may forbid keyctl: %w", err))
	}
	if err := cacheForget(name); err != nil {
		t.Fatal(err)
	}
}

// cachedKey returns the /proc/keys line of the vault's cached key, or "".
func cachedKey(t testing.TB, v *Vault) string {
	t.Helper()
	snap, err := v.load()
	if err != nil || snap == nil {
		t.Fatalf("load: %v", err)
	}
	keys, err := os.ReadFile("/proc/keys")
	if err != nil {
		testenv.SkipOrFail(t, fmt.Errorf("/proc/keys is needed to see the unlock cache: %w", err))
	}
	for line := range strings.Lines(string(keys)) {
		// Skip keys that are revoked, dead or invalidated and wait for
		// the garbage collector.
		if f := strings.Fields(line); len(f) > 1 && strings.ContainsAny(f[1], "RDi") {
			continue
		}
		if strings.Contains(line, v.cacheName(snap.h.salt)) {
			return line
		}
	}
	return ""
}

func TestUnlockCache(t *testing.T) {
	t.Parallel()
	needKeyring(t)
	ctx := context.Background()
	const ttl = time.Minute
	dir := t.TempDir()
	pass := randomPassphrase(t)

	v1 := newVault(t, dir, passEnv(pass), nil, ttl)
	mustSet(t, v1.Vault, "x", "y")
	t.Cleanup(func() { _ = v1.Forget(ctx) })

	// Another Vault, as in the next process: no passphrase source at
	// all, and no key derivation.
	v2 := newVault(t, dir, env{}, nil, ttl)
	if got := mustGet(t, v2.Vault, "x"); got != "y" {
		t.Fatalf("Get = %q", got)
	}
	if n := v2.derived.Load(); n != 0 {
		t.Errorf("warm Get derived %d keys", n)
	}

	line := cachedKey(t, v1.Vault)
	if line == "" {
		t.Fatal("no key in /proc/keys")
	}
	t.Logf("/proc/keys: %s", strings.TrimSpace(line))
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[3] == "perm" || fields[4] != "3f050000" || fields[7] != "user" {
		t.Errorf("key has expiry %q, permissions %q, type %q; want a timeout, 3f050000 (possessor: all; user: view, write), user", fields[3], fields[4], fields[7])
	}
	if strings.Contains(line, dir) || strings.Contains(line, "vault:/") {
		t.Errorf("key description shows the path: %s", line)
	}

	// A real other process finds it too.
	cmd := helperCmd(t, "get", helperDirEnv+"="+dir, helperNameEnv+"=x", helperTTLEnv+"=1m")
	out, err := cmd.Output()
	if err != nil || string(out) != "y" {
		t.Errorf("helper Get = %q, %v", out, err)
	}

	// Forget removes it at once.
	if err := v2.Forget(ctx); err != nil {
		t.Fatal(err)
	}
	if line := cachedKey(t, v1.Vault); line != "" {
		t.Errorf("key still cached after Forget: %s", line)
	}
	v3 := newVault(t, dir, env{}, nil, ttl)
	if _, err := v3.Get(ctx, "x"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("Get after Forget = %v, want ErrLocked (no passphrase source)", err)
	}
	v4 := newVault(t, dir, passEnv(pass), nil, ttl)
	mustGet(t, v4.Vault, "x")
	if n := v4.derived.Load(); n != 1 {
		t.Errorf("Get after Forget derived %d keys, want 1", n)
	}
	if cachedKey(t, v1.Vault) == "" {
		t.Error("the unlock did not cache the key again")
	}
}

func TestUnlockCacheDisabled(t *testing.T) {
	t.Parallel()
	needKeyring(t)
	ctx := context.Background()
	dir := t.TempDir()
	pass := randomPassphrase(t)
	v1 := newVault(t, dir, passEnv(pass), nil, 0)
	mustSet(t, v1.Vault, "x", "y")
	if line := cachedKey(t, v1.Vault); line != "" {
		t.Errorf("TTL 0 cached the key: %s", line)
	}
	v2 := newVault(t, dir, passEnv(pass), nil, 0)
	mustGet(t, v2.Vault, "x")
	if n := v2.derived.Load(); n != 1 {
		t.Errorf("derived %d keys, want 1", n)
	}
	// A key cached by an earlier process is not used with TTL 0 either.
	v3 := newVault(t, dir, passEnv(pass), nil, time.Minute)
	mustGet(t, v3.Vault, "x")
	t.Cleanup(func() { _ = v3.Forget(ctx) })
	v4 := newVault(t, dir, env{}, nil, 0)
	if _, err := v4.Get(ctx, "x"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("TTL 0 Get = %v, want ErrLocked (no passphrase source)", err)
	}
}

func TestUnlockCacheExpires(t *testing.T) {
	t.Parallel()
	needKeyring(t)
	ctx := context.Background()
	dir := t.TempDir()
	v := newVault(t, dir, passEnv("pw"), nil, time.Second)
	mustSet(t, v.Vault, "x", "y")
	t.Cleanup(func() { _ = v.Forget(ctx) })
	if _, err := newVault(t, dir, env{}, nil, time.Second).Get(ctx, "x"); err != nil {
		t.Fatalf("Get at once: %v", err)
	}
	line := cachedKey(t, v.Vault)
	if f := strings.Fields(line); len(f) < 4 || (f[3] != "1s" && f[3] != "0s") {
		t.Fatalf("cached key expiry = %q, want the TTL of 1s (/proc/keys: %q)", f, line)
	}
	// The kernel ends the key after its timeout: wait for that (not a
	// fixed sleep), then the next process is locked out.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := newVault(t, dir, env{}, nil, time.Second).Get(ctx, "x")
		if errors.Is(err, store.ErrLocked) {
			break
		}
		if err != nil {
			t.Fatalf("Get while the key ages = %v, want a value or ErrLocked", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the cached key still unlocks the vault 10s after its 1s TTL")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUnlockCacheWrongKey(t *testing.T) {
	t.Parallel()
	needKeyring(t)
	dir := t.TempDir()
	v := newVault(t, dir, passEnv("pw"), nil, 0)
	mustSet(t, v.Vault, "x", "y")
	snap, _ := v.load()
	name := v.cacheName(snap.h.salt)
	// A key that does not open the vault is thrown away, not trusted.
	if err := cacheStore(name, make([]byte, keySize), time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cacheForget(name) })
	v2 := newVault(t, dir, passEnv("pw"), nil, time.Minute)
	if got := mustGet(t, v2.Vault, "x"); got != "y" {
		t.Fatalf("Get = %q", got)
	}
	if n := v2.derived.Load(); n != 1 {
		t.Errorf("derived %d keys, want 1", n)
	}
	v3 := newVault(t, dir, env{}, nil, time.Minute)
	if got := mustGet(t, v3.Vault, "x"); got != "y" || v3.derived.Load() != 0 {
		t.Errorf("the right key was not cached")
	}
}

// brokenCache is an unlock cache where keyctl is not permitted.
type brokenCache struct{ forgetErr error }

func (brokenCache) load(string) ([]byte, error) {
	return nil, fmt.Errorf("keyctl search: %w", syscall.EPERM)
}

func (brokenCache) store(string, []byte, time.Duration) error {
	return fmt.Errorf("keyctl add: %w", syscall.EPERM)
}

func (c brokenCache) forget(string) error { return c.forgetErr }

func TestUnlockCacheUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	var log syncBuffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v := New(Options{Dir: dir, LookupEnv: passEnv("pw").lookup, Logger: logger, UnlockTTL: time.Minute})
	v.params = cheap
	v.cache = brokenCache{forgetErr: fmt.Errorf("keyctl search: %w: %w", errCacheUnavailable, syscall.EPERM)}
	mustSet(t, v, "x", "y")
	v2 := New(Options{Dir: dir, LookupEnv: passEnv("pw").lookup, Logger: logger, UnlockTTL: time.Minute})
	v2.params = cheap
	v2.cache = v.cache
	if got := mustGet(t, v2, "x"); got != "y" {
		t.Fatalf("Get = %q", got)
	}
	if err := v2.Forget(ctx); err != nil {
		t.Errorf("Forget = %v, want nil when there is no cache", err)
	}
	if !strings.Contains(log.String(), "level=DEBUG") || !strings.Contains(log.String(), "operation not permitted") {
		t.Errorf("debug log:\n%s", log.String())
	}
	if strings.Contains(log.String(), "level=WARN") || strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("more than debug lines:\n%s", log.String())
	}
	// A cache that holds a key but cannot drop it is an error for lock.
	v2.cache = brokenCache{forgetErr: fmt.Errorf("keyctl unlink: %w", syscall.EACCES)}
	if err := v2.Forget(ctx); err == nil || !strings.Contains(err.Error(), "kernel keyring") {
		t.Errorf("Forget = %v, want an error", err)
	}
}
