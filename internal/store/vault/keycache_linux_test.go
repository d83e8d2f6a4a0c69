//go:build linux

package vault

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sesamehq/sesame/internal/testenv"
)

// peek is the helper's "peek" mode: it finds the vault's cached key in
// /proc/keys (which lists every key the process may view, in any keyring)
// and prints "read N bytes" or "denied" for a KEYCTL_READ of it by id.
func peek(v *Vault) error {
	snap, err := v.load()
	if err != nil || snap == nil {
		return fmt.Errorf("load: %v", err)
	}
	ids, err := visibleKeys(v.cacheName(snap.h.salt))
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		fmt.Println("not visible")
		return nil
	}
	for _, id := range ids {
		buf := make([]byte, 64)
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
		switch {
		case err == nil:
			fmt.Printf("read %d bytes\n", n)
		case errors.Is(err, unix.EACCES):
			fmt.Println("denied")
		default:
			fmt.Printf("error: %v\n", err)
		}
	}
	return nil
}

// TestUnlockCacheSessionScope proves who can use the cached vault key. A
// login session is set up as pam_keyinit does it (a new session keyring
// with the user keyring linked in, with keyctl session); in it, a process
// unlocks the vault. Then:
//
//   - another process of the same session (a second shell of that
//     terminal, a tmux pane) opens the vault without the passphrase;
//   - a process of another login session of the same user does not: it
//     finds no key, and reading the key by its id (from /proc/keys) is
//     refused;
//   - sesame lock (Forget) in that other session still drops the key of
//     the first session.
func TestUnlockCacheSessionScope(t *testing.T) {
	needKeyring(t)
	keyctl := testenv.NeedCommand(t, "keyctl", "apt-get install -y keyutils")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const script = `
"$KEYCTL" link @u @s >/dev/null
SESAME_VAULT_TEST_HELPER=set SESAME_FILE_PASSPHRASE="$PASS" "$EXE" || exit 1
echo "same session: $(SESAME_VAULT_TEST_HELPER=get "$EXE" 2>&1)"
echo "same session, peek: $(SESAME_VAULT_TEST_HELPER=peek "$EXE" 2>&1)"
echo "other session: $("$KEYCTL" session - sh -c '"$KEYCTL" link @u @s >/dev/null; SESAME_VAULT_TEST_HELPER=get exec "$EXE"' 2>&1 | grep -v '^Joined session keyring')"
echo "other session, peek: $("$KEYCTL" session - sh -c 'SESAME_VAULT_TEST_HELPER=peek exec "$EXE"' 2>&1 | grep -v '^Joined session keyring')"
"$KEYCTL" session - sh -c 'SESAME_VAULT_TEST_HELPER=forget exec "$EXE"' >/dev/null 2>&1 || echo "forget failed"
echo "after lock elsewhere: $(SESAME_VAULT_TEST_HELPER=get "$EXE" 2>&1)"
`
	dir := t.TempDir()
	cmd := exec.Command(keyctl, "session", "-", "sh", "-c", script)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "KEYCTL=" + keyctl, "EXE=" + exe, "PASS=" + randomPassphrase(t),
		helperDirEnv + "=" + dir, helperNameEnv + "=x", helperValueEnv + "=y", helperTTLEnv + "=1m",
	}
	if v, ok := os.LookupEnv("GOCOVERDIR"); ok {
		cmd.Env = append(cmd.Env, "GOCOVERDIR="+v)
	}
	out, err := cmd.CombinedOutput()
	text := string(out)
	t.Logf("%s", text)
	if err != nil {
		t.Fatalf("keyctl session: %v", err)
	}
	for _, want := range []string{
		"same session: y\n",
		"same session, peek: read 32 bytes\n",
		"other session: helper: no passphrase for vault",
		"other session, peek: denied\n",
		"after lock elsewhere: helper: no passphrase for vault",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(text, "forget failed") {
		t.Error("Forget failed in the other session")
	}
}
