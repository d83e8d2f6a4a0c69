package awsconfig

import (
	"reflect"
	"testing"
)

// The expected values in this file are Python 3.11's own outputs, computed
// once with shlex.split, str.splitlines, posixpath.expandvars, str.strip and
// str.lower, and pasted here.

func TestShlexSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
		fail bool // Python raises ValueError
	}{
		{"profile dev", []string{"profile", "dev"}, false},
		{"profile  dev", []string{"profile", "dev"}, false},
		{"profile \"a b\"", []string{"profile", "a b"}, false},
		{"profile 'a b'", []string{"profile", "a b"}, false},
		{"profile a\\ b", []string{"profile", "a b"}, false},
		{"profile \"a\\\"b\"", []string{"profile", "a\"b"}, false},
		{"profile \"a\\\\b\"", []string{"profile", "a\\b"}, false},
		{"profile \"a\\b\"", []string{"profile", "a\\b"}, false},
		{"profile 'a\\b'", []string{"profile", "a\\b"}, false},
		{"profile a\\", nil, true},
		{"profile \"unclosed", nil, true},
		{"profile 'unclosed", nil, true},
		{"profile \"\"", []string{"profile", ""}, false},
		{"profile ''", []string{"profile", ""}, false},
		{"profile \"\" \"\"", []string{"profile", "", ""}, false},
		{"profile a\"b c\"d", []string{"profile", "ab cd"}, false},
		{"profile a'b'c", []string{"profile", "abc"}, false},
		{"profile\tdev", []string{"profile", "dev"}, false},
		{"profile\x0bdev", []string{"profile\x0bdev"}, false},
		{"profile\x0cdev", []string{"profile\x0cdev"}, false},
		{"profile\u00a0dev", []string{"profile\u00a0dev"}, false},
		{"profile #x", []string{"profile", "#x"}, false},
		{"profile a#b", []string{"profile", "a#b"}, false},
		{"", nil, false},
		{"   ", nil, false},
		{"profile \"a'b\"", []string{"profile", "a'b"}, false},
		{"profile 'a\"b'", []string{"profile", "a\"b"}, false},
		{"profile \\\"", []string{"profile", "\""}, false},
		{"profile \"\\$x\"", []string{"profile", "\\$x"}, false},
		{"profile \\\\", []string{"profile", "\\"}, false},
		{"profile x\\ ", []string{"profile", "x "}, false},
		{"profile \"\\ \"", []string{"profile", "\\ "}, false},
		{"profile ünï", []string{"profile", "ünï"}, false},
		{"sso-session \"my corp\"", []string{"sso-session", "my corp"}, false},
		{"profile \"\\a\\\"\\\\\"", []string{"profile", "\\a\"\\"}, false},
	}
	for _, tt := range tests {
		got, ok := shlexSplit(tt.in)
		if ok == tt.fail || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shlexSplit(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, !tt.fail)
		}
	}
}

func TestPySplitLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb", []string{"a", "b"}},
		{"a\rb", []string{"a", "b"}},
		{"a\r\rb", []string{"a", "", "b"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\x0bb\x0cc", []string{"a", "b", "c"}},
		{"a\x1cb\x1dc\x1ed\x1fe", []string{"a", "b", "c", "d\x1fe"}},
		{"a\u0085b", []string{"a", "b"}},
		{"a\u2028b\u2029c", []string{"a", "b", "c"}},
		{"\n", []string{""}},
		{"\r\n", []string{""}},
		{"\n\n", []string{"", ""}},
		{"a\n\r", []string{"a", ""}},
		{"x\r", []string{"x"}},
	}
	for _, tt := range tests {
		if got := pySplitLines(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("pySplitLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExpandVars(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"HOME":  "/home/u",
		"A":     "x",
		"A_1":   "y",
		"EMPTY": "",
		"SP":    "a b",
		"DOL":   "$A",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"$A", "x"},
		{"${A}", "x"},
		{"$A_1", "y"},
		{"$A_1x", "$A_1x"},
		{"${A}_1", "x_1"},
		{"$NOPE", "$NOPE"},
		{"${NOPE}", "${NOPE}"},
		{"$", "$"},
		{"$$A", "$x"},
		{"$ A", "$ A"},
		{"${", "${"},
		{"${A", "${A"},
		{"${}", "${}"},
		{"$EMPTY.", "."},
		{"$SP", "a b"},
		{"$DOL", "$A"},
		{"${NOPE$A}", "${NOPE$A}"},
		{"a$A$A", "axx"},
		{"$1", "$1"},
		{"$Ä", "$Ä"},
		{"${A}${A}", "xx"},
		{"${A}}", "x}"},
		{"~/$A", "~/x"},
	}
	for _, tt := range tests {
		if got := expandVars(tt.in, lookup); got != tt.want {
			t.Errorf("expandVars(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPyStripAndLower(t *testing.T) {
	t.Parallel()
	strip := []struct{ in, want string }{
		{" a ", "a"},
		{"\x1ca\x1f", "a"},
		{"\u00a0a\u3000", "a"},
		{"\u0085a\x0b", "a"},
		{"\u200ba\u200b", "\u200ba\u200b"},
		{"\ufeffa", "\ufeffa"},
	}
	for _, tt := range strip {
		if got := pyStrip(tt.in); got != tt.want {
			t.Errorf("pyStrip(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Final sigma: str.lower is context-dependent for U+03A3.
	lower := []struct{ in, want string }{
		{"ABC", "abc"},
		{"İx", "i\u0307x"},
		{"ÀÉ", "àé"},
		{"ΣΑΣ", "σας"},
		{"ẞ", "ß"},
		{"\u212a", "k"}, // Kelvin sign
		{"ΣΑΣ ΑΣ.Σ", "σας ασ.ς"},
		{"ΑΣ'Α", "ασ'α"},
		{"Σ", "σ"},
		{"ΑΣ", "ας"},
		{"Α\u0301Σ", "α\u0301ς"},
		{"ΑΣ\u0301", "ας\u0301"},
		{"ΑΣ\u0301Β", "ασ\u0301β"},
		{"AΣ1", "aς1"},
		{"ΑΣΣ", "ασς"},
		{"Σ_A", "σ_a"},
		{"1Σ", "1σ"},
	}
	for _, tt := range lower {
		if got := pyLower(tt.in); got != tt.want {
			t.Errorf("pyLower(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
