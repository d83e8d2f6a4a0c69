package awsconfig

import (
	"fmt"
	"strings"
	"sync"
)

// Source is how a profile gets its credentials.
type Source string

// The credential sources, named as `sesame list` shows them.
const (
	SourceKeys        Source = "keys"         // long-term keys: sesame's store or the credentials file
	SourceRole        Source = "role"         // role_arn with source_profile or credential_source
	SourceSSO         Source = "sso"          // IAM Identity Center
	SourceProcess     Source = "process"      // credential_process
	SourceWebIdentity Source = "web-identity" // role_arn with web_identity_token_file
	SourceLogin       Source = "signin"       // login_session: an AWS Sign-In session (sesame signin, aws login)
)

// Resolved is a profile with include_profile applied, its sso-session looked
// up and its source_profile chain walked.
type Resolved struct {
	// Name is the profile's name.
	Name string
	// Source is how this profile (not its parents) gets credentials, as
	// botocore would use it at this place in the chain.
	Source Source
	// Parent is the source_profile this profile's role is assumed from, or
	// nil (the root of a chain, and a profile that names itself).
	Parent *Resolved
	// SSOSession is the sso-session the profile names, if any.
	SSOSession *SSOSession

	values valueSet
}

// Get returns the effective value of key after include_profile.
func (r *Resolved) Get(key string) (string, bool) {
	v, ok := r.values.get(key)
	return v.Text, ok
}

// Chain returns the profile names from this one to the root of its
// source_profile chain.
func (r *Resolved) Chain() []string {
	n := 0
	for p := r; p != nil; p = p.Parent {
		n++
	}
	out := make([]string, 0, n)
	for p := r; p != nil; p = p.Parent {
		out = append(out, p.Name)
	}
	return out
}

// Root returns the last profile of the chain, the one whose own credentials
// start it.
func (r *Resolved) Root() *Resolved {
	p := r
	for p.Parent != nil {
		p = p.Parent
	}
	return p
}

// NotFoundError is a profile (or sso-session) name that does not exist.
type NotFoundError struct {
	Kind       string // "profile" or "sso-session"
	Name       string
	Suggestion string // the closest existing name, or ""
	Known      []string
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("%s %q does not exist", e.Kind, e.Name)
	if e.Suggestion != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return msg
}

// CycleError is a loop of source_profile or include_profile references.
type CycleError struct {
	Key  string   // "source_profile" or "include_profile"
	Path []string // the names, the first repeated at the end
}

func (e *CycleError) Error() string {
	return fmt.Sprintf("%s loop: %s", e.Key, strings.Join(e.Path, " -> "))
}

// credentialSources are the values botocore accepts for credential_source.
var credentialSources = []string{"Environment", "Ec2InstanceMetadata", "EcsContainer"}

