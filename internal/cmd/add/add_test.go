package add

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

const keyID = "AKIAIOSFODNN7EXAMPLE"

// run runs sesame add PROFILE with stdin (not a terminal) holding input,
// against a memory store.
func run(t *testing.T, profile, input string) (*store.Store, string, error) {
	t.Helper()
	dir := t.TempDir()
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	ios, in, _, errOut := iostreams.Test()
	in.WriteString(input)
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	err := Run(context.Background(), &Options{
		IO:        ios,
		LookupEnv: func(string) (string, bool) { return "", false },
		Store:     func(context.Context) (*store.Store, error) { return st, nil },
		Config:    func() (*awsconfig.Config, error) { return awsconfig.Load(paths) },
		Now:       time.Now,
		Profile:   profile,
		NoConfig:  true,
	})
	return st, errOut.String(), err
}

// TestRefusesSecretsExportCannotHandOut: a secret with a NUL byte, another
// control character, DEL or a space is refused before anything is stored
// (sesame export would refuse to print it), and the error never shows it.
func TestRefusesSecretsExportCannotHandOut(t *testing.T) {
	t.Parallel()
	for name, secret := range map[string]string{
		"NUL":   "wJalrXUtnFEMI/K7MDENG\x00bPxRfiCYEXAMPLEKEY",
		"ESC":   "wJalrXUtnFEMI/K7MDENG\x1b[2JbPxRfiCYEXAMPLEKEY",
		"DEL":   "wJalrXUtnFEMI/K7MDENG\x7fbPxRfiCYEXAMPLEKEY",
		"space": "wJalrXUtnFEMI/K7MDENG bPxRfiCYEXAMPLEKEY",
		"tab":   "wJalrXUtnFEMI/K7MDENG\tbPxRfiCYEXAMPLEKEY",
		"CR":    "wJalrXUtnFEMI/K7MDENG\rbPxRfiCYEXAMPLEKEY",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, stderr, err := run(t, "work", keyID+"\n"+secret+"\n")
			if err == nil || !strings.Contains(err.Error(), "does not look like a secret access key") {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if strings.Contains(err.Error(), "bPxRfiCY") || strings.Contains(stderr, "bPxRfiCY") {
				t.Errorf("the secret is shown: %v / %q", err, stderr)
			}
			if _, err := st.Keys(context.Background(), "work"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a key pair was stored: %v", err)
			}
		})
	}
}

func TestStoresAGoodKeyPair(t *testing.T) {
	t.Parallel()
	secret := "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	st, _, err := run(t, "work", "  "+keyID+"  \n"+secret+"\r\n")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := st.Keys(context.Background(), "work")
	if err != nil || kp.AccessKeyID != keyID || kp.SecretAccessKey != secret {
		t.Errorf("stored %+v, %v", kp, err)
	}
}
