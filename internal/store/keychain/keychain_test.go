package keychain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/store"
)

var errFakeNotFound = errors.New("secret not found in keyring")

// exitError is an *exec.ExitError look-alike.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
func (e exitError) ExitCode() int { return int(e) }

// fakeKeychain behaves like go-keyring on macOS: string values, at most
// 4,096 bytes per security command.
type fakeKeychain struct {
	mu    sync.Mutex
	items map[string]string // service + "\x00" + account
	err   error
	block chan struct{} // when set, calls wait for it
}

func newFake() *fakeKeychain { return &fakeKeychain{items: map[string]string{}} }

func (f *fakeKeychain) wait() error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeKeychain) Get(service, user string) (string, error) {
	if err := f.wait(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[service+"\x00"+user]
	if !ok {
		return "", errFakeNotFound
	}
	return v, nil
}

func (f *fakeKeychain) Set(service, user, password string) error {
	if err := f.wait(); err != nil {
		return err
	}
	// go-keyring: base64 with a prefix, in one command line of at most 4096.
	if n := len("add-generic-password -U -s '' -a '' -w 'go-keyring-base64:'\n") + len(service) + len(user) + (len(password)+2)/3*4; n > 4096 {
		return errors.New("data passed to Set was too big")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[service+"\x00"+user] = password
	return nil
}

func (f *fakeKeychain) Delete(service, user string) error {
	if err := f.wait(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.items[service+"\x00"+user]; !ok {
		return errFakeNotFound
	}
	delete(f.items, service+"\x00"+user)
	return nil
}

func (f *fakeKeychain) accounts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range maps.Keys(f.items) {
		s, a, _ := strings.Cut(k, "\x00")
		if s != Service {
			panic("item outside the sesame service: " + k)
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func TestRoundTripAndIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFake()
	b := newBackend(f, errFakeNotFound)
	if b.Name() != "keychain" {
		t.Errorf("Name() = %q", b.Name())
	}
	if names, err := b.List(ctx); err != nil || len(names) != 0 {
		t.Fatalf("List of an empty keychain = %q, %v", names, err)
	}
	big := bytes.Repeat([]byte{0, 1, 2, 0xff, '\n', '\''}, 2000) // 12 KB of awkward bytes
	items := map[string][]byte{
		"sesame:name-key":     []byte("0123456789abcdef0123456789abcdef"),
		"sesame:keys:AbC-_d":  big,
		"sesame:session:x:y":  {},
		"sesame:sso-token:zz": []byte(`{"accessToken":"t"}`),
	}
	for name, data := range items {
		if err := b.Set(ctx, name, data); err != nil {
			t.Fatalf("Set(%s): %v", name, err)
		}
	}
	for name, data := range items {
		got, err := b.Get(ctx, name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Get(%s) = %d bytes, %v; want the %d bytes stored", name, len(got), err, len(data))
		}
	}
	names, err := b.List(ctx)
	if want := slices.Sorted(maps.Keys(items)); err != nil || !slices.Equal(names, want) {
		t.Fatalf("List = %q, %v; want %q", names, err, want)
	}
	// Every keychain item is small enough for one security command.
	if !slices.Contains(f.accounts(), "sesame:keys:AbC-_d#5") || !slices.Contains(f.accounts(), IndexItem) {
		t.Errorf("accounts = %q, want chunks of the big item and the index", f.accounts())
	}
	// Overwrite with a smaller value: stale chunks go.
	if err := b.Set(ctx, "sesame:keys:AbC-_d", []byte("small")); err != nil {
		t.Fatal(err)
	}
	for _, a := range f.accounts() {
		if strings.HasPrefix(a, "sesame:keys:AbC-_d#") {
			t.Errorf("stale chunk %q left after overwrite", a)
		}
	}
	for name := range items {
		if err := b.Remove(ctx, name); err != nil {
			t.Fatalf("Remove(%s): %v", name, err)
		}
		if _, err := b.Get(ctx, name); err != store.ErrNotFound {
			t.Errorf("Get after Remove = %v, want ErrNotFound", err)
		}
	}
	if err := b.Remove(ctx, "sesame:keys:AbC-_d"); err != store.ErrNotFound {
		t.Errorf("second Remove = %v, want ErrNotFound", err)
	}
	if names, err := b.List(ctx); err != nil || len(names) != 0 {
		t.Errorf("List after removing everything = %q, %v", names, err)
	}
	if got := f.accounts(); !slices.Equal(got, []string{IndexItem}) {
		t.Errorf("accounts left = %q, want only the (empty) index", got)
	}
}

func TestIndexRepair(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newFake()
	b := newBackend(f, errFakeNotFound)
	if err := b.Set(ctx, "a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	// Another process lost our index entry; the next Set puts it back.
	if err := b.chunks.Set(ctx, IndexItem, []byte(`[]`)); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "a", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if names, _ := b.List(ctx); !slices.Equal(names, []string{"a"}) {
		t.Errorf("List = %q, want [a]", names)
	}
	// An entry for an item that is gone is dropped by Remove.
	if err := b.chunks.Set(ctx, IndexItem, []byte(`["a","ghost"]`)); err != nil {
		t.Fatal(err)
	}
	if err := b.Remove(ctx, "ghost"); err != store.ErrNotFound {
		t.Errorf("Remove(ghost) = %v, want ErrNotFound", err)
	}
	if names, _ := b.List(ctx); !slices.Equal(names, []string{"a"}) {
		t.Errorf("List = %q, want [a]", names)
	}
	// A damaged index is an error, not an empty list.
	if err := b.chunks.Set(ctx, IndexItem, []byte(`{not json`)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.List(ctx); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("List with a damaged index = %v", err)
	}
	if err := b.Set(ctx, IndexItem, []byte("x")); err == nil {
		t.Error("Set of the index's own name was accepted")
	}
}

func TestConcurrentSetsKeepTheIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := newBackend(newFake(), errFakeNotFound)
	var wg sync.WaitGroup
	var want []string
	for i := range 10 {
		name := fmt.Sprintf("sesame:keys:%02d", i)
		want = append(want, name)
		wg.Go(func() {
			if err := b.Set(ctx, name, []byte(name)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	names, err := b.List(ctx)
	if err != nil || !slices.Equal(names, want) {
		t.Errorf("List = %q, %v; want %q", names, err, want)
	}
	raw, _ := b.chunks.Get(ctx, IndexItem)
	var idx []string
	if err := json.Unmarshal(raw, &idx); err != nil || len(idx) != 10 {
		t.Errorf("index = %s", raw)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, tc := range []struct {
		err  error
		want error
		text string
	}{
		{exitError(36), store.ErrLocked, "locked"},
		{exitError(51), store.ErrLocked, "locked"},
		{exitError(128), store.ErrLocked, "locked"},
		{exitError(50), store.ErrUnavailable, "no default keychain"},
		{exitError(1), store.ErrUnavailable, "exit status 1"},
		{errors.New("fork/exec /usr/bin/security: no such file or directory"), store.ErrUnavailable, "/usr/bin/security"},
	} {
		f := newFake()
		f.err = tc.err
		b := newBackend(f, errFakeNotFound)
		_, err := b.Get(ctx, "x")
		if !errors.Is(err, tc.want) || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%v: Get = %v, want %v saying %q", tc.err, err, tc.want, tc.text)
		}
		err = b.Set(ctx, "x", []byte("s3cr3t-value"))
		if !errors.Is(err, tc.want) || strings.Contains(err.Error(), "s3cr3t-value") {
			t.Errorf("%v: Set = %v, want %v without the secret", tc.err, err, tc.want)
		}
		if _, err := b.List(ctx); !errors.Is(err, tc.want) {
			t.Errorf("%v: List = %v, want %v", tc.err, err, tc.want)
		}
		if err := b.Remove(ctx, "x"); !errors.Is(err, tc.want) {
			t.Errorf("%v: Remove = %v, want %v", tc.err, err, tc.want)
		}
	}
}

func TestNoHang(t *testing.T) {
	t.Parallel()
	f := newFake()
	f.block = make(chan struct{}) // security waits for a person
	defer close(f.block)
	b := newBackend(f, errFakeNotFound)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.Get(ctx, "x")
	if !errors.Is(err, store.ErrLocked) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get = %v, want ErrLocked and the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Get took %v with a 100ms context", d)
	}
	if err := b.Set(ctx, "x", []byte("v")); !errors.Is(err, store.ErrLocked) {
		t.Errorf("Set with an ended context = %v", err)
	}
}
