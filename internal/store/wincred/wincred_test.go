package wincred

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/chunked"
)

// fakeCreds is an in-memory Credential Manager that enforces MaxBlob.
type fakeCreds struct {
	mu     sync.Mutex
	creds  map[string][]byte
	err    error // returned by every call when set
	writes int
}

func newFake() *fakeCreds { return &fakeCreds{creds: map[string][]byte{}} }

func (f *fakeCreds) Read(target string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	b, ok := f.creds[target]
	if !ok {
		return nil, store.ErrNotFound
	}
	return slices.Clone(b), nil
}

func (f *fakeCreds) Write(target string, blob []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if len(blob) > MaxBlob {
		return fmt.Errorf("blob of %d bytes: %w", len(blob), store.ErrUnavailable)
	}
	f.writes++
	f.creds[target] = slices.Clone(blob)
	return nil
}

func (f *fakeCreds) Delete(target string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.creds[target]; !ok {
		return store.ErrNotFound
	}
	delete(f.creds, target)
	return nil
}

func (f *fakeCreds) List(prefix string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []string
	for k := range f.creds {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (f *fakeCreds) targets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.creds))
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestChunkedRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size    int
		targets int
	}{
		{0, 1},
		{1, 1},
		{MaxBlob - 13, 1},
		{MaxBlob - 12, 2},
		{MaxBlob - 13 + MaxBlob, 2},
		{MaxBlob - 13 + MaxBlob + 1, 3},
		{10 * MaxBlob, 11},
	} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			f := newFake()
			b := newBackend(f)
			data := pattern(tc.size)
			if err := b.Set(ctx, "sesame:keys:abc", data); err != nil {
				t.Fatal(err)
			}
			got, err := b.Get(ctx, "sesame:keys:abc")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("Get returned %d bytes that differ from the %d stored", len(got), len(data))
			}
			targets := f.targets()
			if len(targets) != tc.targets {
				t.Errorf("targets = %q, want %d of them", targets, tc.targets)
			}
			if targets[0] != "sesame:keys:abc" {
				t.Errorf("head target = %q", targets[0])
			}
			for i := 1; i < tc.targets; i++ {
				if want := fmt.Sprintf("sesame:keys:abc#%d", i); !slices.Contains(targets, want) {
					t.Errorf("no chunk %d (%q) in %q", i, want, targets)
				}
			}
			names, err := b.List(ctx)
			if err != nil || !slices.Equal(names, []string{"sesame:keys:abc"}) {
				t.Errorf("List = %q, %v; want only the item, no chunks", names, err)
			}
			if err := b.Remove(ctx, "sesame:keys:abc"); err != nil {
				t.Fatal(err)
			}
			if left := f.targets(); len(left) != 0 {
				t.Errorf("Remove left %q", left)
			}
		})
	}
}

func TestChunkedOverwriteCleansStaleChunks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFake()
	b := newBackend(f)
	sizes := []int{5 * MaxBlob, MaxBlob + 100, 10, 3 * MaxBlob, 0}
	for _, n := range sizes {
		data := pattern(n)
		if err := b.Set(ctx, "item", data); err != nil {
			t.Fatal(err)
		}
		got, err := b.Get(ctx, "item")
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("after Set of %d bytes: Get = %d bytes, %v", n, len(got), err)
		}
		want := 1
		if n > MaxBlob-13 {
			want += (n - (MaxBlob - 13) + MaxBlob - 1) / MaxBlob
		}
		if got := len(f.targets()); got != want {
			t.Errorf("after Set of %d bytes: %d credentials %q, want %d", n, got, f.targets(), want)
		}
	}
}

func TestRemoveCleansOrphanChunks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFake()
	b := newBackend(f)
	// An interrupted write of a big value: chunks written, head not.
	if err := b.Set(ctx, "item", pattern(10)); err != nil {
		t.Fatal(err)
	}
	f.creds["sesame:item#1"] = []byte("orphan")
	f.creds["sesame:item#2"] = []byte("orphan")
	if got, err := b.Get(ctx, "item"); err != nil || !bytes.Equal(got, pattern(10)) {
		t.Fatalf("Get = %v, %v; orphan chunks must not change the value", got, err)
	}
	if err := b.Remove(ctx, "item"); err != nil {
		t.Fatal(err)
	}
	if left := f.targets(); len(left) != 0 {
		t.Errorf("Remove left %q", left)
	}

	// Orphans without a head: Remove reports ErrNotFound and cleans them.
	f.creds["sesame:gone#1"] = []byte("orphan")
	if err := b.Remove(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Remove of a missing item = %v, want ErrNotFound", err)
	}
	if left := f.targets(); len(left) != 0 {
		t.Errorf("Remove left %q", left)
	}
}

func TestMissingAndDamaged(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFake()
	b := newBackend(f)
	if _, err := b.Get(ctx, "nope"); err != store.ErrNotFound {
		t.Errorf("Get of a missing item = %v, want ErrNotFound itself", err)
	}
	if err := b.Remove(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Remove of a missing item = %v, want ErrNotFound", err)
	}

	secret := pattern(3 * MaxBlob)
	if err := b.Set(ctx, "big", secret); err != nil {
		t.Fatal(err)
	}
	// A lost chunk: damaged, never "not found".
	delete(f.creds, "sesame:big#2")
	_, err := b.Get(ctx, "big")
	if err == nil || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Get with a chunk missing = %v, want a damaged-item error", err)
	}
	// A changed chunk: the checksum catches it.
	if err := b.Set(ctx, "big", secret); err != nil {
		t.Fatal(err)
	}
	f.creds["sesame:big#1"][0] ^= 1
	if _, err := b.Get(ctx, "big"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with a changed chunk = %v, want an error", err)
	}
	// A credential not written by sesame.
	f.creds["sesame:foreign"] = []byte("hunter2")
	_, err = b.Get(ctx, "foreign")
	if err == nil || errors.Is(err, store.ErrNotFound) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Get of a foreign credential = %v, want an error without its content", err)
	}
	// Names that would collide with chunks are refused.
	if err := b.Set(ctx, "a#1", []byte("x")); err == nil {
		t.Error("Set accepted a name with #")
	}
}

