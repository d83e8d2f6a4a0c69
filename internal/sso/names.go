package sso

import (
	"strings"
	"unicode"
)

// safePunct are the characters besides letters and digits a generated name
// keeps: those of account and permission set names ([\w+=,.@-]) and the
// template's "/".
const safePunct = "-_.+=,@/"

// SafeName makes name usable as a profile name everywhere: botocore ignores
// a [profile ...] section whose name does not split into exactly two shell
// words, and quotes, backslashes, '#', ';', brackets or '$' make trouble
// in section headers, on command lines or in shells. Every run of other
// characters (whitespace included) becomes one '-'; dashes and dots at
// either end go, as does the name "default", which is not a profile name
// botocore reads from [profile default].
func SafeName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(safePunct, r) {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if s == "default" {
		return ""
	}
	return s
}
