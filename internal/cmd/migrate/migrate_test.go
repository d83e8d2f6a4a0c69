package migrate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

// TestSkipsSecretsExportCannotHandOut: a secret that continues on an
// indented line (botocore reads it as two lines) or holds a control
// character is skipped with its reason and left in the file; the good
// section next to it moves. Nothing shows the secrets.
func TestSkipsSecretsExportCannotHandOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	creds := "[continued]\n" +
		"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n" +
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n" +
		"  bPxRfiCYEXAMPLEKEY\n" +
		"\n[control]\n" +
		"aws_access_key_id = AKIAI44QH8DHBEXAMPLE\n" +
		"aws_secret_access_key = je7MtGbClwBF/2Zp9U\x1btk/h3yCo8nvbEXAMPLEKEY\n" +
		"\n[good]\n" +
		"aws_access_key_id = AKIAJ55RI9EICFEXAMPLE\n" +
		"aws_secret_access_key = kf8NuHcDmxCG/3Aq0Vul/i4zDp9owcEXAMPLEKEY\n"
	if err := os.WriteFile(paths.Credentials, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	ios, _, out, errOut := iostreams.Test()
	err := Run(context.Background(), &Options{
		IO:     ios,
		Store:  func(context.Context) (*store.Store, error) { return st, nil },
		Paths:  func() (awsconfig.Paths, error) { return paths, nil },
		Config: func() (*awsconfig.Config, error) { return awsconfig.Load(paths) },
		Now:    time.Now,
		Yes:    true,
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		"sesame: skipped [continued]: aws_secret_access_key continues on an indented line (line 4), so it is several lines; correct it by hand\n",
		"sesame: skipped [control]: aws_secret_access_key holds a space or a control character; correct it by hand\n",
		"sesame: moved 1 key pair(s) to the memory store",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	for _, p := range []string{"continued", "control"} {
		if _, err := st.Keys(context.Background(), p); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("[%s] was stored: %v", p, err)
		}
	}
	if kp, err := st.Keys(context.Background(), "good"); err != nil || kp.SecretAccessKey != "kf8NuHcDmxCG/3Aq0Vul/i4zDp9owcEXAMPLEKEY" {
		t.Errorf("[good]: %+v, %v", kp, err)
	}
	data, err := os.ReadFile(paths.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "  bPxRfiCYEXAMPLEKEY\n") || !strings.Contains(string(data), "9U\x1btk/") || strings.Contains(string(data), "kf8NuHcDmxCG") {
		t.Errorf("credentials file after:\n%s", data)
	}
	if s := out.String() + errOut.String(); strings.Contains(s, "bPxRfiCY") || strings.Contains(s, "je7MtGb") || strings.Contains(s, "kf8NuHc") {
		t.Errorf("output shows a secret:\n%s", s)
	}
}
