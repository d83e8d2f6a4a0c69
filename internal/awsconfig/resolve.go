package awsconfig

import (
	"fmt"
	"strings"
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
	var out []string
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
func (c *Config) Resolve(name string) (*Resolved, error) {
	if _, ok := c.profiles[name]; !ok {
		return nil, c.notFound(name)
	}
	return c.resolve(name, nil)
}

func (c *Config) resolve(name string, seen []string) (*Resolved, error) {
	for _, s := range seen {
		if s == name {
			return nil, &CycleError{Key: "source_profile", Path: append(append([]string(nil), seen...), name)}
		}
	}
	seen = append(seen, name)
	values, err := c.effectiveValues(name)
	if err != nil {
		return nil, err
	}
	r := &Resolved{Name: name, values: values, Source: sourceOf(values, len(seen) > 1)}

	if sess, ok := r.Get("sso_session"); ok {
		s, ok := c.ssoSessions[sess]
		if !ok {
			return nil, fmt.Errorf("profile %q: %w; add an [sso-session %s] section to %s", name,
				&NotFoundError{Kind: "sso-session", Name: sess, Suggestion: closest(sess, c.SSOSessionNames()), Known: c.SSOSessionNames()},
				quoteName(sess), c.Paths.Config)
		}
		r.SSOSession = s
	}

	switch r.Source {
	case SourceWebIdentity:
		if arn, _ := r.Get("role_arn"); arn == "" {
			return nil, fmt.Errorf("profile %q sets web_identity_token_file without a role_arn; add the role to assume", name)
		}
	case SourceRole:
		// botocore's AssumeRoleProvider._get_role_config: the role needs
		// exactly one of source_profile and credential_source. Neither is
		// looked at in a profile that does not assume a role.
		src, hasSrc := r.Get("source_profile")
		credSrc, hasCredSrc := r.Get("credential_source")
		switch {
		case hasSrc && hasCredSrc:
			return nil, fmt.Errorf("profile %q sets both source_profile and credential_source; keep one", name)
		case !hasSrc && !hasCredSrc:
			return nil, fmt.Errorf("profile %q has a role_arn but neither source_profile nor credential_source; add the profile whose credentials assume the role", name)
		case hasCredSrc:
			if !contains(credentialSources, credSrc) {
				return nil, fmt.Errorf("profile %q: credential_source %q is not one of %s", name, credSrc, strings.Join(credentialSources, ", "))
			}
		case src != name:
			// A profile may name itself: its own keys assume its role.
			if _, ok := c.profiles[src]; !ok {
				return nil, fmt.Errorf("profile %q: source_profile %w", name, c.notFound(src))
			}
			parent, err := c.resolve(src, seen)
			if err != nil {
				return nil, err
			}
			r.Parent = parent
		}
	}
	return r, nil
}

// effectiveValues applies include_profile (as aws-vault does): the included
// profile's keys are defaults that the including profile's own keys override.
func (c *Config) effectiveValues(name string) (valueSet, error) {
	var path []string
	for cur := name; ; {
		for _, s := range path {
			if s == cur {
				return nil, &CycleError{Key: "include_profile", Path: append(path, cur)}
			}
		}
		path = append(path, cur)
		p, ok := c.profiles[cur]
		if !ok {
			return nil, fmt.Errorf("profile %q: include_profile %w", path[len(path)-2], c.notFound(cur))
		}
		next, ok := p.Get("include_profile")
		if !ok {
			break
		}
		cur = next
	}
	if len(path) == 1 {
		return c.profiles[name].values, nil
	}
	var out valueSet
	for i := len(path) - 1; i >= 0; i-- {
		for _, kv := range c.profiles[path[i]].values {
			out.set(kv.key, kv.Value)
		}
	}
	return out, nil
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
