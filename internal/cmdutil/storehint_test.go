package cmdutil

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sesamehq/sesame/internal/store"
)

// TestStoreHint: the store's sentinel errors map to their hints, wrapped or
// not; a hint of the error's own wins; other errors have none.
func TestStoreHint(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("cannot open the vault: %w", store.ErrWrongPassphrase), "check SESAME_FILE_PASSPHRASE or SESAME_FILE_PASSPHRASE_COMMAND, or type it again"},
		{fmt.Errorf("keyring: %w", store.ErrLocked), "unlock your keyring (log in to the desktop session), or choose another backend with --backend or SESAME_BACKEND"},
		{fmt.Errorf("no dbus: %w", store.ErrUnavailable), "run: sesame setup (it can keep secrets in an encrypted file and remembers the choice); for one command: --backend file"},
		{errors.New("something else"), ""},
		{nil, ""},
	} {
		if got := StoreHint(tc.err); got != tc.want {
			t.Errorf("StoreHint(%v) = %q, want %q", tc.err, got, tc.want)
		}
		if got := ErrorHint(tc.err); got != tc.want {
			t.Errorf("ErrorHint(%v) = %q, want %q", tc.err, got, tc.want)
		}
		if got := Hint(StoreError(tc.err)); got != tc.want {
			t.Errorf("Hint(StoreError(%v)) = %q, want %q", tc.err, got, tc.want)
		}
	}
	own := WithHint(fmt.Errorf("x: %w", store.ErrLocked), "run: sesame lock")
	if got := ErrorHint(own); got != "run: sesame lock" {
		t.Errorf("ErrorHint of a store error with its own hint = %q", got)
	}
	if got := Hint(StoreError(own)); got != "run: sesame lock" {
		t.Errorf("StoreError replaced the error's own hint: %q", got)
	}
}
