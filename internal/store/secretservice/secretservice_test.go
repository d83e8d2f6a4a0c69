package secretservice_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/secretservice"
	"github.com/sesamehq/sesame/internal/testenv"
)

// helperEnv, when set to "OP [NAME]", makes the test binary act as a
// separate sesame process using the backend (see runHelper).
const helperEnv = "SESAME_SECRETSERVICE_TEST_HELPER"

// helperTimeoutEnv, when set, is the helper's timeout for its call (a Go
// duration); the default is 30s.
const helperTimeoutEnv = "SESAME_SECRETSERVICE_TEST_TIMEOUT"

// Exit codes of the helper process.
const (
	exitOK          = testenv.BackendOK
	exitNotFound    = testenv.BackendNotFound
	exitLocked      = testenv.BackendLocked
	exitUnavailable = testenv.BackendUnavailable
)

func TestMain(m *testing.M) {
	if op, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(runHelper(op))
	}
	testenv.Main(m)
}

// runHelper does one backend call in this process: "set NAME" (the value on
// stdin), "get NAME" (the value on stdout), "list" (one name a line) or
// "remove NAME". Errors go to stderr, classified by the exit code.
func runHelper(op string) int {
	timeout := 30 * time.Second
	if d, err := time.ParseDuration(os.Getenv(helperTimeoutEnv)); err == nil {
		timeout = d
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return testenv.BackendOp(ctx, func() (store.Backend, error) { return secretservice.New(os.LookupEnv) }, op)
}

func envLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestNoSessionBus(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{},
		{"DBUS_SESSION_BUS_ADDRESS": ""},
		{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"},
	} {
		lookup := envLookup(env)
		start := time.Now()
		b, err := secretservice.New(lookup)
		if b != nil || !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("env %v: New = %v, %v; want ErrUnavailable", env, b, err)
		}
		// The error says why; what to do is the store's hint, added once
		// by the command line (cmdutil.StoreHint).
		if msg := err.Error(); !strings.Contains(msg, "no D-Bus session") || strings.Contains(msg, "--backend") || strings.Contains(msg, "not available") {
			t.Errorf("env %v: error %q: want the reason only, once", env, msg)
		}
		if err := secretservice.Available(t.Context(), lookup); !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "no D-Bus session") {
			t.Errorf("env %v: Available = %v, want ErrUnavailable (no D-Bus session)", env, err)
		}
		// Fails without trying anything: well under any network timeout.
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("env %v: failing took %v", env, d)
		}
	}
}

func TestNameAndZeroValue(t *testing.T) {
	t.Parallel()
	b, err := secretservice.New(envLookup(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/sesame-test-bus"}))
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() != "secret-service" {
		t.Errorf("Name() = %q", b.Name())
	}
	var zero secretservice.Backend
	if _, err := zero.Get(t.Context(), "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("zero Backend Get = %v, want ErrUnavailable", err)
	}
}

func TestDeadBus(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + t.TempDir() + "/no-bus-here"}
	b, err := secretservice.New(envLookup(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := b.Get(ctx, "x"); !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get = %v, want ErrUnavailable", err)
	}
	if err := b.Set(ctx, "x", []byte("s3cret")); !errors.Is(err, store.ErrUnavailable) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Set = %v, want ErrUnavailable without the secret", err)
	}
	if _, err := b.List(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("List = %v, want ErrUnavailable", err)
	}
	if err := b.Remove(ctx, "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Remove = %v, want ErrUnavailable", err)
	}
	if err := secretservice.Available(ctx, envLookup(env)); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Available = %v, want ErrUnavailable", err)
	}
}
