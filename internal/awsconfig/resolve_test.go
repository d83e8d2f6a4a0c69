package awsconfig

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// testPaths are the names the in-memory test files are given.
var testPaths = Paths{Config: "/home/u/.aws/config", Credentials: "/home/u/.aws/credentials"}

// buildConfig parses config and credentials text ("" for a missing file)
// into a Config, failing the test on any error.
func buildConfig(t *testing.T, config, credentials string) *Config {
	t.Helper()
	var cfgFile, credFile *File
	var err error
	if config != "" {
		if cfgFile, err = Parse(testPaths.Config, []byte(config)); err != nil {
			t.Fatalf("parse config: %v", err)
		}
	}
	if credentials != "" {
		if credFile, err = Parse(testPaths.Credentials, []byte(credentials)); err != nil {
			t.Fatalf("parse credentials: %v", err)
		}
	}
	c, err := Build(testPaths, cfgFile, credFile)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return c
}

func TestResolveSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		config, credentials string
		profile             string
		want                Source
	}{
		{
			name:    "no credential keys at all counts as keys (sesame's store)",
			config:  "[profile p]\nregion = eu-west-1\n",
			profile: "p", want: SourceKeys,
		},
		{
			name:    "keys in the config file",
			config:  "[profile p]\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile: "p", want: SourceKeys,
		},
		{
			name:        "keys in the credentials file only",
			credentials: "[p]\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile:     "p", want: SourceKeys,
		},
		{
			name:    "default profile",
			config:  "[default]\ncredential_process = /bin/creds\n",
			profile: "default", want: SourceProcess,
		},
		{
			name:    "role with source_profile",
			config:  "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = q\n[profile q]\n",
			profile: "p", want: SourceRole,
		},
		{
			name:    "role with credential_source",
			config:  "[profile p]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n",
			profile: "p", want: SourceRole,
		},
		{
			name:    "role before keys at the top of a chain",
			config:  "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = p\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile: "p", want: SourceRole,
		},
		{
			name:    "role before sso and process",
			config:  "[profile p]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\nsso_account_id = 1\nsso_role_name = R\ncredential_process = x\n",
			profile: "p", want: SourceRole,
		},
		{
			name:    "sso with an sso-session",
			config:  "[profile p]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n",
			profile: "p", want: SourceSSO,
		},
		{
			name:    "legacy sso without a session",
			config:  "[profile p]\nsso_start_url = https://x\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = R\n",
			profile: "p", want: SourceSSO,
		},
		{
			name:    "sso_role_name alone makes botocore try sso",
			config:  "[profile p]\nsso_role_name = R\n",
			profile: "p", want: SourceSSO,
		},
		{
			name:        "sso before keys and process",
			config:      "[profile p]\nsso_account_id = 1\nsso_role_name = R\ncredential_process = x\n",
			credentials: "[p]\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile:     "p", want: SourceSSO,
		},
		{
			name:    "a login-only sso profile is sso",
			config:  "[profile p]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x\n",
			profile: "p", want: SourceSSO,
		},
		{
			name:    "config keys beat a login-only sso profile",
			config:  "[profile p]\nsso_start_url = https://x\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile: "p", want: SourceKeys,
		},
		{
			name:    "credential_process",
			config:  "[profile p]\ncredential_process = /usr/bin/creds --json\n",
			profile: "p", want: SourceProcess,
		},
		{
			name:        "credentials-file keys beat credential_process",
			config:      "[profile p]\ncredential_process = /usr/bin/creds\n",
			credentials: "[p]\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile:     "p", want: SourceKeys,
		},
		{
			name:        "credential_process in the credentials file still loses to its keys",
			credentials: "[p]\ncredential_process = /usr/bin/creds\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile:     "p", want: SourceKeys,
		},
		{
			name:    "credential_process beats config-file keys",
			config:  "[profile p]\ncredential_process = /usr/bin/creds\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile: "p", want: SourceProcess,
		},
		{
			name:        "a credentials section without keys does not make config keys win",
			config:      "[profile p]\ncredential_process = /usr/bin/creds\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			credentials: "[p]\nregion = eu-west-1\n",
			profile:     "p", want: SourceProcess,
		},
		{
			name:        "credentials-file [DEFAULT] keys are credentials-file keys",
			config:      "[profile p]\ncredential_process = /usr/bin/creds\n",
			credentials: "[DEFAULT]\naws_access_key_id = AKIA\naws_secret_access_key = S\n[p]\n",
			profile:     "p", want: SourceKeys,
		},
		{
			name:    "web identity",
			config:  "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /var/run/token\n",
			profile: "p", want: SourceWebIdentity,
		},
		{
			name:    "web identity ignores source_profile",
			config:  "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\nsource_profile = nope\n",
			profile: "p", want: SourceWebIdentity,
		},
		{
			name:    "an empty web_identity_token_file is skipped by both role providers",
			config:  "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file =\ncredential_process = x\n",
			profile: "p", want: SourceProcess,
		},
		{
			name:    "include_profile brings the source",
			config:  "[profile p]\ninclude_profile = base\n[profile base]\ncredential_process = x\n",
			profile: "p", want: SourceProcess,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := buildConfig(t, tt.config, tt.credentials)
			r, err := c.Resolve(tt.profile)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.profile, err)
			}
			if r.Source != tt.want {
				t.Errorf("Resolve(%q).Source = %q, want %q", tt.profile, r.Source, tt.want)
			}
		})
	}
}

