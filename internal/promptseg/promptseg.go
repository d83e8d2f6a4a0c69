// Package promptseg makes the shell prompt segment of `sesame prompt`: the
// profile in use and its time left. It reads only the environment and the
// expiry index beside the store (store.ReadIndex): never the keyring, the
// AWS files or the network, so that it is cheap enough for every prompt.
// Both sesame programs print it: the full one (internal/cmd/promptcmd) and
// the small front (internal/front).
package promptseg

import (
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/safetext"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// Formats are the values --format takes.
var Formats = []string{"text", "bash", "zsh", "plain"}

// Valid reports whether format is one of Formats.
func Valid(format string) bool { return slices.Contains(Formats, format) }

// Warn is how little time left turns the segment yellow.
const Warn = 15 * time.Minute

// Segment is the line to print (with its newline) for the profile in use,
// or "" when none is: getenv reads the environment, stateDir is sesame's
// state folder ("" when unknown).
func Segment(format string, getenv func(string) string, stateDir string, now time.Time) string {
	profile, expires := current(getenv, stateDir)
	if profile == "" {
		return ""
	}
	name := safetext.Escape(profile)
	if format == "zsh" {
		name = strings.ReplaceAll(name, "%", "%%")
	}
	text, color := name, ""
	if !expires.IsZero() {
		left := expires.Sub(now)
		switch {
		case left <= 0:
			text, color = name+" expired", "31" // red
		case left < Warn:
			text, color = name+" "+timefmt.Short(left), "33" // yellow
		default:
			text = name + " " + timefmt.Short(left)
		}
	}
	if color == "" || format == "plain" {
		return text + "\n"
	}
	on, off := "\x1b["+color+"m", "\x1b[0m"
	switch format {
	case "bash":
		on, off = "\x01"+on+"\x02", "\x01"+off+"\x02"
	case "zsh":
		on, off = "%{"+on+"%}", "%{"+off+"%}"
	}
	return on + text + off + "\n"
}

// current is the profile in use and when its credentials expire (zero when
// unknown).
func current(getenv func(string) string, stateDir string) (string, time.Time) {
	profile := getenv("SESAME_USE_PROFILE")
	if profile == "" {
		profile = getenv("SESAME_PROFILE")
	}
	if profile == "" {
		profile = getenv("AWS_PROFILE")
	}
	if profile == "" {
		return "", time.Time{}
	}
	if v := getenv("AWS_CREDENTIAL_EXPIRATION"); v != "" && getenv("AWS_ACCESS_KEY_ID") != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return profile, t
		}
	}
	if stateDir == "" {
		return profile, time.Time{}
	}
	ix, err := store.ReadIndex(filepath.Join(stateDir, store.IndexFile))
	if err != nil {
		return profile, time.Time{}
	}
	return profile, ix.Sessions[profile]
}
