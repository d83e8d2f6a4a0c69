package vault

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

// The test binary doubles as a helper process: with helperEnv set, TestMain
// runs helperMain instead of the tests. The helper reads its orders from the
// environment, never from its command line.
const (
	helperEnv      = "SESAME_VAULT_TEST_HELPER" // set, loop or get
	helperDirEnv   = "SESAME_VAULT_TEST_DIR"
	helperNameEnv  = "SESAME_VAULT_TEST_NAME"
	helperValueEnv = "SESAME_VAULT_TEST_VALUE"
	helperTTLEnv   = "SESAME_VAULT_TEST_TTL"
	helperRealEnv  = "SESAME_VAULT_TEST_REAL_KDF"
	helperHoldEnv  = "SESAME_VAULT_TEST_HOLD" // set: sleep this long before exiting
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	testenv.Main(m)
}

// blobSize is the size of the item the loop helper rewrites: big enough
// that a write takes a while, so that kills land in the middle of one.
const blobSize = 1 << 20

// loopBlob is the content the loop helper writes in round i: i in eight
// digits, then a letter that depends on i repeated to blobSize.
func loopBlob(i int) []byte {
	return append([]byte(fmt.Sprintf("%08d", i)), bytes.Repeat([]byte{byte('a' + i%26)}, blobSize-8)...)
}

// parseBlob returns the round a loopBlob was written in, or an error when
// it is not one.
func parseBlob(b []byte) (int, error) {
	if len(b) != blobSize {
		return 0, fmt.Errorf("blob of %d bytes", len(b))
	}
	i, err := strconv.Atoi(string(b[:8]))
	if err != nil {
		return 0, err
	}
	if !bytes.Equal(b, loopBlob(i)) {
		return 0, fmt.Errorf("blob %d has the wrong content", i)
	}
	return i, nil
}

// helperMain is a process using the vault in SESAME_VAULT_TEST_DIR with
// the passphrase sources of the environment:
//
//   - set: Set NAME to VALUE;
//   - get: Get NAME and print it;
//   - forget: Forget (sesame lock);
//   - peek: print what reading the vault's cached key by its id gives;
//   - loop: forever Set "blob" to loopBlob(i), printing i after each Set.
func helperMain(mode string) int {
	ttl, _ := time.ParseDuration(os.Getenv(helperTTLEnv))
	v := New(Options{
		Dir:       os.Getenv(helperDirEnv),
		LookupEnv: os.LookupEnv,
		Stderr:    os.Stderr,
		UnlockTTL: ttl,
	})
	if os.Getenv(helperRealEnv) == "" {
		v.params = cheap
	}
	ctx := context.Background()
	name := os.Getenv(helperNameEnv)
	var err error
	switch mode {
	case "set":
		err = v.Set(ctx, name, []byte(os.Getenv(helperValueEnv)))
	case "get":
		var b []byte
		if b, err = v.Get(ctx, name); err == nil {
			_, err = os.Stdout.Write(b)
		}
	case "forget":
		err = v.Forget(ctx)
	case "peek":
		// Find the vault's cached key in /proc/keys, as any process of
		// the user can, and try to read it by its id.
		err = peek(v)
	case "loop":
		for i := 0; err == nil; i++ {
			if err = v.Set(ctx, "blob", loopBlob(i)); err == nil {
				fmt.Println(i)
			}
		}
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	if d, _ := time.ParseDuration(os.Getenv(helperHoldEnv)); d > 0 {
		time.Sleep(d)
	}
	return 0
}

// helperCmd returns a command running this test binary as a helper (see
// helperMain) with mode and the extra environment entries, and nothing
// else of the test's environment but PATH and TMPDIR.
func helperCmd(t testing.TB, mode string, extra ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = []string{helperEnv + "=" + mode}
	for _, k := range []string{"PATH", "TMPDIR", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

func randomPassphrase(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "pp-" + hex.EncodeToString(b)
}