func TestBrokenCredentialManager(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFake()
	b := newBackend(f)
	f.err = fmt.Errorf("A specified logon session does not exist: %w", store.ErrUnavailable)
	if _, err := b.Get(ctx, "x"); !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get = %v, want ErrUnavailable", err)
	}
	if err := b.Set(ctx, "x", []byte("secret-value")); !errors.Is(err, store.ErrUnavailable) || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("Set = %v, want ErrUnavailable without the secret", err)
	}
	if err := b.Remove(ctx, "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Remove = %v, want ErrUnavailable", err)
	}
	if _, err := b.List(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("List = %v, want ErrUnavailable", err)
	}
}

func TestContextEnded(t *testing.T) {
	t.Parallel()
	f := newFake()
	b := newBackend(f)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.Set(ctx, "x", []byte("v")); !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Set with an ended context = %v", err)
	}
	if _, err := b.Get(ctx, "x"); errors.Is(err, store.ErrNotFound) || err == nil {
		t.Errorf("Get with an ended context = %v, want an error other than ErrNotFound", err)
	}
	if f.writes != 0 {
		t.Errorf("%d writes after the context ended", f.writes)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := newBackend(newFake())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := fmt.Sprint("item", i%2)
			for j := range 20 {
				data := pattern((i*j*977)%(4*MaxBlob) + 1)
				if err := b.Set(ctx, name, data); err != nil {
					t.Error(err)
					return
				}
				if _, err := b.Get(ctx, name); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNameAndStub(t *testing.T) {
	t.Parallel()
	if got := newBackend(newFake()).Name(); got != "wincred" {
		t.Errorf("Name() = %q", got)
	}
}

// Items that sesame 1 stored under double-prefixed target names
// ("sesame:sesame:...") are still found, listed under their names, moved to
// one-prefix targets on first read, and cleaned up by Set and Remove.
func TestDoublePrefixedItemsAreFoundAndMoved(t *testing.T) {
	f := newFake()
	b := newBackend(f)
	ctx := context.Background()
	// What sesame 1 wrote: the store's names with the prefix added again.
	old := chunked.New(sesame1Raw{f}, MaxBlob)
	big := pattern(8000)
	for name, data := range map[string][]byte{
		"sesame:name-key":  pattern(32),
		"sesame:session:a": big,
		"sesame:keys:b":    []byte("old key"),
		"sesame:keys:c":    []byte("old key"),
	} {
		if err := old.Set(ctx, name, data); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Contains(f.targets(), "sesame:sesame:session:a#3") {
		t.Fatalf("the old layout was not reproduced: %q", f.targets())
	}
	names, err := b.List(ctx)
	want := []string{"sesame:keys:b", "sesame:keys:c", "sesame:name-key", "sesame:session:a"}
	if err != nil || !slices.Equal(names, want) {
		t.Fatalf("List = %q, %v; want %q", names, err, want)
	}
	for _, name := range []string{"sesame:name-key", "sesame:session:a"} {
		for range 2 { // the first read moves it, the second finds it moved
			if _, err := b.Get(ctx, name); err != nil {
				t.Fatalf("Get(%s) = %v", name, err)
			}
		}
	}
	if got, err := b.Get(ctx, "sesame:session:a"); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get of the moved chunked session = %d bytes, %v; want the 8000 stored", len(got), err)
	}
	if err := b.Set(ctx, "sesame:keys:b", []byte("new key")); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Get(ctx, "sesame:keys:b"); string(got) != "new key" {
		t.Fatalf("Get after Set = %q; the old item came back", got)
	}
	if err := b.Remove(ctx, "sesame:keys:c"); err != nil {
		t.Fatalf("Remove of an old item = %v", err)
	}
	if err := b.Remove(ctx, "sesame:keys:c"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Remove = %v, want ErrNotFound", err)
	}
	for _, target := range f.targets() {
		if strings.HasPrefix(target, "sesame:sesame:") {
			t.Errorf("double-prefixed target %q left in %q", target, f.targets())
		}
	}
	wantTargets := []string{"sesame:keys:b", "sesame:name-key", "sesame:session:a", "sesame:session:a#1", "sesame:session:a#2", "sesame:session:a#3"}
	if got := f.targets(); !slices.Equal(got, wantTargets) {
		t.Errorf("targets = %q, want %q", got, wantTargets)
	}
}

// sesame1Raw is how sesame 1 stored items: the target name is the prefix
// and the store's item name, which has the prefix already.
type sesame1Raw struct{ f *fakeCreds }

func (r sesame1Raw) Read(_ context.Context, key string) ([]byte, error) {
	return r.f.Read("sesame:" + key)
}

func (r sesame1Raw) Write(_ context.Context, key string, blob []byte) error {
	return r.f.Write("sesame:"+key, blob)
}

func (r sesame1Raw) Delete(_ context.Context, key string) error { return r.f.Delete("sesame:" + key) }
