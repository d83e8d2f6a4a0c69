package vault

import (
	"context"
	"testing"
	"time"
)

// benchVault makes a vault with the real KDF parameters holding one item
// and returns its folder and passphrase.
func benchVault(b *testing.B, ttl time.Duration) (dir, pass string) {
	b.Helper()
	dir, pass = b.TempDir(), randomPassphrase(b)
	v := New(Options{Dir: dir, LookupEnv: passEnv(pass).lookup, UnlockTTL: ttl})
	mustSet(b, v, "sesame:keys:x", `{"access_key_id":"AKIA...","secret_access_key":"..."}`)
	b.Cleanup(func() { _ = v.Forget(context.Background()) })
	return dir, pass
}

// BenchmarkGetWarm is a Get by a new Vault, as in a new sesame process,
// with the key in the unlock cache.
func BenchmarkGetWarm(b *testing.B) {
	needKeyring(b)
	dir, _ := benchVault(b, 10*time.Minute)
	ctx := context.Background()
	for b.Loop() {
		v := New(Options{Dir: dir, LookupEnv: env{}.lookup, UnlockTTL: 10 * time.Minute})
		if _, err := v.Get(ctx, "sesame:keys:x"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetCold is a Get by a new Vault without the unlock cache: one
// argon2id derivation with the real parameters.
func BenchmarkGetCold(b *testing.B) {
	dir, pass := benchVault(b, 0)
	ctx := context.Background()
	for b.Loop() {
		v := New(Options{Dir: dir, LookupEnv: passEnv(pass).lookup})
		if _, err := v.Get(ctx, "sesame:keys:x"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessGetWarm is a whole process (this test binary as a
// helper) that reads one item with the key in the unlock cache.
func BenchmarkProcessGetWarm(b *testing.B) {
	needKeyring(b)
	dir, _ := benchVault(b, 10*time.Minute)
	for b.Loop() {
		cmd := helperCmd(b, "get", helperDirEnv+"="+dir, helperNameEnv+"=sesame:keys:x", helperTTLEnv+"=10m", helperRealEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

// BenchmarkProcessGetCold is BenchmarkProcessGetWarm without the cache.
func BenchmarkProcessGetCold(b *testing.B) {
	dir, pass := benchVault(b, 0)
	for b.Loop() {
		cmd := helperCmd(b, "get", helperDirEnv+"="+dir, helperNameEnv+"=sesame:keys:x", helperTTLEnv+"=0", helperRealEnv+"=1", EnvPassphrase+"="+pass)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}