func TestResolveChain(t *testing.T) {
	t.Parallel()
	const chains = `
[profile base]
aws_access_key_id = AKIA
aws_secret_access_key = S

[profile admin]
role_arn = arn:aws:iam::1:role/admin
source_profile = base

[profile deep]
role_arn = arn:aws:iam::2:role/deep
source_profile = admin

[profile self]
role_arn = arn:aws:iam::1:role/self
source_profile = self

[profile via-self]
role_arn = arn:aws:iam::1:role/via
source_profile = self

[profile keyed-role]
role_arn = arn:aws:iam::1:role/keyed
source_profile = nowhere-but-ignored
aws_access_key_id = AKIA2
aws_secret_access_key = S2

[profile via-keyed-role]
role_arn = arn:aws:iam::1:role/via-keyed
source_profile = keyed-role

[profile ec2]
role_arn = arn:aws:iam::1:role/ec2
credential_source = Ec2InstanceMetadata

[profile via-ec2]
role_arn = arn:aws:iam::1:role/via-ec2
source_profile = ec2

[profile sso]
sso_session = corp
sso_account_id = 1
sso_role_name = R
source_profile = base

[profile via-sso]
role_arn = arn:aws:iam::1:role/via-sso
source_profile = sso

[profile "with space"]
role_arn = arn:aws:iam::1:role/space
source_profile = deep

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
`
	c := buildConfig(t, chains, "")
	tests := []struct {
		profile string
		chain   []string
		sources []Source
	}{
		{"base", []string{"base"}, []Source{SourceKeys}},
		{"admin", []string{"admin", "base"}, []Source{SourceRole, SourceKeys}},
		{"deep", []string{"deep", "admin", "base"}, []Source{SourceRole, SourceRole, SourceKeys}},
		// A profile may name itself: it is the root, assuming its role with
		// its own keys.
		{"self", []string{"self"}, []Source{SourceRole}},
		{"via-self", []string{"via-self", "self"}, []Source{SourceRole, SourceRole}},
		// A role profile with keys assumes its role at the top of a chain
		// (so its broken source_profile would be an error there, see
		// TestResolveErrors) but lends its keys as a source profile.
		{"via-keyed-role", []string{"via-keyed-role", "keyed-role"}, []Source{SourceRole, SourceKeys}},
		{"ec2", []string{"ec2"}, []Source{SourceRole}},
		{"via-ec2", []string{"via-ec2", "ec2"}, []Source{SourceRole, SourceRole}},
		// source_profile means nothing to a profile that assumes no role.
		{"sso", []string{"sso"}, []Source{SourceSSO}},
		{"via-sso", []string{"via-sso", "sso"}, []Source{SourceRole, SourceSSO}},
		{"with space", []string{"with space", "deep", "admin", "base"}, []Source{SourceRole, SourceRole, SourceRole, SourceKeys}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			r, err := c.Resolve(tt.profile)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.profile, err)
			}
			if got := r.Chain(); !reflect.DeepEqual(got, tt.chain) {
				t.Errorf("Chain() = %q, want %q", got, tt.chain)
			}
			var sources []Source
			for p := r; p != nil; p = p.Parent {
				sources = append(sources, p.Source)
			}
			if !reflect.DeepEqual(sources, tt.sources) {
				t.Errorf("sources along the chain = %q, want %q", sources, tt.sources)
			}
			if root := r.Root(); root.Name != tt.chain[len(tt.chain)-1] || root.Parent != nil {
				t.Errorf("Root() = %q (parent %v), want %q", root.Name, root.Parent, tt.chain[len(tt.chain)-1])
			}
			if r.Name != tt.profile {
				t.Errorf("Name = %q, want %q", r.Name, tt.profile)
			}
		})
	}
}

