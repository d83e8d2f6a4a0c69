package app

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The layers of README's Architecture section, checked on the real import
// graph (go list): a package may import only packages of its own band or
// a lower one, never a package under internal/cmd from another, and
// production code never imports the test parts.
var bands = [][]string{
	// 0: leaves and the AWS files, the store, the SDK
	{"atomicfile", "iostreams", "timefmt", "safetext", "peeruid", "browser", "prompt", "mfa",
		"awsconfig", "awssdk", "store", "settings", "runenv"},
	// 1: capabilities
	{"loopback", "sso", "signin", "creds", "server", "credfmt", "picker", "genprofile", "eks", "promptseg", "listing"},
	// 2: what commands share
	{"cmdutil", "credcheck"},
	// 3: commands
	{"cmd"},
	// 4: wiring (front is the small front program's)
	{"app", "front"},
}

// apart are pairs of packages that must not import the first
// from the second: the store knows nothing of AWS, the AWS files know
// nothing of secrets, and the provider chain and IAM Identity Center meet
// only through creds.SSO, in the wiring; cmdutil builds neither (the
// wiring hands commands the Getter and sso.Deps they need).
var apart = [][2]string{
	{"awsconfig", "store"}, {"awssdk", "store"}, {"store", "awsconfig"},
	{"sso", "creds"}, {"creds", "sso"}, {"creds", "cmdutil"}, {"sso", "cmdutil"},
	{"signin", "creds"}, {"creds", "signin"}, {"signin", "cmdutil"}, {"signin", "sso"},
}

const module = "github.com/sesamehq/sesame/internal/"

// band returns the band of an internal package path ("store/vault" is in
// store's band), or -1 for packages outside the bands (tests, tools).
func band(rel string) int {
	for i, b := range bands {
		for _, name := range b {
			if rel == name || strings.HasPrefix(rel, name+"/") {
				return i
			}
		}
	}
	return -1
}

func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "github.com/sesamehq/sesame/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel, ok := strings.CutPrefix(p.ImportPath, module)
		if !ok || strings.HasPrefix(rel, "testenv") || strings.HasPrefix(rel, "fakeaws") || strings.HasPrefix(rel, "tools") {
			continue
		}
		from := band(rel)
		if from < 0 {
			t.Errorf("%s is in no band of the architecture: add it to bands (and to README's Architecture section)", rel)
			continue
		}
		checked++
		for _, imp := range p.Imports {
			irel, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			switch to := band(irel); {
			case strings.HasPrefix(irel, "testenv") || strings.HasPrefix(irel, "fakeaws"):
				t.Errorf("%s imports the test part %s", rel, irel)
			case strings.HasPrefix(rel, "cmd/") && strings.HasPrefix(irel, "cmd/"):
				t.Errorf("%s imports another command package, %s: move what they share below the commands", rel, irel)
			case to > from:
				t.Errorf("%s (band %d) imports %s (band %d): nothing imports upward", rel, from, irel, to)
			}
			for _, a := range apart {
				if (irel == a[0] || strings.HasPrefix(irel, a[0]+"/")) && (rel == a[1] || strings.HasPrefix(rel, a[1]+"/")) {
					t.Errorf("%s imports %s: they are kept apart", rel, irel)
				}
			}
		}
	}
	if checked < 20 || !slices.ContainsFunc(bands[0], func(s string) bool { return s == "store" }) {
		t.Fatalf("checked %d packages: go list found too few", checked)
	}
}
