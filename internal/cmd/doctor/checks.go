package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Each check has its own file (files.go, plaintext.go, modes.go, perms.go,
// profiles.go, ssosessions.go, store.go, sessions.go, ssotokens.go,
// clicache.go, clock.go); this one holds what several of them share.

// ExpiringWithin is how close to its expiry a session or sign-in is
// reported as expiring.
const ExpiringWithin = 15 * time.Minute

// tilde writes the home folder in text as "~".
func (e *Env) tilde(text string) string {
	if e.Home == "" {
		return text
	}
	return strings.ReplaceAll(text, e.Home+string(filepath.Separator), "~"+string(filepath.Separator))
}

// rootCause strips the *fs.PathError around err, or the "cannot read
// PATH: " of awsconfig.ReadFile (the path is shown separately).
func rootCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// plural writes n and noun, with an "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
