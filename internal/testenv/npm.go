package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Real AWS clients from the npm registry: the AWS SDK for JavaScript v3
// and the AWS CDK CLI, with the versions locked in testdata/npm
// (package.json and package-lock.json; to upgrade, edit package.json and
// run `npm install --package-lock-only` there). They are installed once
// (`npm ci`) into a cache folder outside the repository, named after a
// hash of the two files:
//
//	$XDG_CACHE_HOME/sesame-test/npm/<hash>/node_modules   (else ~/.cache/...)
//
// by the first test or script that needs them, so `make test` installs
// them itself, and later runs reuse them. The JavaScript programs the
// tests run are in testdata/js.

// npmInstallTimeout bounds one `npm ci` (about 35 s on a cold cache).
const npmInstallTimeout = 10 * time.Minute

var npmClients struct {
	once sync.Once
	dir  string // node_modules
	err  error
}

// npmTools finds node and npm; the error is a *MissingToolError.
func npmTools() (node, npm string, err error) {
	if node, err = LookTool("node", "install Node.js 20 or later (apt-get install -y nodejs npm)"); err != nil {
		return "", "", err
	}
	if npm, err = LookTool("npm", "install npm (apt-get install -y npm)"); err != nil {
		return "", "", err
	}
	return node, npm, nil
}

// NPMClients returns the node_modules folder holding the npm packages of
// testdata/npm, installing them first if needed (see above). The error is
// a *[MissingToolError] when node or npm is not installed.
func NPMClients() (string, error) {
	npmClients.once.Do(func() { npmClients.dir, npmClients.err = installNPMClients() })
	return npmClients.dir, npmClients.err
}

// NeedNPMClients is [NPMClients] for a test: without node or npm it fails
// in CI and is skipped elsewhere; a failed install fails the test.
func NeedNPMClients(t testing.TB) string {
	t.Helper()
	dir, err := NPMClients()
	if _, ok := errors.AsType[*MissingToolError](err); ok {
		SkipOrFail(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// RepoDir returns the repository's root: the nearest folder above the
// working directory holding go.mod.
func RepoDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

func installNPMClients() (string, error) {
	_, npm, err := npmTools()
	if err != nil {
		return "", err
	}
	repo, err := RepoDir()
	if err != nil {
		return "", err
	}
	src := filepath.Join(repo, "testdata", "npm")
	h := sha256.New()
	var files [][]byte
	for _, name := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", fmt.Errorf("testenv: npm clients: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
		files = append(files, b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("testenv: npm clients: no cache folder: %w", err)
	}
	root := filepath.Join(cache, "sesame-test", "npm")
	final := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	modules := filepath.Join(final, "node_modules")
	if _, err := os.Stat(filepath.Join(final, ".installed")); err == nil {
		return modules, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("testenv: npm clients: %w", err)
	}
	// Install into a folder of our own and rename it into place, so that
	// test processes installing at the same time never see half an
	// install (the one that renames second throws its copy away).
	tmp, err := os.MkdirTemp(root, ".install-")
	if err != nil {
		return "", fmt.Errorf("testenv: npm clients: %w", err)
	}
	defer os.RemoveAll(tmp)
	for i, name := range []string{"package.json", "package-lock.json"} {
		if err := os.WriteFile(filepath.Join(tmp, name), files[i], 0o644); err != nil {
			return "", fmt.Errorf("testenv: npm clients: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmInstallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1", "npm_config_update_notifier=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testenv: npm ci of testdata/npm into %s failed (is the npm registry reachable?): %w\n%s", final, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".installed"), nil, 0o644); err != nil {
		return "", fmt.Errorf("testenv: npm clients: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(filepath.Join(final, ".installed")); serr != nil {
			return "", fmt.Errorf("testenv: npm clients: %w", err)
		}
	}
	return modules, nil
}

// cmdNPMClients is the script command npmclients; see [ScriptParams].
func cmdNPMClients(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: npmclients")
	}
	if _, _, err := npmTools(); err != nil {
		skipOrFailScript(ts, err)
		return
	}
	modules, err := NPMClients()
	if err != nil {
		ts.Fatalf("npmclients: %v", err)
	}
	repo, err := RepoDir()
	ts.Check(err)
	ts.Setenv("NODE_PATH", modules)
	ts.Setenv("PATH", filepath.Join(modules, ".bin")+string(os.PathListSeparator)+ts.Getenv("PATH"))
	ts.Setenv("JS", filepath.Join(repo, "testdata", "js"))
	// The CDK CLI talks to nobody but the endpoints it is given: no
	// version check against the npm registry, no telemetry, no notices
	// (cdk.json of each app: "notices": false).
	ts.Setenv("CDK_DISABLE_VERSION_CHECK", "true")
	ts.Setenv("CDK_DISABLE_CLI_TELEMETRY", "true")
	ts.Setenv("NO_UPDATE_NOTIFIER", "1")
}
