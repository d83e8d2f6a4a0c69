package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestItemNamesRevealNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := NewMemory()
	st := New(mem, t.TempDir())
	if err := st.SetKeys(ctx, KeyPair{Profile: "production", AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSession(ctx, Session{Profile: "production", ID: "role(arn:aws:iam::1:mfa/alice)", Expiration: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetToken(ctx, Token{Session: "corp-sso", AccessToken: "t"}); err != nil {
		t.Fatal(err)
	}
	names, _ := mem.List(ctx)
	if len(names) != 4 { // the name key and three items
		t.Fatalf("items: %q", names)
	}
	for _, n := range names {
		for _, leak := range []string{"production", "alice", "mfa", "corp", "AKIA"} {
			if strings.Contains(n, leak) {
				t.Errorf("item name %q reveals %q", n, leak)
			}
		}
	}
	// A second store over the same backend finds the items again.
	st2 := New(mem, t.TempDir())
	if kp, err := st2.Keys(ctx, "production"); err != nil || kp.SecretAccessKey != "s3cret" {
		t.Errorf("Keys = %+v, %v", kp, err)
	}
}

func TestNotFoundAndErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := NewMemory()
	st := New(mem, t.TempDir())
	if _, err := st.Keys(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty store: %v, want ErrNotFound", err)
	}
	if n, err := st.ClearSessions(ctx, ""); n != 0 || err != nil {
		t.Errorf("ClearSessions on an empty store = %d, %v", n, err)
	}
	if err := st.SetKeys(ctx, KeyPair{Profile: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Keys(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing item: %v, want ErrNotFound", err)
	}
	mem.Err = ErrLocked
	st3 := New(mem, t.TempDir())
	if _, err := st3.Keys(ctx, "a"); !errors.Is(err, ErrLocked) || errors.Is(err, ErrNotFound) {
		t.Errorf("locked store: %v, want ErrLocked and not ErrNotFound", err)
	}
}

func TestInventoryAndClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	st := New(NewMemory(), t.TempDir())
	for _, p := range []string{"a", "orphan"} {
		_ = st.SetKeys(ctx, KeyPair{Profile: p, AccessKeyID: "AKIA" + p})
	}
	_ = st.SetSession(ctx, Session{Profile: "a", ID: "1", Expiration: now.Add(time.Hour)})
	_ = st.SetSession(ctx, Session{Profile: "a", ID: "2", Expiration: now.Add(2 * time.Hour)})
	_ = st.SetSession(ctx, Session{Profile: "b", ID: "1", Expiration: now.Add(-time.Hour)})
	_ = st.SetSession(ctx, Session{Profile: "c", ID: "1", Expiration: now.Add(time.Hour)})
	inv, err := st.Inventory(ctx, []string{"a", "b", "c"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(inv.Profiles(), ","); got != "a,orphan" {
		t.Errorf("stored keys: %s", got)
	}
	if !inv.Sessions["a"].Equal(now.Add(2*time.Hour)) || !inv.Sessions["b"].IsZero() {
		t.Errorf("sessions: %v", inv.Sessions)
	}
	if n, err := st.ClearProfiles(ctx, []string{"a", "b"}); n != 3 || err != nil {
		t.Errorf("ClearProfiles = %d, %v; want 3", n, err)
	}
	if _, err := st.Session(ctx, "c", "1"); err != nil {
		t.Errorf("profile c's session went too: %v", err)
	}
	if n, _ := st.ClearSessions(ctx, ""); n != 1 {
		t.Errorf("ClearSessions all = %d, want 1", n)
	}
}

// TestInventoryBothWays: reading every item and hashing every known name
// find the same inventory, with names that match items and names that do
// not, key pairs no known profile uses and sessions of unknown profiles.
func TestInventoryBothWays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	st := New(NewMemory(), t.TempDir())
	for _, p := range []string{"a", "orphan", "p7"} {
		_ = st.SetKeys(ctx, KeyPair{Profile: p, AccessKeyID: "AKIA" + p})
	}
	_ = st.SetSession(ctx, Session{Profile: "a", ID: "1", Expiration: now.Add(time.Hour)})
	_ = st.SetSession(ctx, Session{Profile: "a", ID: "2", Expiration: now.Add(2 * time.Hour)})
	_ = st.SetSession(ctx, Session{Profile: "b", ID: "1", Expiration: now.Add(-time.Hour)})
	_ = st.SetSession(ctx, Session{Profile: "p9", ID: "1", Expiration: now.Add(time.Hour)})
	_ = st.SetSession(ctx, Session{Profile: "unknown", ID: "1", Expiration: now.Add(time.Hour)})
	known := []string{"a", "b"}
	for i := range 1000 {
		known = append(known, fmt.Sprintf("p%d", i))
	}
	names, err := st.b.List(ctx)
	if err != nil || len(names)*inventoryReadRatio > len(known) {
		t.Fatalf("%d items for %d names (%v): Inventory would not read them", len(names), len(known), err)
	}
	key, err := st.key(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	empty := func() Inventory { return Inventory{Keys: map[string]bool{}, Sessions: map[string]time.Time{}} }
	byName, err1 := st.inventoryByName(ctx, empty(), key, names, known, now)
	byReading, err2 := st.inventoryByReading(ctx, empty(), names, known, now)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !reflect.DeepEqual(byName, byReading) {
		t.Errorf("by name: %+v\nby reading: %+v", byName, byReading)
	}
	if got := strings.Join(byReading.Profiles(), ","); got != "a,orphan,p7" {
		t.Errorf("stored keys: %s", got)
	}
	if len(byReading.Sessions) != 2 || !byReading.Sessions["a"].Equal(now.Add(2*time.Hour)) || byReading.Sessions["p9"].IsZero() {
		t.Errorf("sessions: %v", byReading.Sessions)
	}
	if inv, err := st.Inventory(ctx, known, now); err != nil || !reflect.DeepEqual(inv, byReading) {
		t.Errorf("Inventory = %+v, %v", inv, err)
	}
}

func TestConcurrentFirstWritesShareOneNameKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := NewMemory()
	lockDir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := New(mem, lockDir) // as if each were its own process
			if err := st.SetKeys(ctx, KeyPair{Profile: string(rune('a' + i))}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	st := New(mem, lockDir)
	for i := range 10 {
		if _, err := st.Keys(ctx, string(rune('a'+i))); err != nil {
			t.Errorf("profile %c lost: %v", 'a'+i, err)
		}
	}
}

// TestIndex: every session write records the profile's latest expiry in
// the index file (0600, no secret), and clearing removes it.
func TestIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state", IndexFile)
	st := New(NewMemory(), filepath.Join(dir, "locks"), WithIndex(path))
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	for _, s := range []Session{
		{Profile: "a", ID: "1", SecretAccessKey: "s3cr3t", Expiration: t0.Add(2 * time.Hour)},
		{Profile: "a", ID: "2", SecretAccessKey: "s3cr3t", Expiration: t0.Add(time.Hour)},
		{Profile: "b", ID: "1", SecretAccessKey: "s3cr3t", Expiration: t0},
		{Profile: "c", ID: "1", SecretAccessKey: "s3cr3t", Expiration: t0},
	} {
		if err := st.SetSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := ReadIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	if !ix.Sessions["a"].Equal(t0.Add(2*time.Hour)) || !ix.Sessions["b"].Equal(t0) || len(ix.Sessions) != 3 {
		t.Errorf("index %v", ix.Sessions)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "s3cr3t") {
		t.Error("the index holds a secret")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("index mode %v, %v", fi.Mode(), err)
	}
	if _, err := st.ClearSessions(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClearProfiles(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	if ix, _ := ReadIndex(path); len(ix.Sessions) != 1 || ix.Sessions["c"].IsZero() {
		t.Errorf("after clearing a and b: %v", ix.Sessions)
	}
	if _, err := st.ClearSessions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if ix, _ := ReadIndex(path); len(ix.Sessions) != 0 {
		t.Errorf("after clearing all: %v", ix.Sessions)
	}
}
