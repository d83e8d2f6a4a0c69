package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// cheap are KDF parameters that cost nothing, for tests that are not about
// the KDF.
var cheap = kdfParams{Time: 1, Memory: 64, Threads: 1}

// env is a fake environment.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// passEnv is an environment with the passphrase p.
func passEnv(p string) env { return env{EnvPassphrase: p} }

// testVault is a Vault over a test folder with cheap KDF parameters that
// counts its key derivations.
type testVault struct {
	*Vault
	derived *atomic.Int32
}

func newVault(t testing.TB, dir string, e env, p prompt.Prompter, ttl time.Duration) testVault {
	t.Helper()
	v := New(Options{Dir: dir, LookupEnv: e.lookup, Prompter: p, UnlockTTL: ttl})
	v.params = cheap
	var n atomic.Int32
	v.onDerive = func() { n.Add(1) }
	return testVault{v, &n}
}

func mustSet(t testing.TB, v *Vault, name, data string) {
	t.Helper()
	if err := v.Set(context.Background(), name, []byte(data)); err != nil {
		t.Fatalf("Set(%q): %v", name, err)
	}
}

func mustGet(t testing.TB, v *Vault, name string) string {
	t.Helper()
	b, err := v.Get(context.Background(), name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	return string(b)
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := newVault(t, t.TempDir(), passEnv("correct horse"), nil, 0)
	steps := []struct {
		name string
		do   func() error
		want []string // List afterwards
	}{
		{"set a", func() error { return v.Set(ctx, "sesame:a", []byte("alpha")) }, []string{"sesame:a"}},
		{"set b", func() error { return v.Set(ctx, "sesame:b", []byte{0, 1, 2, 255}) }, []string{"sesame:a", "sesame:b"}},
		{"replace a", func() error { return v.Set(ctx, "sesame:a", []byte("alpha 2")) }, []string{"sesame:a", "sesame:b"}},
		{"empty data", func() error { return v.Set(ctx, "sesame:c", nil) }, []string{"sesame:a", "sesame:b", "sesame:c"}},
		{"remove c", func() error { return v.Remove(ctx, "sesame:c") }, []string{"sesame:a", "sesame:b"}},
		{"remove b", func() error { return v.Remove(ctx, "sesame:b") }, []string{"sesame:a"}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := v.List(ctx)
		if err != nil {
			t.Fatalf("%s: List: %v", s.name, err)
		}
		if !slices.Equal(got, s.want) {
			t.Fatalf("%s: List = %q, want %q", s.name, got, s.want)
		}
	}
	if got := mustGet(t, v.Vault, "sesame:a"); got != "alpha 2" {
		t.Errorf("Get(a) = %q", got)
	}
	// A new Vault, as in the next process, reads the same.
	v2 := newVault(t, v.dir, passEnv("correct horse"), nil, 0)
	if got := mustGet(t, v2.Vault, "sesame:a"); got != "alpha 2" {
		t.Errorf("other Vault: Get(a) = %q", got)
	}
	if v.Name() != "file" {
		t.Errorf("Name = %q", v.Name())
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		exists bool
	}{
		{"vault missing", false},
		{"item missing", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "sesame")
			if tt.exists {
				mustSet(t, newVault(t, dir, passEnv("pw"), nil, 0).Vault, "other", "x")
			}
			// Without the vault, no passphrase may be asked for: the fake
			// prompter fails on any prompt and the environment is empty.
			e := env{}
			if tt.exists {
				e = passEnv("pw")
			}
			p := &prompt.Fake{}
			v := newVault(t, dir, e, p, 0)
			if _, err := v.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get = %v, want ErrNotFound", err)
			}
			if err := v.Remove(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Remove = %v, want ErrNotFound", err)
			}
			names, err := v.List(ctx)
			if err != nil || (len(names) == 0) == tt.exists {
				t.Errorf("List = %q, %v", names, err)
			}
			if len(p.Asked) != 0 {
				t.Errorf("asked %q", p.Asked)
			}
			if !tt.exists {
				if v.derived.Load() != 0 {
					t.Errorf("derived a key for a missing vault")
				}
				if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("reading created the folder: %v", err)
				}
			}
		})
	}
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "sesame")
	mustSet(t, newVault(t, dir, passEnv("pw"), nil, 0).Vault, "x", "y")
	for path, want := range map[string]fs.FileMode{
		dir:                              fs.ModeDir | 0o700,
		filepath.Join(dir, FileName):     0o600,
		filepath.Join(dir, LockFileName): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %d files, want vault and vault.lock", len(entries))
	}
}

func TestNothingReadableInFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const (
		name   = "sesame:keys:profile-production-admin"
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		pass   = "hunter2-passphrase"
	)
	v := newVault(t, dir, passEnv(pass), nil, 0)
	mustSet(t, v.Vault, name, secret)
	raw, err := os.ReadFile(v.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{name, "profile-production", secret, base64.StdEncoding.EncodeToString([]byte(secret))[:20], pass, "items"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("vault file contains %q", s)
		}
	}
	if len(raw) != headerSize+2*padBlock+16+checksumSize && len(raw) != headerSize+padBlock+16+checksumSize {
		t.Errorf("file size %d is not a padded size", len(raw))
	}
}

// TestLayout pins the offsets the package doc gives.
func TestLayout(t *testing.T) {
	t.Parallel()
	got := []int{offVersion, offKDF, offTime, offMemory, offThreads, offSalt, offCheck, offNonce, headerSize}
	want := []int{12, 13, 14, 18, 22, 23, 55, 87, 111}
	if !slices.Equal(got, want) {
		t.Errorf("offsets %v, want %v", got, want)
	}
	dir := t.TempDir()
	mustSet(t, newVault(t, dir, passEnv("pw"), nil, 0).Vault, "x", "y")
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	if string(b[:12]) != "sesame.vault" || b[12] != 1 || b[13] != 1 {
		t.Errorf("file starts %q", b[:14])
	}
}

func TestFreshNonceKeepsSalt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := newVault(t, dir, passEnv("pw"), nil, 0)
	var headers []header
	for i := range 3 {
		mustSet(t, v.Vault, "x", fmt.Sprint(i))
		snap, err := v.load()
		if err != nil {
			t.Fatal(err)
		}
		headers = append(headers, snap.h)
	}
	for i := 1; i < len(headers); i++ {
		if headers[i].nonce == headers[i-1].nonce {
			t.Errorf("write %d reused the nonce", i)
		}
		if headers[i].salt != headers[0].salt {
			t.Errorf("write %d changed the salt", i)
		}
	}
	other := newVault(t, t.TempDir(), passEnv("pw"), nil, 0)
	mustSet(t, other.Vault, "x", "0")
	snap, _ := other.load()
	if snap.h.salt == headers[0].salt {
		t.Error("two vaults have one salt")
	}
}

func TestWrongPassphrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustSet(t, newVault(t, dir, passEnv("right"), nil, 0).Vault, "x", "secret-data")
	before, _ := os.ReadFile(filepath.Join(dir, FileName))
	tests := []struct {
		name string
		env  env
		p    prompt.Prompter
	}{
		{"env", passEnv("wrong-pass"), nil},
		{"command", env{EnvPassphraseCommand: "echo wrong-pass"}, nil},
		{"prompt", env{}, &prompt.Fake{Answers: []string{"wrong-pass"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			v := newVault(t, dir, tt.env, tt.p, 0)
			_, err := v.Get(ctx, "x")
			check := func(op string, err error) {
				t.Helper()
				if !errors.Is(err, store.ErrWrongPassphrase) {
					t.Fatalf("%s: %v, want ErrWrongPassphrase", op, err)
				}
				msg := err.Error()
				if !strings.Contains(msg, "wrong passphrase") || !strings.Contains(msg, v.Path()) {
					t.Errorf("%s: message %q", op, msg)
				}
				for _, s := range []string{"wrong-pass", "right", "secret-data"} {
					if strings.Contains(msg, s) {
						t.Errorf("%s: message %q contains %q", op, msg, s)
					}
				}
			}
			check("Get", err)
			if tt.name == "prompt" {
				return // one answer only
			}
			check("Set", v.Set(ctx, "y", []byte("z")))
			_, err = v.List(ctx)
			check("List", err)
		})
	}
	t.Cleanup(func() {
		after, _ := os.ReadFile(filepath.Join(dir, FileName))
		if !bytes.Equal(before, after) {
			t.Error("a wrong passphrase changed the vault")
		}
	})
}

