package awsconfig

import (
	"strings"
	"unicode"
)

// The helpers in this file reproduce the Python string operations that
// botocore's configparser-based reader applies, so that sesame reads a file
// exactly as the AWS CLI does.

// isPySpace reports whether r is whitespace for Python's str.isspace, str.strip
// and the regular-expression class \s. Python counts the ASCII information
// separators U+001C..U+001F as whitespace; Go's unicode.IsSpace does not.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func pyStrip(s string) string {
	if len(s) == 0 || plainEdge(s[0]) && plainEdge(s[len(s)-1]) {
		return s // nothing to strip at either end
	}
	return strings.TrimFunc(s, isPySpace)
}

func pyRStrip(s string) string {
	if len(s) == 0 || plainEdge(s[len(s)-1]) {
		return s
	}
	return strings.TrimRightFunc(s, isPySpace)
}

// plainEdge reports whether byte c, at an end of a string, is a whole
// character that is not whitespace: printable ASCII other than a space.
func plainEdge(c byte) bool    { return c > 0x20 && c < 0x7f }
func pyLStrip(s string) string { return strings.TrimLeftFunc(s, isPySpace) }

// pyLower is str.lower: Unicode full lower-casing. The only unconditional
// multi-rune mapping is U+0130 (capital I with dot above); the only
// context-dependent one is capital sigma, which becomes final sigma at the
// end of a word.
func pyLower(s string) string {
	if strings.ContainsRune(s, '\u0130') {
		s = strings.ReplaceAll(s, "\u0130", "i\u0307")
	}
	if !strings.ContainsRune(s, '\u03a3') {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	out := make([]rune, len(rs))
	for i, r := range rs {
		if r == '\u03a3' && isFinalSigma(rs, i) {
			out[i] = '\u03c2'
		} else {
			out[i] = unicode.ToLower(r)
		}
	}
	return string(out)
}

// isFinalSigma is CPython's handle_capital_sigma: the sigma at rs[i] follows
// a cased letter and is not followed by one, case-ignorable runes skipped.
func isFinalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && isCaseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !isCased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && isCaseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !isCased(rs[j])
}

// isCased is the Unicode property Cased.
func isCased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// isCaseIgnorable is the Unicode property Case_Ignorable: the categories
// Mn, Me, Cf, Lm and Sk, and the Word_Break values MidLetter, MidNumLet
// and Single_Quote.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0xb7, 0x387, 0x55f, 0x5f4, 0x2018, 0x2019, 0x2024, 0x2027, 0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// pySplitLines is str.splitlines without keepends.
func pySplitLines(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, string(rs[start:i]))
			start = i + 1
		case '\r':
			out = append(out, string(rs[start:i]))
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	return out
}

// shlexSplit is Python's shlex.split(s) in POSIX mode without comments: words
// separated by space, tab, CR or LF; single quotes literal; double quotes with
// backslash escaping only '"' and '\'; a backslash outside quotes escapes any
// character. ok is false where Python raises ValueError (an unclosed quote or
// a trailing backslash).
func shlexSplit(s string) (words []string, ok bool) {
	if !strings.ContainsAny(s, "'\"\\") {
		// Without quotes or escapes shlex splits on whitespace alone.
		words = strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
		if len(words) == 0 {
			return nil, true
		}
		return words, true
	}
	const (
		stWhite = iota
		stWord
		stSingle
		stDouble
		stEscape
	)
	isWhite := func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }
	var (
		token   strings.Builder
		quoted  bool
		state   = stWhite
		escFrom int // the state an escape returns to
	)
	emit := func() {
		if token.Len() > 0 || quoted {
			words = append(words, token.String())
		}
		token.Reset()
		quoted = false
	}
	for _, r := range s {
		switch state {
		case stWhite, stWord:
			switch {
			case isWhite(r):
				if state == stWord {
					emit()
				}
				state = stWhite
			case r == '\\':
				escFrom, state = stWord, stEscape
			case r == '\'':
				state = stSingle
			case r == '"':
				state = stDouble
			default:
				token.WriteRune(r)
				state = stWord
			}
		case stSingle:
			quoted = true
			if r == '\'' {
				state = stWord
			} else {
				token.WriteRune(r)
			}
		case stDouble:
			quoted = true
			switch r {
			case '"':
				state = stWord
			case '\\':
				escFrom, state = stDouble, stEscape
			default:
				token.WriteRune(r)
			}
		case stEscape:
			if escFrom == stDouble && r != '"' && r != '\\' {
				token.WriteRune('\\')
			}
			token.WriteRune(r)
			state = escFrom
		}
	}
	switch state {
	case stSingle, stDouble, stEscape:
		return nil, false
	case stWord:
		emit()
	}
	return words, true
}
