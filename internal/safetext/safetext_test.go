package safetext

import (
	"encoding/json"
	"testing"
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