func TestResolveInclude(t *testing.T) {
	t.Parallel()
	const config = `
[profile base]
region = eu-west-1
output = json
mfa_serial = arn:aws:iam::1:mfa/me
aws_access_key_id = AKIA
aws_secret_access_key = S

[profile mid]
include_profile = base
region = us-east-1
role_arn = arn:aws:iam::1:role/mid
source_profile = base

[profile top]
include_profile = mid
output = text

[profile sso-include]
include_profile = corp-sso
sso_account_id = 2

[profile corp-sso]
sso_session = corp
sso_account_id = 1
sso_role_name = Admin

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
`
	c := buildConfig(t, config, "")
	tests := []struct {
		profile string
		want    map[string]string // key -> value; "" value means absent
		chain   []string
		source  Source
	}{
		{"mid", map[string]string{
			"region":     "us-east-1", // own key wins
			"output":     "json",      // included
			"mfa_serial": "arn:aws:iam::1:mfa/me",
		}, []string{"mid", "base"}, SourceRole},
		{"top", map[string]string{
			"region":          "us-east-1", // from mid, over base
			"output":          "text",      // own
			"mfa_serial":      "arn:aws:iam::1:mfa/me",
			"include_profile": "mid",
			"role_arn":        "arn:aws:iam::1:role/mid",
		}, []string{"top", "base"}, SourceRole},
		{"sso-include", map[string]string{
			"sso_account_id": "2",
			"sso_role_name":  "Admin",
			"sso_session":    "corp",
		}, []string{"sso-include"}, SourceSSO},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			r, err := c.Resolve(tt.profile)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.profile, err)
			}
			for k, want := range tt.want {
				got, ok := r.Get(k)
				if !ok || got != want {
					t.Errorf("Get(%q) = %q, %v; want %q", k, got, ok, want)
				}
			}
			if got := r.Chain(); !reflect.DeepEqual(got, tt.chain) {
				t.Errorf("Chain() = %q, want %q", got, tt.chain)
			}
			if r.Source != tt.source {
				t.Errorf("Source = %q, want %q", r.Source, tt.source)
			}
		})
	}
	// The including profile's own Profile is not changed by resolving it.
	if p, _ := c.Profile("top"); func() bool { _, ok := p.Get("region"); return ok }() {
		t.Error(`Profile("top") gained "region" from its include`)
	}
}

