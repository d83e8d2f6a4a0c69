package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// TestTaggerReused: a tagger used for many tags (Inventory) gives each the
// HMAC a fresh one gives, so item names do not change.
func TestTaggerReused(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	want := func(kind, id string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(kind + "\x00" + id))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	}
	tg := newTagger(key)
	for _, c := range [][2]string{{"keys", "a"}, {"session-profile", "a"}, {"keys", "b"}, {"session", "a\x00id"}, {"keys", "a"}} {
		if got := tg.tag(c[0], c[1]); got != want(c[0], c[1]) || tag(key, c[0], c[1]) != got {
			t.Errorf("tag(%q, %q) = %s reused, %s fresh, want %s", c[0], c[1], got, tag(key, c[0], c[1]), want(c[0], c[1]))
		}
	}
}
