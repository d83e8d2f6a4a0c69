package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Home is a sandboxed home directory and the environment that goes with it:
// a fresh HOME containing ~/.aws (mode 0700), AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE inside it, XDG base directories inside it,
// and nothing else from the developer's environment but PATH (and TMPDIR if
// set). No AWS_* or SESAME_* variable of the developer leaks in, AWS_PROFILE
// is unset, and AWS_EC2_METADATA_SERVICE_ENDPOINT points at a closed
// loopback port so that no SDK falls back to the real instance metadata
// address.
//
// Nothing is written to AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE until
// WriteConfig or WriteCredentials is called.
type Home struct {
	// Dir is the home directory (HOME).
	Dir string
	// AWSDir is Dir/.aws.
	AWSDir string
	// ConfigFile is AWS_CONFIG_FILE, Dir/.aws/config.
	ConfigFile string
	// CredentialsFile is AWS_SHARED_CREDENTIALS_FILE, Dir/.aws/credentials.
	CredentialsFile string

	env []string
	t   testing.TB // nil when made by NewHome
}

// Sandbox returns a Home in a new temporary directory removed when the test
// ends.
func Sandbox(t testing.TB) *Home {
	t.Helper()
	h, err := NewHome(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h.t = t
	return h
}

// NewHome makes dir a sandboxed home (see [Home]): it creates dir/.aws and
// the XDG directories. Use it where no testing.TB is at hand (testscript
// setup); tests use [Sandbox].
func NewHome(dir string) (*Home, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	h := &Home{
		Dir:             dir,
		AWSDir:          filepath.Join(dir, ".aws"),
		ConfigFile:      filepath.Join(dir, ".aws", "config"),
		CredentialsFile: filepath.Join(dir, ".aws", "credentials"),
	}
	xdg := []struct{ key, path string }{
		{"XDG_CONFIG_HOME", filepath.Join(dir, ".config")},
		{"XDG_CACHE_HOME", filepath.Join(dir, ".cache")},
		{"XDG_DATA_HOME", filepath.Join(dir, ".local", "share")},
		{"XDG_STATE_HOME", filepath.Join(dir, ".local", "state")},
		{"XDG_RUNTIME_DIR", filepath.Join(dir, ".run")},
	}
	for _, d := range append([]string{h.AWSDir}, xdgPaths(xdg)...) {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("testenv: sandbox home: %w", err)
		}
		// MkdirAll leaves an existing directory's mode alone.
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("testenv: sandbox home: %w", err)
		}
	}
	h.env = append(scrubbedEnv(),
		"HOME="+dir,
		"AWS_CONFIG_FILE="+h.ConfigFile,
		"AWS_SHARED_CREDENTIALS_FILE="+h.CredentialsFile,
		// Port 9 (discard) on loopback: refused, fast, never the network.
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9",
	)
	for _, x := range xdg {
		h.env = append(h.env, x.key+"="+x.path)
	}
	return h, nil
}

func xdgPaths(xdg []struct{ key, path string }) []string {
	out := make([]string, len(xdg))
	for i, x := range xdg {
		out[i] = x.path
	}
	return out
}

// Env returns the sandbox's whole environment as KEY=VALUE entries, a new
// slice on every call; append to it to add or override entries (os/exec
// uses the last value of a duplicated key).
func (h *Home) Env() []string {
	return append([]string(nil), h.env...)
}

// WriteConfig writes text to ConfigFile (mode 0600), failing the test on
// error (panicking for a Home made by NewHome).
func (h *Home) WriteConfig(text string) {
	h.write(h.ConfigFile, text)
}

// WriteCredentials writes text to CredentialsFile (mode 0600), failing the
// test on error (panicking for a Home made by NewHome).
func (h *Home) WriteCredentials(text string) {
	h.write(h.CredentialsFile, text)
}

func (h *Home) write(path, text string) {
	err := os.WriteFile(path, []byte(text), 0o600)
	if err == nil {
		// WriteFile keeps the mode of an existing file.
		err = os.Chmod(path, 0o600)
	}
	if err == nil {
		return
	}
	if h.t == nil {
		panic(err)
	}
	h.t.Helper()
	h.t.Fatal(err)
}
