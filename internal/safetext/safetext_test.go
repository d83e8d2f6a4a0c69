package safetext

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                         "",
		"plain-profile/Admin_1.x":  "plain-profile/Admin_1.x",
		"é ü 日本 emoji 🙂":           "é ü 日本 emoji 🙂",
		`back\slash`:               `back\slash`,
		"evil\x1b]0;pwned\x07":     `evil\x1b]0;pwned\x07`,
		"a\tb\nc\rd":               `a\tb\nc\rd`,
		"nul\x00del\x7f":           `nul\x00del\x7f`,
		"csi\u009b31m":             `csi\u009b31m`,
		"bidi\u202eexe.txt\u2066x": `bidi\u202eexe.txt\u2066x`,
		"bad\xffutf8\xc3":          `bad\xffutf8\xc3`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeLines(t *testing.T) {
	t.Parallel()
	if got, want := EscapeLines("one \x1b[2J\ntwo\r"), "one \\x1b[2J\ntwo\\r"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func BenchmarkEscapePlain(b *testing.B) {
	for b.Loop() {
		Escape("account-0001/AdministratorAccess")
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	in := []byte("{\"a\": \"x\u009by\u202ez\x7f\", \"b\": \"plain é\"}")
	want := `{"a": "x\u009by\u202ez\u007f", "b": "plain é"}`
	got := JSON(in)
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var a, b map[string]string
	if err := json.Unmarshal(in, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &b); err != nil || a["a"] != b["a"] || a["b"] != b["b"] {
		t.Errorf("decoded %q, want %q (%v)", b, a, err)
	}
}

// jsonByRune is JSON as it was first written (rune by rune): the
// reference for FuzzJSON.
func jsonByRune(b []byte) []byte {
	s := string(b)
	var out strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == 0x7f || isC1(r) || isBidi(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.WriteString(s[i : i+size])
		}
		i += size
	}
	return []byte(out.String())
}

// FuzzJSON: JSON rewrites exactly what the rune-by-rune version did, on
// any bytes (invalid UTF-8 included).
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"name": "evil\u001b]0;x\u0007", "r": "a` + "\u202e\u0085\x7f\xff" + `"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := JSON(b), jsonByRune(b); !bytes.Equal(got, want) {
			t.Errorf("JSON(%q) = %q, want %q", b, got, want)
		}
	})
}
