package configure

import (
	"fmt"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// replacedKeys are the keys that give a profile credentials some way other
// than its sso_session: replacing a profile removes them, so that the
// profile means what the wizard wrote. (Static keys win over SSO in
// botocore; role_arn would turn the SSO role into a source profile;
// sso_start_url next to sso_session must match it; include_profile could
// bring any of them in; sesame_generated hands a profile to sso populate,
// which may rewrite or prune it.)
var replacedKeys = []string{
	"aws_access_key_id", "aws_secret_access_key", "aws_session_token",
	"role_arn", "source_profile", "credential_source", "credential_process", "web_identity_token_file",
	"sso_start_url", "sso_region", "sso_registration_scopes",
	"include_profile", "sesame_generated",
}

// writeSession writes the sso-session's keys, in its existing section if
// there is one.
func (w *wizard) writeSession() error {
	s := w.session
	err := awsconfig.Update(w.cfg.Paths.Config, func(f *awsconfig.File) error {
		section := awsconfig.SSOSessionSection(s.Name)
		if cfg, err := awsconfig.Build(w.cfg.Paths, f, nil); err == nil {
			if sec, ok := cfg.SSOSession(s.Name); ok {
				section = sec.Section
			}
		}
		for _, kv := range [][2]string{
			{"sso_start_url", s.StartURL},
			{"sso_region", s.Region},
			{"sso_registration_scopes", strings.Join(s.Scopes, ", ")},
		} {
			if err := f.Set(section, kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing [sso-session %s]: %w", s.Name, err)
	}
	w.sessionWritten = true
	return nil
}

// targets are the profiles to write: the chosen name, and default when it
// is the default profile.
func (w *wizard) targets() []string {
	if w.asDflt && w.profile != "default" {
		return []string{w.profile, "default"}
	}
	return []string{w.profile}
}

// writeProfile writes the profile (and [default]) in one update of the
// config file. An existing section is changed in place: its keys are set,
// the keys of replacedKeys removed, and everything else kept.
func (w *wizard) writeProfile() error {
	keys := [][2]string{
		{"sso_session", w.session.Name},
		{"sso_account_id", w.account.ID},
		{"sso_role_name", w.role},
		{"region", w.region},
		{"output", w.output},
	}
	var replaced []string
	err := awsconfig.Update(w.cfg.Paths.Config, func(f *awsconfig.File) error {
		replaced = nil // Update may call this again on a fresh File
		for _, name := range w.targets() {
			section, ok := f.ProfileSection(name)
			if !ok {
				section = awsconfig.ConfigSection(name)
			}
			var removed []string
			for _, k := range replacedKeys {
				did, err := f.Unset(section, k)
				if err != nil {
					return err
				}
				if did {
					removed = append(removed, k)
				}
			}
			if len(removed) > 0 {
				replaced = append(replaced, fmt.Sprintf("removed %s from [%s]", strings.Join(removed, ", "), section))
			}
			for _, kv := range keys {
				if err := f.Set(section, kv[0], kv[1]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing [profile %s]: %w", w.profile, err)
	}
	w.replaced = replaced
	return nil
}
