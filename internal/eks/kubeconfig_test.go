package eks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var prodEntry = Entry{
	ClusterName:              "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
	Server:                   "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
	CertificateAuthorityData: "LS0tLS1CRUdJTg==",
	UserName:                 "prod",
	ContextName:              "prod",
	Command:                  "sesame",
	Args:                     []string{"eks", "token", "--cluster", "prod", "--region", "eu-west-1", "work"},
}

// kubeconfig is the parts of a kubeconfig the tests look at.
type kubeconfig struct {
	APIVersion     string `yaml:"apiVersion"`
	Kind           string `yaml:"kind"`
	CurrentContext string `yaml:"current-context"`
	Clusters       []struct {
		Name    string         `yaml:"name"`
		Cluster map[string]any `yaml:"cluster"`
	} `yaml:"clusters"`
	Users []struct {
		Name string         `yaml:"name"`
		User map[string]any `yaml:"user"`
	} `yaml:"users"`
	Contexts []struct {
		Name    string            `yaml:"name"`
		Context map[string]string `yaml:"context"`
	} `yaml:"contexts"`
}

func readKubeconfig(t *testing.T, path string) (kubeconfig, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k kubeconfig
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatalf("the written kubeconfig does not parse: %v\n%s", err, b)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	return k, string(b)
}

// TestKubeconfigNew: a missing file (and folder) is created with the
// three entries, the exec user as protocols.md describes it.
func TestKubeconfigNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ".kube", "config")
	if err := CheckKubeconfig(path); err != nil {
		t.Fatalf("CheckKubeconfig of a missing file: %v", err)
	}
	if _, err := UpdateKubeconfig(path, prodEntry); err != nil {
		t.Fatal(err)
	}
	k, text := readKubeconfig(t, path)
	if k.APIVersion != "v1" || k.Kind != "Config" || k.CurrentContext != "prod" {
		t.Errorf("header: %+v", k)
	}
	if len(k.Clusters) != 1 || k.Clusters[0].Name != prodEntry.ClusterName || k.Clusters[0].Cluster["server"] != prodEntry.Server ||
		k.Clusters[0].Cluster["certificate-authority-data"] != prodEntry.CertificateAuthorityData {
		t.Errorf("clusters: %+v", k.Clusters)
	}
	if len(k.Contexts) != 1 || k.Contexts[0].Context["cluster"] != prodEntry.ClusterName || k.Contexts[0].Context["user"] != "prod" {
		t.Errorf("contexts: %+v", k.Contexts)
	}
	if len(k.Users) != 1 || k.Users[0].Name != "prod" {
		t.Fatalf("users: %+v", k.Users)
	}
	exec, _ := k.Users[0].User["exec"].(map[string]any)
	args, _ := exec["args"].([]any)
	var got []string
	for _, a := range args {
		got = append(got, a.(string))
	}
	if exec["apiVersion"] != APIVersionV1beta1 || exec["command"] != "sesame" || exec["interactiveMode"] != "Never" ||
		strings.Join(got, " ") != strings.Join(prodEntry.Args, " ") {
		t.Errorf("exec: %+v\n%s", exec, text)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("folder: %v %v", fi.Mode(), err)
	}
}

const existing = `# my clusters
apiVersion: v1
kind: Config
preferences: {}
current-context: dev
clusters:
- name: dev
  cluster:
    server: https://dev.example:6443
    insecure-skip-tls-verify: true
- name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
  cluster:
    server: https://old.example
    certificate-authority: /old/ca.pem
    proxy-url: http://proxy.example:3128
users:
- name: dev
  user:
    token: dev-token # keep me
- name: prod
  user:
    username: old
    password: old-password
contexts:
- name: dev
  context:
    cluster: dev
    user: dev
- name: prod
  context:
    cluster: old
    user: old
    namespace: payments
extensions: []
`

// TestKubeconfigUpdate: entries of other names, comments and unknown keys
// are kept; the entries of the same names are updated (the cluster keeps
// its proxy but loses the CA file; the user is replaced; the context keeps
// its namespace); current-context is the new context; a second run
// changes nothing more.
func TestKubeconfigUpdate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	tightened, err := UpdateKubeconfig(path, prodEntry)
	if err != nil {
		t.Fatal(err)
	}
	if !tightened {
		t.Error("a 0644 file was not reported as tightened")
	}
	k, text := readKubeconfig(t, path)
	for _, want := range []string{"# my clusters", "token: dev-token # keep me", "insecure-skip-tls-verify: true", "extensions: []", "preferences: {}"} {
		if !strings.Contains(text, want) {
			t.Errorf("lost %q:\n%s", want, text)
		}
	}
	for _, gone := range []string{"old-password", "/old/ca.pem", "https://old.example"} {
		if strings.Contains(text, gone) {
			t.Errorf("kept %q:\n%s", gone, text)
		}
	}
	if k.CurrentContext != "prod" || len(k.Clusters) != 2 || len(k.Users) != 2 || len(k.Contexts) != 2 {
		t.Fatalf("%+v\n%s", k, text)
	}
	if c := k.Clusters[1].Cluster; c["server"] != prodEntry.Server || c["proxy-url"] != "http://proxy.example:3128" {
		t.Errorf("cluster: %+v", c)
	}
	if u := k.Users[1].User; len(u) != 1 || u["exec"] == nil {
		t.Errorf("user: %+v", u)
	}
	if c := k.Contexts[1].Context; c["cluster"] != prodEntry.ClusterName || c["user"] != "prod" || c["namespace"] != "payments" {
		t.Errorf("context: %+v", c)
	}
	if _, err := UpdateKubeconfig(path, prodEntry); err != nil {
		t.Fatal(err)
	}
	if _, again := readKubeconfig(t, path); again != text {
		t.Errorf("a second run changed the file:\n%s\n---\n%s", text, again)
	}
}

// TestKubeconfigRefused: a file that does not parse, holds two documents,
// or has a list that is not one is refused with a *ParseError naming it,
// and left byte for byte and mode as it was.
func TestKubeconfigRefused(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"yaml":      "apiVersion: v1\nclusters:\n- name: a\n  cluster: [unclosed\n",
		"tabs":      "apiVersion: v1\n\tkind: Config\n",
		"two docs":  "apiVersion: v1\n---\napiVersion: v1\n",
		"list":      "- a\n- b\n",
		"clusters":  "apiVersion: v1\nclusters: {a: b}\n",
		"item":      "apiVersion: v1\nusers:\n- just-a-string\n",
		"user body": "apiVersion: v1\nusers:\n- name: prod\n  user: [1, 2]\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := CheckKubeconfig(path); !errors.As(err, new(*ParseError)) {
				t.Errorf("CheckKubeconfig = %v, want a *ParseError", err)
			}
			_, err := UpdateKubeconfig(path, prodEntry)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Path != path || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want a *ParseError naming %s", err, path)
			}
			b, _ := os.ReadFile(path)
			fi, _ := os.Stat(path)
			if string(b) != text || fi.Mode().Perm() != 0o644 {
				t.Errorf("the file changed: %v %q", fi.Mode(), b)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("files left in the folder: %v", entries)
			}
		})
	}
}

// TestKubeconfigEmpty: an empty file is a new kubeconfig.
func TestKubeconfigEmpty(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := UpdateKubeconfig(path, prodEntry); err != nil {
		t.Fatal(err)
	}
	if k, _ := readKubeconfig(t, path); k.Kind != "Config" || k.CurrentContext != "prod" || len(k.Users) != 1 {
		t.Errorf("%+v", k)
	}
}
