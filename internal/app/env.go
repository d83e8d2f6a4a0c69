package app

import (
	"os"
	"strings"
)

// secretPrefix starts the names of sesame's own secrets in its
// environment: SESAME_FILE_PASSPHRASE, SESAME_FILE_PASSPHRASE_COMMAND.
const secretPrefix = "SESAME_FILE_PASSPHRASE"

// takeSecretEnv reads sesame's own secrets (every variable whose name
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
func takeSecretEnv() func(string) (string, bool) {
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