// resum recomputes the trailing checksum of a vault file.
func resum(b []byte) []byte {
	b = slices.Clone(b)
	sum := sha256.Sum256(b[:len(b)-checksumSize])
	copy(b[len(b)-checksumSize:], sum[:])
	return b
}

// patch returns a function that writes p at off in a copy of a vault
// file and fixes its checksum.
func patch(off int, p ...byte) func([]byte) []byte {
	return func(b []byte) []byte {
		b = slices.Clone(b)
		copy(b[off:], p)
		return resum(b)
	}
}

func TestDamaged(t *testing.T) {
	t.Parallel()
	srcDir := t.TempDir()
	mustSet(t, newVault(t, srcDir, passEnv("pw"), nil, 0).Vault, "x", "y")
	good, err := os.ReadFile(filepath.Join(srcDir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b = slices.Clone(b); b[i] ^= 0x40; return b }
	}
	tests := []struct {
		name    string
		damage  func([]byte) []byte
		message string
	}{
		{"flipped ciphertext byte", flip(headerSize + 10), "is damaged"},
		{"flipped tag byte", flip(len(good) - checksumSize - 1), "is damaged"},
		{"flipped salt byte", flip(offSalt + 3), "is damaged"},
		{"flipped checksum byte", flip(len(good) - 1), "is damaged"},
		{"ciphertext flipped, checksum fixed", func(b []byte) []byte { return resum(flip(headerSize + 1)(b)) }, "is damaged"},
		{"nonce flipped, checksum fixed", func(b []byte) []byte { return resum(flip(offNonce)(b)) }, "is damaged"},
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }, "is damaged"},
		{"truncated to the header", func(b []byte) []byte { return b[:headerSize] }, "is damaged"},
		{"truncated in the magic", func(b []byte) []byte { return b[:5] }, "is not a sesame vault"},
		{"empty", func([]byte) []byte { return nil }, "is not a sesame vault"},
		{"garbage", func(b []byte) []byte { return bytes.Repeat([]byte("garbage!"), len(b)/8) }, "is not a sesame vault"},
		{"future version", patch(offVersion, 2), "written by a newer sesame (format version 2)"},
		{"version 0", patch(offVersion, 0), "is damaged"},
		{"unknown KDF", patch(offKDF, 9), "is damaged"},
		{"hostile KDF memory", patch(offMemory, 0xff, 0xff, 0xff, 0xff), "damaged or tampered header (argon2id memory 4294967295 KiB, over the limit of 1 GiB)"},
		{"KDF memory 4 GiB", patch(offMemory, 0, 0x40, 0, 0), "damaged or tampered header (argon2id memory 4194304 KiB, over the limit of 1 GiB)"},
		{"KDF memory 1 GiB + 1 KiB", patch(offMemory, 0, 0x10, 0, 1), "over the limit of 1 GiB"},
		{"KDF memory under 8 KiB a lane", patch(offMemory, 0, 0, 0, 7), "argon2id memory 7 KiB, under 8 KiB per lane"},
		{"zero KDF passes", patch(offTime, 0, 0, 0, 0), "damaged or tampered header (argon2id passes 0, not between 1 and 10)"},
		{"64 KDF passes", patch(offTime, 0, 0, 0, 64), "argon2id passes 64, not between 1 and 10"},
		{"11 KDF passes", patch(offTime, 0, 0, 0, 11), "argon2id passes 11, not between 1 and 10"},
		{"zero KDF lanes", patch(offThreads, 0), "damaged or tampered header (argon2id lanes 0, not between 1 and 16)"},
		{"255 KDF lanes", patch(offThreads, 255), "argon2id lanes 255, not between 1 and 16"},
		{"over 64 MiB", func(b []byte) []byte { return append(slices.Clone(b), make([]byte, MaxFileSize)...) }, "is not a regular file of at most 64 MiB; it was not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			bad := tt.damage(good)
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			v := newVault(t, dir, passEnv("pw"), nil, 0)
			defer func() {
				if strings.Contains(tt.message, "argon2id") && v.derived.Load() != 0 {
					t.Errorf("argon2id ran %d times on a header with parameters out of bounds", v.derived.Load())
				}
			}()
			_, getErr := v.Get(ctx, "x")
			_, listErr := v.List(ctx)
			for op, err := range map[string]error{
				"Get":    getErr,
				"List":   listErr,
				"Set":    v.Set(ctx, "x", []byte("new")),
				"Remove": v.Remove(ctx, "x"),
			} {
				if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrWrongPassphrase) {
					t.Fatalf("%s: %v, want a damaged-file error", op, err)
				}
				if !errors.Is(err, ErrDamaged) {
					t.Errorf("%s: %v does not wrap ErrDamaged", op, err)
				}
				msg := err.Error()
				for _, want := range []string{path, tt.message, "nothing was changed"} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s: %q does not say %q", op, msg, want)
					}
				}
				if m := strings.ReplaceAll(msg, path, ""); strings.Contains(m, "chacha") || strings.Contains(m, "cipher") || strings.Contains(m, "authentication") {
					t.Errorf("%s: %q is a cipher error", op, msg)
				}
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, bad) {
				t.Error("the damaged file was changed")
			}
		})
	}
}