func TestResolveSSOSession(t *testing.T) {
	t.Parallel()
	const config = `
[profile dev]
sso_session = corp
sso_account_id = 1
sso_role_name = Dev

[profile spaced]
sso_session = my corp
sso_account_id = 1
sso_role_name = Dev

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 1
sso_role_name = Dev

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[sso-session "my corp"]
sso_start_url = https://my.awsapps.com/start
sso_region = eu-west-2
`
	c := buildConfig(t, config, "")
	tests := []struct {
		profile, session, section, startURL string
	}{
		{"dev", "corp", "sso-session corp", "https://corp.awsapps.com/start"},
		{"spaced", "my corp", `sso-session "my corp"`, "https://my.awsapps.com/start"},
		{"legacy", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			r, err := c.Resolve(tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if r.Source != SourceSSO {
				t.Errorf("Source = %q, want sso", r.Source)
			}
			if tt.session == "" {
				if r.SSOSession != nil {
					t.Errorf("SSOSession = %+v, want nil", r.SSOSession)
				}
				return
			}
			if r.SSOSession == nil {
				t.Fatal("SSOSession = nil")
			}
			if r.SSOSession.Name != tt.session || r.SSOSession.Section != tt.section {
				t.Errorf("SSOSession = %q in [%s], want %q in [%s]", r.SSOSession.Name, r.SSOSession.Section, tt.session, tt.section)
			}
			if got, _ := r.SSOSession.Get("sso_start_url"); got != tt.startURL {
				t.Errorf("sso_start_url = %q, want %q", got, tt.startURL)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	const role = "role_arn = arn:aws:iam::1:role/r\n"
	tests := []struct {
		name    string
		config  string
		profile string
		want    string
		cycle   *CycleError
		nf      *NotFoundError
	}{
		{
			name:    "two-profile loop",
			config:  "[profile a]\n" + role + "source_profile = b\n[profile b]\n" + role + "source_profile = a\n",
			profile: "a",
			want:    "source_profile loop: a -> b -> a",
			cycle:   &CycleError{Key: "source_profile", Path: []string{"a", "b", "a"}},
		},
		{
			name: "loop entered from outside",
			config: "[profile top]\n" + role + "source_profile = a\n" +
				"[profile a]\n" + role + "source_profile = b\n" +
				"[profile b]\n" + role + "source_profile = c\n" +
				"[profile c]\n" + role + "source_profile = a\n",
			profile: "top",
			want:    "source_profile loop: top -> a -> b -> c -> a",
			cycle:   &CycleError{Key: "source_profile", Path: []string{"top", "a", "b", "c", "a"}},
		},
		{
			name:    "loop through default",
			config:  "[default]\n" + role + "source_profile = x\n[profile x]\n" + role + "source_profile = default\n",
			profile: "x",
			want:    "source_profile loop: x -> default -> x",
			cycle:   &CycleError{Key: "source_profile", Path: []string{"x", "default", "x"}},
		},
		{
			name:    "missing source_profile with a suggestion",
			config:  "[profile a]\n" + role + "source_profile = bsae\n[profile base]\n",
			profile: "a",
			want:    `profile "a": source_profile profile "bsae" does not exist; did you mean "base"?`,
			nf:      &NotFoundError{Kind: "profile", Name: "bsae", Suggestion: "base", Known: []string{"a", "base"}},
		},
		{
			name:    "missing source_profile deeper in the chain",
			config:  "[profile a]\n" + role + "source_profile = b\n[profile b]\n" + role + "source_profile = gone\n",
			profile: "a",
			want:    `profile "b": source_profile profile "gone" does not exist`,
		},
		{
			name:    "a role profile with keys still needs its source at the top",
			config:  "[profile a]\n" + role + "source_profile = gone\naws_access_key_id = AKIA\naws_secret_access_key = S\n",
			profile: "a",
			want:    `profile "a": source_profile profile "gone" does not exist`,
		},
		{
			name:    "role without a source",
			config:  "[profile a]\n" + role,
			profile: "a",
			want:    `profile "a" has a role_arn but neither source_profile nor credential_source; add the profile whose credentials assume the role`,
		},
		{
			name:    "both credential_source and source_profile",
			config:  "[profile a]\n" + role + "source_profile = a\ncredential_source = Environment\n",
			profile: "a",
			want:    `profile "a" sets both source_profile and credential_source; keep one`,
		},
		{
			name:    "invalid credential_source",
			config:  "[profile a]\n" + role + "credential_source = ec2instancemetadata\n",
			profile: "a",
			want:    `profile "a": credential_source "ec2instancemetadata" is not one of Environment, Ec2InstanceMetadata, EcsContainer`,
		},
		{
			name:    "invalid credential_source in a parent",
			config:  "[profile a]\n" + role + "source_profile = b\n[profile b]\n" + role + "credential_source = Lambda\n",
			profile: "a",
			want:    `profile "b": credential_source "Lambda" is not one of Environment, Ec2InstanceMetadata, EcsContainer`,
		},
		{
			name:    "web identity without a role",
			config:  "[profile a]\nweb_identity_token_file = /t\n",
			profile: "a",
			want:    `profile "a" sets web_identity_token_file without a role_arn; add the role to assume`,
		},
		{
			name:    "missing sso-session with a suggestion",
			config:  "[profile a]\nsso_session = crop\nsso_account_id = 1\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://x\n",
			profile: "a",
			want:    `profile "a": sso-session "crop" does not exist; did you mean "corp"?; add an [sso-session crop] section to /home/u/.aws/config`,
			nf:      &NotFoundError{Kind: "sso-session", Name: "crop", Suggestion: "corp", Known: []string{"corp"}},
		},
		{
			name:    "missing sso-session with a space in its name",
			config:  "[profile a]\nsso_session = my corp\nsso_account_id = 1\nsso_role_name = R\n",
			profile: "a",
			want:    `profile "a": sso-session "my corp" does not exist; add an [sso-session "my corp"] section to /home/u/.aws/config`,
			nf:      &NotFoundError{Kind: "sso-session", Name: "my corp"},
		},
		{
			name:    "include loop",
			config:  "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = c\n[profile c]\ninclude_profile = a\n",
			profile: "a",
			want:    "include_profile loop: a -> b -> c -> a",
			cycle:   &CycleError{Key: "include_profile", Path: []string{"a", "b", "c", "a"}},
		},
		{
			name:    "include of itself",
			config:  "[profile a]\ninclude_profile = a\n",
			profile: "a",
			want:    "include_profile loop: a -> a",
			cycle:   &CycleError{Key: "include_profile", Path: []string{"a", "a"}},
		},
		{
			name:    "include loop not through the start",
			config:  "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = c\n[profile c]\ninclude_profile = b\n",
			profile: "a",
			want:    "include_profile loop: a -> b -> c -> b",
			cycle:   &CycleError{Key: "include_profile", Path: []string{"a", "b", "c", "b"}},
		},
		{
			name:    "missing include",
			config:  "[profile a]\ninclude_profile = nope\n",
			profile: "a",
			want:    `profile "a": include_profile profile "nope" does not exist`,
			nf:      &NotFoundError{Kind: "profile", Name: "nope", Known: []string{"a"}},
		},
		{
			name:    "missing include further down",
			config:  "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = bb\n",
			profile: "a",
			want:    `profile "b": include_profile profile "bb" does not exist; did you mean "b"?`,
		},
		{
			name:    "include loop in a source profile",
			config:  "[profile a]\n" + role + "source_profile = b\n[profile b]\ninclude_profile = b\n",
			profile: "a",
			want:    "include_profile loop: b -> b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := buildConfig(t, tt.config, "")
			r, err := c.Resolve(tt.profile)
			if err == nil {
				t.Fatalf("Resolve(%q) = chain %q, want error %q", tt.profile, r.Chain(), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if tt.cycle != nil {
				var ce *CycleError
				if !errors.As(err, &ce) {
					t.Fatalf("error %T is not a *CycleError", err)
				}
				if !reflect.DeepEqual(ce, tt.cycle) {
					t.Errorf("CycleError = %+v, want %+v", ce, tt.cycle)
				}
			}
			if tt.nf != nil {
				var nf *NotFoundError
				if !errors.As(err, &nf) {
					t.Fatalf("error %T does not wrap a *NotFoundError", err)
				}
				if nf.Kind != tt.nf.Kind || nf.Name != tt.nf.Name || nf.Suggestion != tt.nf.Suggestion {
					t.Errorf("NotFoundError = %+v, want %+v", nf, tt.nf)
				}
				if tt.nf.Known != nil && !reflect.DeepEqual(nf.Known, tt.nf.Known) {
					t.Errorf("Known = %q, want %q", nf.Known, tt.nf.Known)
				}
			}
		})
	}
}

func TestResolveCredentialSources(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"Environment", "Ec2InstanceMetadata", "EcsContainer"} {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			c := buildConfig(t, "[profile a]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = "+src+"\n", "")
			r, err := c.Resolve("a")
			if err != nil {
				t.Fatal(err)
			}
			if r.Source != SourceRole || r.Parent != nil {
				t.Errorf("Source = %q, Parent = %v; want role without a parent", r.Source, r.Parent)
			}
			if got, _ := r.Get("credential_source"); got != src {
				t.Errorf("credential_source = %q", got)
			}
		})
	}
	// credential_source means nothing without a role_arn, as in botocore.
	c := buildConfig(t, "[profile a]\ncredential_source = Bogus\nsource_profile = a\n", "")
	if _, err := c.Resolve("a"); err != nil {
		t.Errorf("credential_source without role_arn: %v", err)
	}
}

func TestResolveNotFound(t *testing.T) {
	t.Parallel()
	const config = `
[default]
[profile production]
[profile staging]
[profile Dev]
[profile sandbox-eu-west-1]
[profile ab]
`
	c := buildConfig(t, config, "")
	known := []string{"Dev", "ab", "default", "production", "sandbox-eu-west-1", "staging"}
	tests := []struct {
		name, want string
	}{
		{"prodcution", "production"},               // transposition
		{"stagign", "staging"},                     // typo
		{"defualt", "default"},                     // typo
		{"dev", "Dev"},                             // case difference
		{"PRODUCTION", "production"},               // case difference beats distance
		{"sandbox", "sandbox-eu-west-1"},           // prefix
		{"prod", "production"},                     // prefix
		{"a", "ab"},                                // short: distance 1
		{"zzzzzzzz", ""},                           // nothing near
		{"", ""},                                   // empty name
		{"sandbox-us-east-2", "sandbox-eu-west-1"}, // within a third of the length
		{"staging-us-east-2", ""},                  // too far, not a prefix
		{"sandbox-eu-west-2", "sandbox-eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Resolve(tt.name)
			var nf *NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Resolve(%q) error = %v, want *NotFoundError", tt.name, err)
			}
			if nf.Suggestion != tt.want {
				t.Errorf("Suggestion = %q, want %q", nf.Suggestion, tt.want)
			}
			if nf.Kind != "profile" || nf.Name != tt.name || !reflect.DeepEqual(nf.Known, known) {
				t.Errorf("NotFoundError = %+v", nf)
			}
			want := `profile "` + tt.name + `" does not exist`
			if tt.want != "" {
				want += `; did you mean "` + tt.want + `"?`
			}
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
		})
	}
}

