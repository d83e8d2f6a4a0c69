package doctor

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/vault"
)

// checkStore: the store backend opens and lists its items.
func checkStore(ctx context.Context, e *Env) []Line {
	st, err := e.store(ctx)
	if err != nil {
		name := ""
		if st != nil {
			name = st.Backend().Name()
		}
		return []Line{storeFailure(e, name, err)}
	}
	b := st.Backend()
	where := ""
	if v, isVault := store.Unwrap(b).(*vault.Vault); isVault {
		where = " (" + e.show(v.Path()) + ")"
		if _, err := os.Stat(v.Path()); errors.Is(err, fs.ErrNotExist) {
			return []Line{ok("store: the %s backend is available%s; nothing is stored yet", b.Name(), where)}
		}
	}
	return []Line{ok("store: the %s backend%s is available and unlocked (%s)", b.Name(), where, plural(e.items, "item"))}
}

// storeFailure is the line of a store that cannot be opened or listed.
func storeFailure(e *Env, backend string, err error) Line {
	msg := e.tilde(err.Error())
	fileBackend := backend == "file" || (backend == "" && e.Backend == "file")
	switch {
	case backend == "" && e.Backend == "" && (errors.Is(err, store.ErrUnavailable) || strings.Contains(msg, "no keyring")):
		return fail("export SESAME_BACKEND=file   # or run sesame with --backend file (or pass)",
			"store: no backend configured and no platform keyring: %s", msg)
	case errors.Is(err, store.ErrLocked) && fileBackend:
		return fail("export SESAME_FILE_PASSPHRASE_COMMAND='...'   # a command that prints the vault passphrase; or run sesame doctor on a terminal",
			"store: the file vault is locked: %s", msg)
	case errors.Is(err, store.ErrLocked):
		return fail(cmdutil.ErrorHint(err), "store: the %s keyring is locked: %s", orName(backend, e.Backend), msg)
	}
	fix := cmdutil.ErrorHint(err)
	if fix == "" {
		fix = "choose a backend that works here: export SESAME_BACKEND=file (or pass)"
	}
	return fail(fix, "store: %s", msg)
}

func orName(a, b string) string {
	if a != "" {
		return a
	}
	if b != "" {
		return b
	}
	return "platform"
}
