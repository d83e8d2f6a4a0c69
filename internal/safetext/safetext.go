// Package safetext makes text from files and servers safe to show on a
// terminal: the control characters in it (which could move the cursor,
// retitle the window, rewrite what is on screen or forge a line) are shown
// as visible escapes instead of reaching the terminal.
package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every character that a terminal would act on
// instead of showing written as a Go-style escape: C0 controls and DEL as
// \t, \n, \r or \xNN (ESC is \x1b), C1 controls and the Unicode
// bidirectional formatting characters (which reorder what is shown) as
// \uNNNN, and bytes that are not UTF-8 as \xNN. Everything else, the
// backslash included, is left as it is; text without such characters is
// returned unchanged.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isC1(r) || isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// EscapeLines is Escape on each line of s: the line breaks ("\n") are
// kept, every other control character is escaped.
func EscapeLines(s string) string {
	if !needsEscape(s) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "\n")
}

// needsEscape is the fast path: whether s holds a byte below 0x20, DEL,
// or any non-ASCII byte (which may be a C1 or bidi control, or not UTF-8).
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return needsEscapeSlow(s[i:])
		}
	}
	return false
}

func needsEscapeSlow(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0x20 || r == 0x7f || isC1(r) || isBidi(r) {
			return true
		}
		i += size
	}
	return false
}

// isC1 reports the C1 controls, U+0080 to U+009F (U+009B is CSI on
// terminals that read them).
func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }

// isBidi reports the Unicode bidirectional formatting characters, which
// make a terminal show text in another order than it is.
func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// JSON rewrites the control characters that encoding/json leaves as they
// are (DEL, the C1 controls, the bidirectional formatting characters) as
// \uNNNN escapes in JSON text, which every JSON reader decodes to the same
// characters. JSON text holds them only inside strings, where the escape
// is valid; encoding/json already escapes the C0 controls.
func JSON(b []byte) []byte {
	var out []byte // nil until the first escape
	done := 0      // b[:done] is in out
	for i := 0; i < len(b); {
		if b[i] < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || isC1(r) || isBidi(r) {
			if out == nil {
				out = make([]byte, 0, len(b)+16)
			}
			out = append(out, b[done:i]...)
			out = fmt.Appendf(out, `\u%04x`, r)
			done = i + size
		}
		i += size
	}
	if out == nil {
		return b
	}
	return append(out, b[done:]...)
}
