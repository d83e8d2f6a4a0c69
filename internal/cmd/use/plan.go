package use

import (
	"errors"
	"fmt"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/genprofile"
)

// What `sesame use` writes to the config file, and when.
//
// A profile the AWS CLI can use on its own is used as it is: AWS_PROFILE is
// its name. That is every profile whose source_profile chain starts from
// something the AWS CLI reads itself: keys in the config or shared
// credentials file, IAM Identity Center, credential_process, a web identity
// token, or a role's credential_source.
//
// A chain that starts from keys that are in neither file (so in sesame's
// store) cannot be used by the AWS CLI. For such a profile NAME, `use`
// keeps a profile of its own in the config file, GeneratedPrefix+NAME:
//
//	[profile sesame-NAME]
//	# written by sesame use NAME; sesame rewrites it, so edit profile NAME instead
//	sesame_generated = use
//	credential_process = sesame export --format json -- NAME
//	region = eu-west-1
//
// with a copy of NAME's settings that are not about credentials (region,
// output, endpoint_url, ...; see genprofile.CopiedKeys). The user's profiles are never
// changed. A later `use` rewrites the generated profile when NAME's
// settings changed (in place, keeping its position and comments) and
// writes nothing when nothing changed. A profile of that name that lacks
// the marker is the user's: `use` stops with an error rather than touch
// it, and so it does when the shared credentials file has a section of
// that name (its keys would win over credential_process).

// GeneratedPrefix, MarkerKey and MarkerValue are those of internal/genprofile.
const (
	GeneratedPrefix = genprofile.Prefix
	MarkerKey       = genprofile.MarkerKey
	MarkerValue     = genprofile.MarkerValue
)

// KV is one key of the generated profile.
type KV struct{ Key, Value string }

// Plan is how a shell reaches a profile.
type Plan struct {
	// AWSProfile is the value for AWS_PROFILE.
	AWSProfile string
	// Generated says AWSProfile is the profile `use` writes (Keys).
	Generated bool
	// Keys are the generated profile's keys, in order.
	Keys []KV
	// Process is its credential_process.
	Process string
	// Why says why the AWS CLI cannot use the profile on its own.
	Why string
	// Region is the profile's region, or "".
	Region string
	// Resolved is the profile.
	Resolved *awsconfig.Resolved
}

// plan decides how the shell reaches profile: directly, or through a
// generated profile whose credential_process is process.
func plan(cfg *awsconfig.Config, profile, process string) (Plan, error) {
	r, err := cfg.Resolve(profile)
	if err != nil {
		return Plan{}, cmdutil.WithHint(fmt.Errorf("profile %s cannot be used: %w", profile, err), "run: sesame list")
	}
	p := Plan{AWSProfile: profile, Resolved: r}
	p.Region, _ = r.Get("region")
	why := needsSesame(r)
	if why == "" {
		return p, nil
	}
	name := GeneratedPrefix + profile
	if err := checkOwned(cfg, name, profile); err != nil {
		return Plan{}, err
	}
	p.AWSProfile, p.Generated, p.Process, p.Why = name, true, process, why
	for _, kv := range genprofile.Keys(r, process) {
		p.Keys = append(p.Keys, KV{kv[0], kv[1]})
	}
	return p, nil
}