func TestPassphraseSources(t *testing.T) {
	t.Parallel()
	const pass = "s3cret pass"
	tests := []struct {
		name       string
		env        env
		answers    []string // prompter answers; nil means no prompter
		wantErr    []string // substrings of the error; nil means success
		wantErrIs  error
		notInError []string
		wantStderr string
	}{
		{name: "env", env: env{EnvPassphrase: pass}},
		{name: "env before command", env: env{EnvPassphrase: pass, EnvPassphraseCommand: "exit 3"}},
		{name: "empty env is unset", env: env{EnvPassphrase: "", EnvPassphraseCommand: "printf '" + pass + "'"}},
		{name: "command with newline", env: env{EnvPassphraseCommand: "printf '" + pass + "\\n'"}},
		{name: "command with CRLF", env: env{EnvPassphraseCommand: "printf '" + pass + "\\r\\n'"}},
		{name: "command stderr to the user", env: env{EnvPassphraseCommand: "echo hello-stderr >&2; echo '" + pass + "'"}, wantStderr: "hello-stderr"},
		{
			name:       "command fails",
			env:        env{EnvPassphraseCommand: "echo out-" + pass + "; echo err-output >&2; exit 3"},
			wantErr:    []string{"passphrase command", EnvPassphraseCommand, "failed", "exit status 3"},
			notInError: []string{pass, "err-output", "echo"},
			wantStderr: "err-output",
		},
		{
			name:    "command prints nothing",
			env:     env{EnvPassphraseCommand: "true"},
			wantErr: []string{"printed no passphrase"},
		},
		{
			name:    "command not found",
			env:     env{EnvPassphraseCommand: "/nonexistent/get-pass"},
			wantErr: []string{"failed", "exit status 127"},
		},
		{name: "command before prompt", env: env{EnvPassphraseCommand: "echo '" + pass + "'"}, answers: []string{}},
		{name: "prompt", env: env{}, answers: []string{pass}},
		{
			name:      "no source, no terminal",
			env:       env{},
			wantErr:   []string{"no passphrase", "no terminal"},
			wantErrIs: store.ErrLocked,
		},
	}
	dir := t.TempDir()
	mustSet(t, newVault(t, dir, passEnv(pass), nil, 0).Vault, "x", "data")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p prompt.Prompter
			var fake *prompt.Fake
			if tt.answers != nil {
				fake = &prompt.Fake{Answers: tt.answers}
				p = fake
			}
			var stderr syncBuffer
			v := New(Options{Dir: dir, LookupEnv: tt.env.lookup, Prompter: p, Stderr: &stderr})
			got, err := v.Get(context.Background(), "x")
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.wantStderr)
			}
			if tt.wantErr == nil {
				if err != nil || string(got) != "data" {
					t.Fatalf("Get = %q, %v", got, err)
				}
				if fake != nil && len(fake.Answers) != 0 {
					t.Errorf("prompt not used")
				}
				return
			}
			if err == nil {
				t.Fatal("Get succeeded")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			for _, s := range tt.notInError {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
			if tt.wantErrIs != nil && !errors.Is(err, tt.wantErrIs) {
				t.Errorf("error %v is not %v", err, tt.wantErrIs)
			}
			if errors.Is(err, store.ErrNotFound) {
				t.Errorf("error %v is ErrNotFound", err)
			}
		})
	}
}

func TestNoTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The real terminal prompter on a path that is no terminal.
	v := newVault(t, dir, env{}, prompt.TTY{Path: filepath.Join(dir, "no-tty")}, 0)
	err := v.Set(context.Background(), "x", []byte("y"))
	if !errors.Is(err, prompt.ErrNoTerminal) || !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Set = %v, want ErrNoTerminal and ErrLocked", err)
	}
	// What happened in the message, what to do in the hint, each once.
	var np *NoPassphraseError
	if !errors.As(err, &np) || !strings.Contains(err.Error(), "no terminal") || strings.Contains(err.Error(), EnvPassphraseCommand) ||
		!strings.Contains(np.NextStep(), EnvPassphraseCommand) || !strings.Contains(np.NextStep(), "run sesame on a terminal") {
		t.Errorf("error %q (hint %q): want the reason in the message and what to do in the hint", err, np.NextStep())
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a vault was written")
	}
}

func TestCreatePrompt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers []string
		wantErr string
	}{
		{"confirmed", []string{"pw", "pw"}, ""},
		{"mismatch", []string{"pw", "pW"}, "do not match"},
		{"empty", []string{""}, "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := &prompt.Fake{Answers: tt.answers}
			v := newVault(t, dir, env{}, p, 0)
			err := v.Set(context.Background(), "x", []byte("y"))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Asked) != 2 || !strings.Contains(p.Asked[0], "New passphrase") {
					t.Errorf("asked %q", p.Asked)
				}
				// The next Set uses the key in memory: no prompt.
				mustSet(t, v.Vault, "z", "w")
				v2 := newVault(t, dir, passEnv("pw"), nil, 0)
				if got := mustGet(t, v2.Vault, "z"); got != "w" {
					t.Errorf("Get = %q", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Set = %v, want %q", err, tt.wantErr)
			}
			if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, fs.ErrNotExist) {
				t.Error("a vault was written")
			}
		})
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	t.Run("passphrase command", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		mustSet(t, newVault(t, dir, passEnv("pw"), nil, 0).Vault, "x", "y")
		v := newVault(t, dir, env{EnvPassphraseCommand: "sleep 20; echo pw"}, nil, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := v.Get(ctx, "x")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("lock wait", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		v := newVault(t, dir, passEnv("pw"), nil, 0)
		mustSet(t, v.Vault, "x", "y")
		l := flock.New(filepath.Join(dir, LockFileName))
		if err := l.Lock(); err != nil {
			t.Fatal(err)
		}
		defer l.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := v.Set(ctx, "x", []byte("z")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Set = %v, want DeadlineExceeded", err)
		}
		// Readers need no lock.
		if got := mustGet(t, v.Vault, "x"); got != "y" {
			t.Errorf("Get = %q", got)
		}
	})
}

func TestConcurrentVaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			// Separate Vaults, as separate processes have, racing to
			// create the vault too.
			v := newVault(t, dir, passEnv("pw"), nil, 0)
			errs <- v.Set(context.Background(), fmt.Sprintf("item-%02d", i), []byte(fmt.Sprint(i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	names, err := newVault(t, dir, passEnv("pw"), nil, 0).List(context.Background())
	if err != nil || len(names) != n {
		t.Fatalf("List = %d names, %v; want %d", len(names), err, n)
	}
}

func TestKeyInMemory(t *testing.T) {
	t.Parallel()
	v := newVault(t, t.TempDir(), passEnv("pw"), nil, 0)
	mustSet(t, v.Vault, "x", "y")
	for range 3 {
		mustGet(t, v.Vault, "x")
		mustSet(t, v.Vault, "x", "z")
	}
	if n := v.derived.Load(); n != 1 {
		t.Errorf("derived %d keys, want 1", n)
	}
	if err := v.Forget(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustGet(t, v.Vault, "x")
	if n := v.derived.Load(); n != 2 {
		t.Errorf("after Forget: derived %d keys, want 2", n)
	}
}

func TestRealKDF(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := New(Options{Dir: dir, LookupEnv: passEnv("real pw").lookup})
	mustSet(t, v, "x", "y")
	snap, err := v.load()
	if err != nil {
		t.Fatal(err)
	}
	if snap.h.params != defaultParams || snap.h.params.Memory < 64<<10 {
		t.Errorf("params %+v, want %+v", snap.h.params, defaultParams)
	}
	start := time.Now()
	v2 := New(Options{Dir: dir, LookupEnv: passEnv("real pw").lookup})
	if got := mustGet(t, v2, "x"); got != "y" {
		t.Errorf("Get = %q", got)
	}
	t.Logf("cold Get with the real KDF: %s", time.Since(start))
	v3 := New(Options{Dir: dir, LookupEnv: passEnv("real pw!").lookup})
	if _, err := v3.Get(context.Background(), "x"); !errors.Is(err, store.ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  env
		want string
	}{
		{env{}, "/home/u/.local/share/sesame"},
		{env{"XDG_DATA_HOME": "/xdg"}, "/xdg/sesame"},
		{env{"XDG_DATA_HOME": "relative"}, "/home/u/.local/share/sesame"},
		{env{"XDG_DATA_HOME": "/xdg", "SESAME_FILE_DIR": "/v"}, "/v"},
		{env{"SESAME_FILE_DIR": ""}, "/home/u/.local/share/sesame"},
	}
	for _, tt := range tests {
		if got := DefaultDir(tt.env.lookup, "/home/u"); got != tt.want {
			t.Errorf("DefaultDir(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestParseTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"", DefaultUnlockTTL, false},
		{"0", 0, false},
		{"30s", 30 * time.Second, false},
		{"1h30m", 90 * time.Minute, false},
		{"15", 0, true},
		{"-1m", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseTTL(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseTTL(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "SESAME_FILE_UNLOCK_TTL") {
			t.Errorf("ParseTTL(%q): %v does not name the variable", tt.in, err)
		}
	}
}

func FuzzParseFile(f *testing.F) {
	dir := f.TempDir()
	v := newVault(f, dir, passEnv("pw"), nil, 0)
	mustSet(f, v.Vault, "x", "y")
	good, _ := os.ReadFile(v.Path())
	f.Add(good)
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ad, sealed, err := parseFile(b)
		if err != nil {
			return
		}
		if !h.params.valid() || len(ad) != headerSize || len(sealed) < 16 {
			t.Fatalf("accepted a bad file: %+v", h.params)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
