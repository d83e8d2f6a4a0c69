package store

import "strings"

// ValidSecretAccessKey reports whether secret can be stored as a secret
// access key: not empty, and no space, control character or DEL in it (so
// not several lines either). Every output format of sesame export needs
// one such word, and refuses anything else; storing is held to the same
// rule, so that what is stored can always be handed out.
func ValidSecretAccessKey(secret string) bool {
	return secret != "" && OneWord(secret)
}

// OneWord reports whether s holds no space, control character or DEL: the
// rule every credential value handed out must keep.
func OneWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) < 0
}
