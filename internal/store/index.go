package store

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// IndexFile is the name of the expiry index in sesame's state folder.
const IndexFile = "expiry.json"

// Index is the expiry index: when each profile's latest cached session
// ends. It holds no secret (profile names and times only), lives beside the
// store in a 0600 file that every session write and clear updates, and is
// what `sesame prompt` reads on every shell prompt without touching the
// keyring.
type Index struct {
	Sessions map[string]time.Time `json:"sessions"`
}

// Option configures a Store.
type Option func(*Store)

// WithIndex keeps the expiry index at path.
func WithIndex(path string) Option { return func(s *Store) { s.indexPath = path } }

// ReadIndex reads the expiry index at path; a missing file is an empty
// index.
func ReadIndex(path string) (Index, error) {
	var ix Index
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Index{Sessions: map[string]time.Time{}}, nil
	}
	if err != nil {
		return ix, err
	}
	if err := json.Unmarshal(b, &ix); err != nil {
		return Index{Sessions: map[string]time.Time{}}, nil // rewritten on the next session write
	}
	if ix.Sessions == nil {
		ix.Sessions = map[string]time.Time{}
	}
	return ix, nil
}

// updateIndex applies fn to the index under its lock. The index is a
// convenience for the prompt: a failure to update it never fails the store
// operation that caused it, and the next update rewrites it whole.
func (s *Store) updateIndex(fn func(ix *Index)) {
	if s.indexPath == "" {
		return
	}
	unlock, err := atomicfile.Lock(s.indexPath)
	if err != nil {
		return
	}
	defer unlock()
	ix, err := ReadIndex(s.indexPath)
	if err != nil {
		return
	}
	fn(&ix)
	b, err := json.Marshal(ix)
	if err != nil {
		return
	}
	_ = atomicfile.WriteFile(s.indexPath, append(b, '\n'), 0o600)
}