func TestDefaultPaths(t *testing.T) {
	t.Parallel()
	home := filepath.FromSlash("/home/u")
	env := map[string]string{
		"XDG":   "/xdg",
		"TILDE": "~",
		"EMPTY": "",
		"DIR":   "conf dir",
	}
	tests := []struct {
		name             string
		config, creds    *string // nil: unset
		wantCfg, wantCrd string
	}{
		{"unset", nil, nil, "/home/u/.aws/config", "/home/u/.aws/credentials"},
		{"empty is unset", ptr(""), ptr(""), "/home/u/.aws/config", "/home/u/.aws/credentials"},
		{"plain", ptr("/etc/aws/config"), ptr("/etc/aws/creds"), "/etc/aws/config", "/etc/aws/creds"},
		{"relative", ptr("config"), ptr("./creds"), "config", "./creds"},
		{"tilde", ptr("~/aws/config"), ptr("~"), "/home/u/aws/config", "/home/u"},
		{"~user is left (Python would look the user up)", ptr("~root/config"), nil, "~root/config", "/home/u/.aws/credentials"},
		{"dollar var", ptr("$XDG/aws/config"), ptr("$XDG/aws/credentials"), "/xdg/aws/config", "/xdg/aws/credentials"},
		{"braced var", ptr("${XDG}aws/config"), nil, "/xdgaws/config", "/home/u/.aws/credentials"},
		{"var with a space in its value", ptr("/$DIR/config"), nil, "/conf dir/config", "/home/u/.aws/credentials"},
		{"empty var", ptr("/a$EMPTY/config"), nil, "/a/config", "/home/u/.aws/credentials"},
		{"unset var left as written", ptr("$NOPE/config"), ptr("${NOPE}/creds"), "$NOPE/config", "${NOPE}/creds"},
		{"unset braced var hides its inside", ptr("${NOPE$XDG}/config"), nil, "${NOPE$XDG}/config", "/home/u/.aws/credentials"},
		{"unclosed brace", ptr("${XDG/config"), nil, "${XDG/config", "/home/u/.aws/credentials"},
		{"lone dollar", ptr("/a$/b$"), nil, "/a$/b$", "/home/u/.aws/credentials"},
		{"vars before tilde", ptr("$TILDE/config"), nil, "/home/u/config", "/home/u/.aws/credentials"},
		{"value not expanded again", ptr("$XDG$TILDE"), nil, "/xdg~", "/home/u/.aws/credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lookup := func(k string) (string, bool) {
				switch k {
				case "AWS_CONFIG_FILE":
					if tt.config == nil {
						return "", false
					}
					return *tt.config, true
				case "AWS_SHARED_CREDENTIALS_FILE":
					if tt.creds == nil {
						return "", false
					}
					return *tt.creds, true
				}
				v, ok := env[k]
				return v, ok
			}
			got := DefaultPaths(lookup, home)
			want := Paths{Config: filepath.FromSlash(tt.wantCfg), Credentials: filepath.FromSlash(tt.wantCrd)}
			if got != want {
				t.Errorf("DefaultPaths = %+v, want %+v", got, want)
			}
		})
	}
}

func ptr(s string) *string { return &s }