// Resolve returns the named profile resolved. A missing name is a
// *NotFoundError with a suggestion, a loop a *CycleError with its full path.
//
// Each profile is worked out once per Config, however many chains go through
// it (the Config remembers the results, under a lock: Resolve is safe for
// concurrent use), so resolving every profile takes time linear in the size
// of the files, even for chains thousands of profiles deep.
func (c *Config) Resolve(name string) (*Resolved, error) {
	if _, ok := c.Profile(name); !ok {
		return nil, c.notFound(name)
	}
	m := c.memo
	if m == nil { // a Config not made by Build
		m = newResolveMemo(0)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.lazy != nil && !m.sized {
		// Every profile may be resolved now (`sesame list`): make room
		// for them at once rather than growing the maps step by step.
		if n, done := c.lazy.completed(c); done {
			m.grow(n)
		}
	}
	return c.resolve(m, name)
}

// resolveMemo holds what Resolve has worked out. A Config does not change
// after Build, so nothing in it goes stale.
type resolveMemo struct {
	mu sync.Mutex
	// resolved holds profiles resolved on their own ([0]) and as another's
	// source_profile ([1]), which may differ (see sourceOf). Loops are not
	// kept: their error's path depends on where the walk started.
	resolved  [2]map[string]resolvedEntry
	effective map[string]effectiveEntry
	// steps counts profiles built and include_profile links followed: the
	// work done, which tests bound.
	steps int
	// sized is set once the maps have room for every profile.
	sized bool
}

// grow makes room in the maps for n profiles.
func (m *resolveMemo) grow(n int) {
	m.sized = true
	for i := range m.resolved {
		grown := make(map[string]resolvedEntry, max(n, len(m.resolved[i])))
		for k, v := range m.resolved[i] {
			grown[k] = v
		}
		m.resolved[i] = grown
	}
	grown := make(map[string]effectiveEntry, max(n, len(m.effective)))
	for k, v := range m.effective {
		grown[k] = v
	}
	m.effective = grown
}

type resolvedEntry struct {
	r    *Resolved
	root *Resolved // r.Root()
	err  error
}

type effectiveEntry struct {
	values valueSet
	err    error
}

// newResolveMemo makes room for n profiles.
func newResolveMemo(n int) *resolveMemo {
	return &resolveMemo{
		sized:     n > 0,
		resolved:  [2]map[string]resolvedEntry{make(map[string]resolvedEntry, n), {}},
		effective: make(map[string]effectiveEntry, n),
	}
}

// resolve walks name's source_profile chain until a profile that needs no
// parent, one already resolved, a loop or an error, then links the chain and
// remembers every profile on it. The results are those of the plain
// recursive walk: a loop is reported with the path from name, and an error
// met anywhere on the chain is the error of every profile before it.
func (c *Config) resolve(m *resolveMemo, name string) (*Resolved, error) {
	if e, ok := m.resolved[0][name]; ok {
		return e.r, e.err
	}
	var (
		chain []*Resolved // built, each waiting for its parent
		tail  *Resolved   // the parent of the last one, when already known
		root  *Resolved
		err   error
		loop  bool
		index map[string]bool // the names in chain, once it is long
	)
	names := func(extra ...string) []string {
		out := make([]string, 0, len(chain)+len(extra))
		for _, r := range chain {
			out = append(out, r.Name)
		}
		return append(out, extra...)
	}
	onChain := func(n string) bool {
		if index != nil {
			return index[n]
		}
		for _, r := range chain {
			if r.Name == n {
				return true
			}
		}
		return false
	}
	for cur := name; ; {
		if onChain(cur) {
			err, loop = &CycleError{Key: "source_profile", Path: names(cur)}, true
			break
		}
		asSource := len(chain) > 0
		if e, ok := m.resolved[1][cur]; ok && asSource {
			// A chain resolved before cannot go through the profiles on
			// this one, except through name itself, which may end it: name
			// as a source_profile can be a root (keys of its own) when name
			// on its own is a role.
			if e.err == nil && e.root.Name == name {
				path := names()
				for p := e.r; p != nil; p = p.Parent {
					path = append(path, p.Name)
				}
				err, loop = &CycleError{Key: "source_profile", Path: path}, true
				break
			}
			tail, root, err = e.r, e.root, e.err
			break
		}
		r, next, nerr := c.node(m, cur, asSource)
		if nerr != nil {
			err = nerr
			m.resolved[b2i(asSource)][cur] = resolvedEntry{err: nerr}
			break
		}
		chain = append(chain, r)
		if len(chain) == 16 {
			index = map[string]bool{}
			for _, r := range chain {
				index[r.Name] = true
			}
		} else if index != nil {
			index[r.Name] = true
		}
		if next == "" {
			break
		}
		cur = next
	}
	if err != nil {
		if !loop {
			for i, r := range chain {
				m.resolved[b2i(i > 0)][r.Name] = resolvedEntry{err: err}
			}
		}
		return nil, err
	}
	if root == nil {
		root = chain[len(chain)-1]
	}
	for i := len(chain) - 1; i >= 0; i-- {
		if i+1 < len(chain) {
			chain[i].Parent = chain[i+1]
		} else {
			chain[i].Parent = tail
		}
		m.resolved[b2i(i > 0)][chain[i].Name] = resolvedEntry{r: chain[i], root: root}
	}
	return chain[0], nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// node builds one profile of a chain, without its parent: asSource tells
// that it is another's source_profile. next is the source_profile to follow,
// or "".
func (c *Config) node(m *resolveMemo, name string, asSource bool) (r *Resolved, next string, err error) {
	m.steps++
	values, err := c.effectiveValues(m, name)
	if err != nil {
		return nil, "", err
	}
	r = &Resolved{Name: name, values: values, Source: sourceOf(values, asSource)}

	if sess, ok := r.Get("sso_session"); ok {
		s, ok := c.SSOSession(sess)
		if !ok {
			return nil, "", fmt.Errorf("profile %q: %w; add an [sso-session %s] section to %s", name,
				&NotFoundError{Kind: "sso-session", Name: sess, Suggestion: closest(sess, c.SSOSessionNames()), Known: c.SSOSessionNames()},
				quoteName(sess), c.Paths.Config)
		}
		r.SSOSession = s
	}

	switch r.Source {
	case SourceWebIdentity:
		if arn, _ := r.Get("role_arn"); arn == "" {
			return nil, "", fmt.Errorf("profile %q sets web_identity_token_file without a role_arn; add the role to assume", name)
		}
	case SourceRole:
		// botocore's AssumeRoleProvider._get_role_config: the role needs
		// exactly one of source_profile and credential_source. Neither is
		// looked at in a profile that does not assume a role.
		src, hasSrc := r.Get("source_profile")
		credSrc, hasCredSrc := r.Get("credential_source")
		switch {
		case hasSrc && hasCredSrc:
			return nil, "", fmt.Errorf("profile %q sets both source_profile and credential_source; keep one", name)
		case !hasSrc && !hasCredSrc:
			return nil, "", fmt.Errorf("profile %q has a role_arn but neither source_profile nor credential_source; add the profile whose credentials assume the role", name)
		case hasCredSrc:
			if !contains(credentialSources, credSrc) {
				return nil, "", fmt.Errorf("profile %q: credential_source %q is not one of %s", name, credSrc, strings.Join(credentialSources, ", "))
			}
		case src != name:
			// A profile may name itself: its own keys assume its role.
			if _, ok := c.Profile(src); !ok {
				return nil, "", fmt.Errorf("profile %q: source_profile %w", name, c.notFound(src))
			}
			next = src
		}
	}
	return r, next, nil
}

// effectiveValues applies include_profile (as aws-vault does): the included
// profile's keys are defaults that the including profile's own keys override.
// Like resolve, it walks the chain until a profile already worked out, and
// remembers every profile on it (loops excepted).
func (c *Config) effectiveValues(m *resolveMemo, name string) (valueSet, error) {
	if e, ok := m.effective[name]; ok {
		return e.values, e.err
	}
	var (
		path  []string
		index map[string]bool
		base  valueSet // the effective values after path's end, if known
		known bool
		err   error
		loop  bool
	)
	onPath := func(n string) bool {
		if index != nil {
			return index[n]
		}
		return contains(path, n)
	}
	for cur := name; ; {
		m.steps++
		if onPath(cur) {
			err, loop = &CycleError{Key: "include_profile", Path: append(path, cur)}, true
			break
		}
		if len(path) > 0 {
			if e, ok := m.effective[cur]; ok {
				base, err, known = e.values, e.err, true
				break
			}
		}
		p, ok := c.Profile(cur)
		if !ok {
			err = fmt.Errorf("profile %q: include_profile %w", path[len(path)-1], c.notFound(cur))
			break
		}
		path = append(path, cur)
		if len(path) == 16 {
			index = map[string]bool{}
			for _, n := range path {
				index[n] = true
			}
		} else if index != nil {
			index[cur] = true
		}
		next, ok := p.Get("include_profile")
		if !ok {
			break
		}
		cur = next
	}
	if err != nil {
		if !loop {
			for _, n := range path {
				m.effective[n] = effectiveEntry{err: err}
			}
		}
		return nil, err
	}
	for i := len(path) - 1; i >= 0; i-- {
		p, _ := c.Profile(path[i])
		own := p.values
		if i == len(path)-1 && !known {
			base = own
		} else {
			out := make(valueSet, len(base), len(base)+len(own))
			copy(out, base)
			for _, kv := range own {
				out.set(kv.key, kv.Value)
			}
			base = out
		}
		m.effective[path[i]] = effectiveEntry{values: base}
	}
	return base, nil
}

// sourceOf classifies a profile the way botocore picks its provider, in
// the order of its credential chain: assume role (role_arn without
// web_identity_token_file), web identity, SSO (sso_account_id or
// sso_role_name), keys in the shared credentials file, credential_process,
// keys in the config file. A profile used as another's source_profile that
// has keys of its own uses them even when it has a role_arn (botocore's
// AssumeRoleProvider._resolve_credentials_from_profile). A profile with only
// sso_session or sso_start_url (one for "aws sso login") counts as sso when
// nothing else gives it credentials; anything else counts as keys, which
// sesame's store may hold.
func sourceOf(values valueSet, asSource bool) Source {
	has := values.has
	text := func(k string) Value { v, _ := values.get(k); return v }
	static := has("aws_access_key_id") || has("aws_secret_access_key")
	switch {
	case has("role_arn") && !has("web_identity_token_file") && !(asSource && static):
		return SourceRole
	case text("web_identity_token_file").Text != "":
		return SourceWebIdentity
	case has("sso_account_id") || has("sso_role_name"):
		return SourceSSO
	case text("aws_access_key_id").inCredentials:
		return SourceKeys
	case text("login_session").Text != "":
		// botocore's LoginProvider: after SSO and the credentials
		// file's keys, before credential_process.
		return SourceLogin
	case has("credential_process"):
		return SourceProcess
	case has("aws_access_key_id"):
		return SourceKeys
	case has("sso_session") || has("sso_start_url"):
		return SourceSSO
	default:
		return SourceKeys
	}
}

func (c *Config) notFound(name string) *NotFoundError {
	names := c.ProfileNames()
	return &NotFoundError{Kind: "profile", Name: name, Suggestion: closest(name, names), Known: names}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// closest returns the candidate nearest to name: a case-insensitive match,
// else the smallest edit distance within a third of the name's length (at
// least 2), else a candidate that has name as a prefix; "" when none is near.
func closest(name string, candidates []string) string {
	if name == "" {
		return ""
	}
	best, bestDist := "", -1
	limit := max(2, len([]rune(name))/3)
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return c
		}
		if d := editDistance(name, c); d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		for _, c := range candidates {
			if strings.HasPrefix(c, name) {
				return c
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Source classifies the profile from its own keys alone, without following
// include_profile or source_profile: the source a broken profile would have.
func (p *Profile) Source() Source { return sourceOf(p.values, false) }

// Closest returns the candidate nearest to name, or "" when none is near:
// the suggestion of a "did you mean" message.
func Closest(name string, candidates []string) string { return closest(name, candidates) }
