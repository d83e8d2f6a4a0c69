package awsconfig

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// The resolution of sesame before memoisation (issue 11 item 14), kept as
// the reference that the linear one must match exactly, errors included.

func (c *Config) refResolve(name string, seen []string) (*Resolved, error) {
	for _, s := range seen {
		if s == name {
			return nil, &CycleError{Key: "source_profile", Path: append(append([]string(nil), seen...), name)}
		}
	}
	seen = append(seen, name)
	values, err := c.refEffectiveValues(name)
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
			parent, err := c.refResolve(src, seen)
			if err != nil {
				return nil, err
			}
			r.Parent = parent
		}
	}
	return r, nil
}

// refEffectiveValues applies include_profile (as aws-vault does): the included
// profile's keys are defaults that the including profile's own keys override.
func (c *Config) refEffectiveValues(name string) (valueSet, error) {
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

// TestResolveMatchesReference resolves random small configs full of chains,
// loops, self-references, missing names and profiles that are roles on their
// own but keys as a source, in random order on one Config, and compares every
// result and error with the plain recursive walk.
func TestResolveMatchesReference(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3000) {
		rng := rand.New(rand.NewPCG(seed, 11))
		config, credentials := randomConfig(rng)
		c := buildConfig(t, config, credentials)
		names := c.ProfileNames()
		order := append(append([]string(nil), names...), names...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, name := range order {
			got, gotErr := c.Resolve(name)
			want, wantErr := c.refResolve(name, nil)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || reflect.TypeOf(gotErr) != reflect.TypeOf(wantErr) {
				t.Fatalf("seed %d, %s: error %v, want %v\nconfig:\n%s\ncredentials:\n%s", seed, name, gotErr, wantErr, config, credentials)
			}
			if d := diffResolved(got, want); d != "" {
				t.Fatalf("seed %d, %s: %s\nconfig:\n%s\ncredentials:\n%s", seed, name, d, config, credentials)
			}
		}
	}
}

func diffResolved(got, want *Resolved) string {
	for depth := 0; got != nil || want != nil; depth++ {
		if got == nil || want == nil {
			return fmt.Sprintf("at depth %d: got %v, want %v", depth, got, want)
		}
		if got.Name != want.Name || got.Source != want.Source || got.SSOSession != want.SSOSession {
			return fmt.Sprintf("at depth %d: got %s (%s, %v), want %s (%s, %v)", depth, got.Name, got.Source, got.SSOSession, want.Name, want.Source, want.SSOSession)
		}
		if !reflect.DeepEqual(got.values, want.values) && (len(got.values) != 0 || len(want.values) != 0) {
			return fmt.Sprintf("at depth %d (%s): values %v, want %v", depth, got.Name, got.values, want.values)
		}
		got, want = got.Parent, want.Parent
	}
	return ""
}

// randomConfig writes a config (and sometimes a credentials file) of up to
// eight profiles linked at random.
func randomConfig(rng *rand.Rand) (config, credentials string) {
	n := 1 + rng.IntN(8)
	name := func() string {
		if rng.IntN(12) == 0 {
			return "missing"
		}
		return fmt.Sprintf("p%d", rng.IntN(n))
	}
	var cfg, cred strings.Builder
	cfg.WriteString("[sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n")
	for i := range n {
		fmt.Fprintf(&cfg, "[profile p%d]\n", i)
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&cfg, "region = r%d\n", i)
		}
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&cfg, "role_arn = arn:aws:iam::1:role/r%d\n", i)
		}
		switch rng.IntN(6) {
		case 0, 1, 2:
			fmt.Fprintf(&cfg, "source_profile = %s\n", name())
		case 3:
			cfg.WriteString("credential_source = " + []string{"Environment", "Bogus"}[rng.IntN(2)] + "\n")
		case 4:
			fmt.Fprintf(&cfg, "source_profile = %s\ncredential_source = Environment\n", name())
		}
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&cfg, "include_profile = %s\n", name())
		}
		if rng.IntN(5) == 0 {
			cfg.WriteString("aws_access_key_id = AKIA\naws_secret_access_key = S\n")
		}
		if rng.IntN(8) == 0 {
			cfg.WriteString("web_identity_token_file = /t\n")
		}
		if rng.IntN(8) == 0 {
			cfg.WriteString("credential_process = /bin/true\n")
		}
		switch rng.IntN(10) {
		case 0:
			cfg.WriteString("sso_session = corp\n")
		case 1:
			cfg.WriteString("sso_session = nope\n")
		case 2:
			cfg.WriteString("sso_account_id = 1\nsso_role_name = R\n")
		}
		if rng.IntN(6) == 0 {
			fmt.Fprintf(&cred, "[p%d]\naws_access_key_id = AKIA%d\naws_secret_access_key = S\n", i, i)
		}
	}
	return cfg.String(), cred.String()
}