// needsSesame returns why the AWS CLI cannot get r's credentials on its
// own, or "" when it can.
func needsSesame(r *awsconfig.Resolved) string {
	root := r.Root()
	switch root.Source {
	case awsconfig.SourceKeys:
	case awsconfig.SourceRole:
		// The root of a chain is a role only with credential_source, or
		// when its source_profile is itself (its own keys assume it).
		if _, ok := root.Get("credential_source"); ok {
			return ""
		}
	case awsconfig.SourceLogin:
		// The AWS CLI reads login_session only from its own cache file,
		// and botocore only with its crt extra; sesame keeps the session
		// in its store.
		if root.Name == r.Name {
			return "its AWS Sign-In session is in sesame's store, which the AWS CLI cannot read"
		}
		return fmt.Sprintf("it starts from profile %s, whose AWS Sign-In session is in sesame's store, which the AWS CLI cannot read", root.Name)
	default:
		return "" // sso, process, web identity: the AWS CLI does those
	}
	id, _ := root.Get("aws_access_key_id")
	secret, _ := root.Get("aws_secret_access_key")
	if id != "" && secret != "" {
		return ""
	}
	if root.Name == r.Name {
		return "its keys are in sesame's store, which the AWS CLI cannot read"
	}
	return fmt.Sprintf("it starts from profile %s, whose keys are in sesame's store, which the AWS CLI cannot read", root.Name)
}

// checkOwned refuses a generated profile name that belongs to the user.
func checkOwned(cfg *awsconfig.Config, name, profile string) error {
	p, ok := cfg.Profile(name)
	if !ok {
		return nil
	}
	if p.InCredentials {
		return cmdutil.WithHint(fmt.Errorf("sesame use %s reaches it through a profile named %s, but %s has a [%s] section, which the AWS CLI would use instead",
			profile, name, cfg.Paths.Credentials, name),
			fmt.Sprintf("remove [%s] from %s, or use sesame use --keys %s", name, cfg.Paths.Credentials, profile))
	}
	if v, _ := p.Get(MarkerKey); v != MarkerValue {
		return errNotOurs(cfg.Paths.Config, name, profile)
	}
	return nil
}

func errNotOurs(path, name, profile string) error {
	return cmdutil.WithHint(fmt.Errorf("sesame use %s reaches it through a profile named %s, but %s already has one that sesame use did not write (it has no %s = %s), and sesame will not change it",
		profile, name, path, MarkerKey, MarkerValue),
		fmt.Sprintf("rename or remove [%s] in %s, or use sesame use --keys %s", awsconfig.ConfigSection(name), path, profile))
}

// writeGenerated makes the config file's profile name hold exactly keys
// (after a comment naming profile), and reports whether it changed the
// file. It never touches a profile that lacks the marker.
func writeGenerated(path, name, profile string, keys []KV) (bool, error) {
	var changed bool
	err := awsconfig.Update(path, func(f *awsconfig.File) error {
		changed = false
		section, exists := f.ProfileSection(name)
		if !exists {
			section = awsconfig.ConfigSection(name)
			for i, kv := range keys {
				if err := f.Set(section, kv.Key, kv.Value); err != nil {
					return err
				}
				if i == 0 {
					if err := f.AddComment(section, "written by sesame use "+profile+"; sesame rewrites it, so edit profile "+profile+" instead"); err != nil {
						return err
					}
				}
			}
			changed = true
			return nil
		}
		sec, _ := f.Section(section)
		if k, ok := sec.Key(MarkerKey); !ok || k.Value != MarkerValue {
			return errNotOurs(path, name, profile)
		}
		want := map[string]bool{}
		for _, kv := range keys {
			want[kv.Key] = true
		}
		var stale []string
		for _, k := range sec.Keys {
			if !want[k.Name] {
				stale = append(stale, k.Name)
			}
		}
		for _, k := range stale {
			if _, err := f.Unset(section, k); err != nil {
				return err
			}
			changed = true
		}
		for _, kv := range keys {
			sec, _ := f.Section(section)
			if k, ok := sec.Key(kv.Key); ok && k.Value == kv.Value {
				continue
			}
			if err := f.Set(section, kv.Key, kv.Value); err != nil {
				return err
			}
			changed = true
		}
		return nil
	})
	if err != nil {
		var pe *awsconfig.ParseError
		if errors.As(err, &pe) {
			return false, cmdutil.ConfigError(err)
		}
		if cmdutil.Hint(err) != "" {
			return false, err
		}
		return false, cmdutil.WithHint(err, "check the file and its folder's permissions, or use sesame use --keys")
	}
	return changed, nil
}
