package store

import (
	"context"
	"sort"
	"sync"
)

// Memory is an in-memory Backend for tests. Err, when set, is returned by
// every call (to test how callers handle a locked or broken keyring).
type Memory struct {
	mu    sync.Mutex
	items map[string][]byte
	Err   error
}

// NewMemory returns an empty in-memory backend.
func NewMemory() *Memory { return &Memory{items: map[string][]byte{}} }

// Name implements Backend.
func (m *Memory) Name() string { return "memory" }

// Get implements Backend.
func (m *Memory) Get(ctx context.Context, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return nil, m.Err
	}
	d, ok := m.items[name]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), d...), nil
}

// Set implements Backend.
func (m *Memory) Set(ctx context.Context, name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	m.items[name] = append([]byte(nil), data...)
	return nil
}

// Remove implements Backend.
func (m *Memory) Remove(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	if _, ok := m.items[name]; !ok {
		return ErrNotFound
	}
	delete(m.items, name)
	return nil
}

// List implements Backend.
func (m *Memory) List(ctx context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return nil, m.Err
	}
	out := make([]string, 0, len(m.items))
	for k := range m.items {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}
