package awsconfig

import (
	"strings"
	"testing"
)

// FuzzFastPaths: indexEOL, pyStrip and pyRStrip give what the plain
// library calls they stand for give.
func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{"", "a", " a ", "a\r\nb", "a\rb\nc", "\n", "\r", "k = v\x1c", "\u00a0x\u3000", "x\x85"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := indexEOL(s), strings.IndexAny(s, "\r\n"); got != want {
			t.Errorf("indexEOL(%q) = %d, want %d", s, got, want)
		}
		if got, want := pyStrip(s), strings.TrimFunc(s, isPySpace); got != want {
			t.Errorf("pyStrip(%q) = %q, want %q", s, got, want)
		}
		if got, want := pyRStrip(s), strings.TrimRightFunc(s, isPySpace); got != want {
			t.Errorf("pyRStrip(%q) = %q, want %q", s, got, want)
		}
	})
}
