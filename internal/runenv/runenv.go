// Package runenv is what a run of sesame takes from its process and sets up
// the same way in both of sesame's programs (the full one, internal/app,
// and the small front, internal/front): the environment with sesame's own
// secrets taken out of it, the home folder, the state folder and the store
// over a backend.
package runenv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/sesamehq/sesame/internal/store"
)

// secretPrefix starts the names of sesame's own secrets in its
// environment: SESAME_FILE_PASSPHRASE, SESAME_FILE_PASSPHRASE_COMMAND.
const secretPrefix = "SESAME_FILE_PASSPHRASE"

// TakeSecretEnv reads sesame's own secrets (every variable whose name
// starts with SESAME_FILE_PASSPHRASE) from the process environment and
// removes them from it. Every child sesame starts afterwards (exec's
// command, the browser, credential_process, mfa_process, the GUI prompts,
// gpg, the passphrase command itself) inherits os.Environ(), which no
// longer holds them: that is the one place they are removed. The result
// is the Factory's LookupEnv: it answers for the secrets from the copy
// taken here and for every other name from the process environment.
//
// Call it once per process, before any child is started: a second call
// finds nothing left to take.
func TakeSecretEnv() func(string) (string, bool) {
	secrets := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" || !strings.HasPrefix(strings.ToUpper(k), secretPrefix) {
			continue
		}
		secrets[strings.ToUpper(k)] = v
		_ = os.Unsetenv(k)
	}
	return lookupWith(secrets, os.LookupEnv)
}

// lookupWith answers for the names in secrets (upper case) from it, and
// for every other name from lookup.
func lookupWith(secrets map[string]string, lookup func(string) (string, bool)) func(string) (string, bool) {
	return func(key string) (string, bool) {
		if strings.HasPrefix(strings.ToUpper(key), secretPrefix) {
			v, ok := secrets[strings.ToUpper(key)]
			return v, ok
		}
		return lookup(key)
	}
}

// HomeDir is $HOME, as botocore's expanduser uses, else the system's idea.
func HomeDir() (string, error) {
	if h := os.Getenv("HOME"); h != "" {
		return h, nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("cannot find the home folder")
	}
	return h, nil
}

// StateDir is sesame's private folder for lock files and other state that
// is not secret: $XDG_STATE_HOME/sesame, else ~/.local/state/sesame.
func StateDir(lookupEnv func(string) (string, bool), home string) string {
	if d, _ := lookupEnv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "sesame")
	}
	return filepath.Join(home, ".local", "state", "sesame")
}

// NewStore makes sesame's store over backend b: each call bounded by
// store.DefaultTimeout, its lock files and the expiry index (store.Index)
// in the state folder.
func NewStore(b store.Backend, stateDir string) *store.Store {
	return store.New(store.WithTimeout(b, store.DefaultTimeout), filepath.Join(stateDir, "locks"),
		store.WithIndex(filepath.Join(stateDir, store.IndexFile)))
}

// SelfEnv is the variable through which sesame's front program (package
// front) tells the full program the path it was started as.
const SelfEnv = "SESAME_FRONT"

// TakeSelf returns the path sesame was started as, for what it writes
// into the AWS files and shell snippets to run sesame again: the front
// program's path when the front started this process (SelfEnv, which it
// removes from the environment so that no child inherits it), else
// executable's answer (os.Executable).
func TakeSelf(executable func() (string, error)) func() (string, error) {
	if p, ok := os.LookupEnv(SelfEnv); ok {
		_ = os.Unsetenv(SelfEnv)
		if p != "" {
			return func() (string, error) { return p, nil }
		}
	}
	return executable
}
