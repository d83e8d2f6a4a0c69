package add

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

// TestRefusesANewProfileNameStartingWithDash: "-x" would be taken for an
// option on every command line that names it, so add refuses it (a usage
// error saying what to do) and stores nothing; a "-x" that the config
// already has keeps working.
func TestRefusesANewProfileNameStartingWithDash(t *testing.T) {
	t.Parallel()
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, existing := range []bool{false, true} {
		dir := t.TempDir()
		paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
		if existing {
			if err := os.WriteFile(paths.Config, []byte("[profile -x]\nregion = eu-west-1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
		ios, in, _, _ := iostreams.Test()
		in.WriteString(keyID + "\n" + secret + "\n")
		err := Run(context.Background(), &Options{
			IO:        ios,
			LookupEnv: func(string) (string, bool) { return "", false },
			Store:     func(context.Context) (*store.Store, error) { return st, nil },
			Config:    func() (*awsconfig.Config, error) { return awsconfig.Load(paths) },
			Now:       time.Now,
			Profile:   "-x",
		})
		_, kerr := st.Keys(context.Background(), "-x")
		if existing {
			if err != nil || kerr != nil {
				t.Errorf("existing profile -x: err = %v, keys: %v; want it stored", err, kerr)
			}
			continue
		}
		var ue *cmdutil.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), `profile name "-x" cannot be used: it starts with '-'`) || !strings.Contains(err.Error(), "choose a name that starts with a letter or digit") {
			t.Errorf("new profile -x: err = %v, want a usage error saying what to do", err)
		}
		if !errors.Is(kerr, store.ErrNotFound) {
			t.Errorf("new profile -x: a key pair was stored (%v)", kerr)
		}
		if _, serr := os.Stat(paths.Config); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("new profile -x: the config was written (%v)", serr)
		}
	}
}
