package eks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// Entry is what [UpdateKubeconfig] writes for one cluster: a cluster, a
// user whose credentials come from running Command with Args (an exec
// credential plugin that is never interactive), and a context joining
// them.
type Entry struct {
	// ClusterName names the cluster entry (the EKS cluster's ARN).
	ClusterName string
	// Server is the API server's URL (DescribeCluster's endpoint).
	Server string
	// CertificateAuthorityData is the base64 PEM of the cluster's CA
	// (DescribeCluster's certificateAuthority.data); "" for none.
	CertificateAuthorityData string
	// UserName names the user entry.
	UserName string
	// ContextName names the context, which becomes current-context.
	ContextName string
	// Command and Args are the exec plugin: sesame eks token ...
	Command string
	Args    []string
	// APIVersion is the exec plugin's apiVersion ("" for
	// [DefaultAPIVersion]).
	APIVersion string
}

// ParseError is a kubeconfig that UpdateKubeconfig refuses to edit: it
// does not parse as YAML, or is not a kubeconfig's shape. The file is
// left as it was.
type ParseError struct {
	Path string
	Err  error
}

// Error names the file and what is wrong.
func (e *ParseError) Error() string { return fmt.Sprintf("cannot edit %s: %v", e.Path, e.Err) }

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// UpdateKubeconfig adds e's cluster, user and context to the kubeconfig at
// path, or updates the entries of the same names, and makes e's context
// the current one, as `aws eks update-kubeconfig` does. Every other entry,
// key and comment is kept. An existing cluster entry keeps its other keys
// (certificate-authority, a file that would conflict with the data, is
// removed); an existing user entry is replaced whole (another way to
// authenticate would conflict); an existing context keeps its namespace.
//
// A missing file is created (and its folder, 0700). The file is written
// atomically with mode 0600; an existing file readable by others is made
// 0600 first, and tightened reports that. A file that does not parse, holds
// more than one YAML document or is not a mapping is refused with a
// *[ParseError] and left unchanged.
func UpdateKubeconfig(path string, e Entry) (tightened bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("cannot read %s: %w", path, err)
	}
	out, err := editKubeconfig(data, e)
	if err != nil {
		return false, &ParseError{Path: path, Err: err}
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return false, fmt.Errorf("cannot make %s private (mode 0600): %w", path, err)
		}
		tightened = true
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return tightened, fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	if err := atomicfile.WriteFile(path, out, 0o600); err != nil {
		return tightened, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return tightened, nil
}

// CheckKubeconfig reports, as UpdateKubeconfig would, whether the
// kubeconfig at path can be edited (a missing file can), without changing
// it: callers check before they ask AWS for the entry.
func CheckKubeconfig(path string) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	if _, err := editKubeconfig(data, Entry{ClusterName: "c", UserName: "u", ContextName: "x"}); err != nil {
		return &ParseError{Path: path, Err: err}
	}
	return nil
}

// editKubeconfig returns data (a kubeconfig, possibly empty) with e's
// entries in it.
func editKubeconfig(data []byte, e Entry) ([]byte, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		doc = yaml.Node{}
	case err != nil:
		return nil, err
	default:
		var extra yaml.Node
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			if err != nil {
				return nil, err
			}
			return nil, errors.New("it holds more than one YAML document")
		}
	}
	var root *yaml.Node
	switch {
	case doc.Kind == 0 || (doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Tag == "!!null"):
		root = mapping("apiVersion", scalar("v1"), "kind", scalar("Config"), "preferences", mapping())
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	case doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode:
		root = doc.Content[0]
	default:
		return nil, errors.New("it is not a kubeconfig (a YAML mapping)")
	}

	for _, l := range [][2]string{{"clusters", "cluster"}, {"users", "user"}, {"contexts", "context"}} {
		if err := checkList(root, l[0], l[1]); err != nil {
			return nil, err
		}
	}

	apiVersion := e.APIVersion
	if apiVersion == "" {
		apiVersion = DefaultAPIVersion
	}
	args := &yaml.Node{Kind: yaml.SequenceNode}
	for _, a := range e.Args {
		args.Content = append(args.Content, scalar(a))
	}
	exec := mapping("apiVersion", scalar(apiVersion), "command", scalar(e.Command), "args", args,
		"interactiveMode", scalar("Never"), "provideClusterInfo", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"})

	cluster, err := entry(root, "clusters", "cluster", e.ClusterName)
	if err != nil {
		return nil, err
	}
	set(cluster, "server", scalar(e.Server))
	if e.CertificateAuthorityData != "" {
		set(cluster, "certificate-authority-data", scalar(e.CertificateAuthorityData))
		remove(cluster, "certificate-authority")
	}

	user, err := entry(root, "users", "user", e.UserName)
	if err != nil {
		return nil, err
	}
	user.Content = nil
	set(user, "exec", exec)

	ctx, err := entry(root, "contexts", "context", e.ContextName)
	if err != nil {
		return nil, err
	}
	set(ctx, "cluster", scalar(e.ClusterName))
	set(ctx, "user", scalar(e.UserName))

	set(root, "current-context", scalar(e.ContextName))

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkList checks that root[list], when present, is a list of mappings
// whose field, when present, is a mapping.
func checkList(root *yaml.Node, list, field string) error {
	seq := get(root, list)
	if seq == nil || seq.Tag == "!!null" {
		return nil
	}
	if seq.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s is not a list", list)
	}
	for _, it := range seq.Content {
		if it.Kind != yaml.MappingNode {
			return fmt.Errorf("an item of %s is not a mapping", list)
		}
		if m := get(it, field); m != nil && m.Tag != "!!null" && m.Kind != yaml.MappingNode {
			name := ""
			if n := get(it, "name"); n != nil {
				name = n.Value
			}
			return fmt.Errorf("%s of %s %q is not a mapping", field, list, name)
		}
	}
	return nil
}

// entry returns the mapping under field of the item called name in the
// list root[list] (`clusters: [{name: N, cluster: {...}}]`), adding the
// list, the item or the mapping where missing.
func entry(root *yaml.Node, list, field, name string) (*yaml.Node, error) {
	seq := get(root, list)
	switch {
	case seq == nil || seq.Tag == "!!null":
		seq = &yaml.Node{Kind: yaml.SequenceNode}
		set(root, list, seq)
	case seq.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("%s is not a list", list)
	}
	var item *yaml.Node
	for _, it := range seq.Content {
		if it.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("an item of %s is not a mapping", list)
		}
		if n := get(it, "name"); n != nil && n.Kind == yaml.ScalarNode && n.Value == name {
			item = it
			break
		}
	}
	if item == nil {
		if len(seq.Content) == 0 {
			seq.Style = 0 // `clusters: []` becomes a block list
		}
		item = mapping("name", scalar(name))
		seq.Content = append(seq.Content, item)
	}
	m := get(item, field)
	switch {
	case m == nil || m.Tag == "!!null":
		m = mapping()
		set(item, field, m)
	case m.Kind != yaml.MappingNode:
		return nil, fmt.Errorf("%s of %s %q is not a mapping", field, list, name)
	}
	return m, nil
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

// mapping builds a mapping from key, value pairs (strings and *yaml.Node).
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		set(m, kv[i].(string), kv[i+1].(*yaml.Node))
	}
	return m
}

func get(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key), v)
}

func remove(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}
