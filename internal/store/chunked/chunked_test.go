package chunked_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/chunked"
)

// memRaw is a Raw in memory; onRead, when set, runs before each Read.
type memRaw struct {
	mu     sync.Mutex
	items  map[string][]byte
	limit  int
	onRead func(key string)
}

func (m *memRaw) Read(_ context.Context, key string) ([]byte, error) {
	if m.onRead != nil {
		m.onRead(key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.items[key]
	if !ok {
		return nil, store.ErrNotFound
	}
	return bytes.Clone(b), nil
}

func (m *memRaw) Write(_ context.Context, key string, blob []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(blob) > m.limit {
		return errors.New("blob too big")
	}
	m.items[key] = bytes.Clone(blob)
	return nil
}

func (m *memRaw) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[key]; !ok {
		return store.ErrNotFound
	}
	delete(m.items, key)
	return nil
}

func TestTornReadIsRetried(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	raw := &memRaw{items: map[string][]byte{}, limit: 64}
	s := chunked.New(raw, 64)
	v1 := bytes.Repeat([]byte("a"), 200)
	v2 := bytes.Repeat([]byte("b"), 200)
	if err := s.Set(ctx, "k", v1); err != nil {
		t.Fatal(err)
	}
	// Another process replaces the value between our reads of the head and
	// of the chunks: the first read is torn, the second sees v2.
	var once sync.Once
	raw.onRead = func(key string) {
		if key == "k#1" {
			once.Do(func() {
				raw.mu.Lock()
				defer raw.mu.Unlock()
				// Chunks of v2 written, head of v2 not yet.
				for i := 1; i <= 3; i++ {
					raw.items[chunked.ChunkKey("k", i)] = bytes.Repeat([]byte("b"), len(raw.items[chunked.ChunkKey("k", i)]))
				}
			})
		}
	}
	_, err := s.Get(ctx, "k")
	if err == nil || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "damaged") {
		// Both reads see v1's head with v2's chunks: damaged.
		t.Fatalf("Get = %v, want a damaged-item error", err)
	}
	raw.onRead = nil
	if err := s.Set(ctx, "k", v2); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "k")
	if err != nil || !bytes.Equal(got, v2) {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

func TestHeaderChecks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	raw := &memRaw{items: map[string][]byte{}, limit: 64}
	s := chunked.New(raw, 64)
	for _, tc := range []struct {
		head string
		want string
	}{
		{"short", "not written by sesame"},
		{"XX\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", "not written by sesame"},
		{"SC\x02\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", "format version 2"},
		{"SC\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "damaged"},
	} {
		raw.items["k"] = []byte(tc.head)
		_, err := s.Get(ctx, "k")
		if err == nil || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("head %q: Get = %v, want an error saying %q", tc.head, err, tc.want)
		}
	}
	// An unreadable head is still replaced and removed.
	if err := s.Set(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if len(raw.items) != 0 {
		t.Errorf("left %v", raw.items)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	if got := chunked.ChunkKey("sesame:keys:x", 3); got != "sesame:keys:x#3" {
		t.Errorf("ChunkKey = %q", got)
	}
	if !chunked.IsChunk("a#1") || chunked.IsChunk("sesame:keys:x") {
		t.Error("IsChunk is wrong")
	}
	s := chunked.New(&memRaw{items: map[string][]byte{}, limit: 64}, 64)
	for _, k := range []string{"", "a#b"} {
		if err := s.Set(t.Context(), k, nil); err == nil {
			t.Errorf("Set(%q) accepted", k)
		}
	}
}

func TestTornReadThenConsistent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	raw := &memRaw{items: map[string][]byte{}, limit: 64}
	s := chunked.New(raw, 64)
	v := bytes.Repeat([]byte("v"), 150)
	if err := s.Set(ctx, "k", v); err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(raw.items["k#1"])
	heads := 0
	raw.onRead = func(key string) {
		raw.mu.Lock()
		defer raw.mu.Unlock()
		switch {
		case key == "k" && heads == 0:
			heads++
			raw.items["k#1"] = bytes.Repeat([]byte("x"), len(orig)) // a writer is mid-way
		case key == "k":
			raw.items["k#1"] = orig // and has finished
		}
	}
	got, err := s.Get(ctx, "k")
	if err != nil || !bytes.Equal(got, v) {
		t.Fatalf("Get = %q, %v; want the value after one retry", got, err)
	}
}
