// Package chunked stores values larger than a keyring's item size limit as
// several items. It is the OS-independent part of the Windows Credential
// Manager backend (a credential blob holds at most 2,560 bytes) and the
// macOS keychain backend (/usr/bin/security reads at most 4,096 bytes per
// command), and is tested on every OS through an in-memory [Raw].
//
// # Format
//
// Value KEY is kept as the head item KEY and, when it does not fit, chunk
// items KEY#1, KEY#2, ... The head starts with a 13-byte header: the magic
// "SC", format version 1, the number of items n (head included, uint16), the
// value's length (uint32) and its CRC-32 (IEEE), all big-endian; the rest of
// the head and the chunks hold the value's bytes in order, each item at most
// the limit given to [New].
//
// # Consistency
//
// Set writes the chunks first and the head last, so a reader sees the old
// value or the new one; then it deletes the chunks the old value had beyond
// the new count. Remove deletes the head first, so the value disappears at
// once, then its chunks, and then any chunks left behind by an interrupted
// write. Get checks the length and checksum and reads again once when they do
// not match (another process was writing); a value that still does not match
// is reported as damaged, never as missing.
//
// A Store serialises its own calls, so it is safe for concurrent use;
// between processes the checksum detects torn reads.
package chunked

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"sync"

	"github.com/sesamehq/sesame/internal/store"
)

// Raw is a keyring's item API, one small blob per key. Read and Delete
// return an error wrapping store.ErrNotFound for a missing key and only
// then.
type Raw interface {
	Read(ctx context.Context, key string) ([]byte, error)
	Write(ctx context.Context, key string, blob []byte) error
	Delete(ctx context.Context, key string) error
}

// Separator joins a key and a chunk number: KEY#1.
const Separator = "#"

const (
	headerLen = 13
	version   = 1
	// maxItems is the most items a value may take (the header's count is
	// a uint16).
	maxItems = 1<<16 - 1
)

// Store keeps values of any size (up to limit*65535-13 bytes) in a Raw whose
// blobs hold at most limit bytes.
type Store struct {
	raw   Raw
	limit int
	mu    sync.RWMutex
}

// New returns a Store over raw, whose blobs hold at most limit bytes (more
// than the 13-byte header).
func New(raw Raw, limit int) *Store {
	if limit <= headerLen {
		panic("chunked: limit too small")
	}
	return &Store{raw: raw, limit: limit}
}

// IsChunk reports whether key names a chunk item (KEY#N) rather than a head.
func IsChunk(key string) bool { return strings.Contains(key, Separator) }

// ChunkKey returns the key of chunk i (1, 2, ...) of value key.
func ChunkKey(key string, i int) string { return key + Separator + strconv.Itoa(i) }

func checkKey(key string) error {
	if key == "" || IsChunk(key) {
		return fmt.Errorf("%q is not a valid item name (it must be non-empty without %q)", key, Separator)
	}
	return nil
}

// header is a decoded head.
type header struct {
	count  int
	length int
	crc    uint32
}

// split returns the blobs that hold data: the head first, then the chunks.
func (s *Store) split(data []byte) ([][]byte, error) {
	n := 1
	if rest := len(data) - (s.limit - headerLen); rest > 0 {
		n += (rest + s.limit - 1) / s.limit
	}
	if n > maxItems || uint64(len(data)) > 1<<32-1 {
		return nil, fmt.Errorf("the value is too large for the keyring (%d bytes)", len(data))
	}
	first := min(len(data), s.limit-headerLen)
	head := make([]byte, headerLen, headerLen+first)
	head[0], head[1], head[2] = 'S', 'C', version
	binary.BigEndian.PutUint16(head[3:], uint16(n))
	binary.BigEndian.PutUint32(head[5:], uint32(len(data)))
	binary.BigEndian.PutUint32(head[9:], crc32.ChecksumIEEE(data))
	blobs := [][]byte{append(head, data[:first]...)}
	for rest := data[first:]; len(rest) > 0; {
		k := min(len(rest), s.limit)
		blobs = append(blobs, rest[:k])
		rest = rest[k:]
	}
	return blobs, nil
}

func parseHeader(head []byte) (header, error) {
	if len(head) < headerLen || head[0] != 'S' || head[1] != 'C' {
		return header{}, errors.New("it was not written by sesame")
	}
	if head[2] != version {
		return header{}, fmt.Errorf("it has format version %d, this sesame reads version %d", head[2], version)
	}
	h := header{
		count:  int(binary.BigEndian.Uint16(head[3:])),
		length: int(binary.BigEndian.Uint32(head[5:])),
		crc:    binary.BigEndian.Uint32(head[9:]),
	}
	if h.count < 1 {
		return header{}, errors.New("its header is damaged")
	}
	return h, nil
}

// Get returns the value of key, or an error wrapping store.ErrNotFound when
// its head is missing.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	data, err := s.get(ctx, key)
	if errors.Is(err, errTorn) {
		// Another process may have been writing: read once more.
		data, err = s.get(ctx, key)
	}
	if errors.Is(err, errTorn) {
		return nil, fmt.Errorf("item %s is damaged (its parts do not match; it may be being written): set it again", key)
	}
	return data, err
}

var errTorn = errors.New("torn value")

func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	head, err := s.raw.Read(ctx, key)
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(head)
	if err != nil {
		return nil, fmt.Errorf("item %s cannot be read: %v", key, err)
	}
	data := make([]byte, 0, h.length)
	data = append(data, head[headerLen:]...)
	for i := 1; i < h.count; i++ {
		blob, err := s.raw.Read(ctx, ChunkKey(key, i))
		if errors.Is(err, store.ErrNotFound) {
			return nil, errTorn
		}
		if err != nil {
			return nil, err
		}
		data = append(data, blob...)
	}
	if len(data) != h.length || crc32.ChecksumIEEE(data) != h.crc {
		return nil, errTorn
	}
	return data, nil
}

// Set stores data as the value of key, replacing any old value and its
// chunks.
func (s *Store) Set(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	blobs, err := s.split(data)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.count(ctx, key)
	if err != nil {
		return err
	}
	for i := len(blobs) - 1; i >= 1; i-- {
		if err := s.raw.Write(ctx, ChunkKey(key, i), blobs[i]); err != nil {
			return err
		}
	}
	if err := s.raw.Write(ctx, key, blobs[0]); err != nil {
		return err
	}
	return s.deleteChunks(ctx, key, len(blobs), old)
}

// Remove deletes key and its chunks; a missing head is an error wrapping
// store.ErrNotFound (after removing any chunks left without one).
func (s *Store) Remove(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.count(ctx, key)
	if err != nil {
		return err
	}
	if old == 0 {
		if err := s.deleteChunks(ctx, key, 1, 1); err != nil {
			return err
		}
		return store.ErrNotFound
	}
	if err := s.raw.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.deleteChunks(ctx, key, 1, old)
}

// count returns how many items key's current value takes: 0 when there is
// none, 1 when its head cannot be parsed.
func (s *Store) count(ctx context.Context, key string) (int, error) {
	head, err := s.raw.Read(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	h, err := parseHeader(head)
	if err != nil {
		return 1, nil
	}
	return h.count, nil
}

// deleteChunks deletes chunks from..old-1 of key, then any further chunks
// up to the first missing one (left by an interrupted write).
func (s *Store) deleteChunks(ctx context.Context, key string, from, old int) error {
	for i := from; i < maxItems; i++ {
		err := s.raw.Delete(ctx, ChunkKey(key, i))
		if errors.Is(err, store.ErrNotFound) {
			if i >= old {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
