package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// checkPlaintextKeys: long-term key pairs in plain text, in the shared
// credentials file (sesame migrate moves them) and in the config file.
// Temporary credentials (with a session token), such as export --write
// writes, are not reported.
func checkPlaintextKeys(_ context.Context, e *Env) []Line {
	var lines []Line
	if profiles, ok := longTermKeys(e.Paths.Credentials, false); ok && len(profiles) > 0 {
		lines = append(lines, fail("sesame migrate", "%s holds plain-text long-term keys: %s", e.show(e.Paths.Credentials), profileList(profiles)))
	}
	if profiles, ok := longTermKeys(e.Paths.Config, true); ok {
		for _, p := range profiles {
			lines = append(lines, fail(fmt.Sprintf("sesame add %s, then delete aws_access_key_id and aws_secret_access_key from [%s] in %s",
				p, awsconfig.ConfigSection(p), e.show(e.Paths.Config)),
				"%s holds a plain-text long-term key: profile %s", e.show(e.Paths.Config), p))
		}
	}
	if len(lines) == 0 {
		lines = append(lines, ok("no plain-text long-term keys in %s or %s", e.show(e.Paths.Credentials), e.show(e.Paths.Config)))
	}
	return lines
}

// longTermKeys returns the profiles of path that hold a secret access key
// and no session token; false when the file cannot be read or parsed (the
// files check reports that).
func longTermKeys(path string, configFile bool) ([]string, bool) {
	data, err := awsconfig.ReadFile(path)
	if err != nil {
		return nil, errors.Is(err, fs.ErrNotExist)
	}
	f, err := awsconfig.Parse(path, data)
	if err != nil {
		return nil, false
	}
	var out []string
	for _, s := range f.Sections() {
		_, secret := s.Key("aws_secret_access_key")
		_, token := s.Key("aws_session_token")
		if !secret || token {
			continue
		}
		name := s.Name
		if configFile {
			var isProfile bool
			if name, isProfile = profileOfSection(s.Name); !isProfile {
				continue
			}
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, true
}

// profileOfSection is the profile a config file section names, as
// botocore reads "[default]" and "[profile NAME]".
func profileOfSection(section string) (string, bool) {
	if section == "default" {
		return "default", true
	}
	words := strings.Fields(section)
	if len(words) == 2 && words[0] == "profile" {
		return strings.Trim(words[1], `"'`), true
	}
	return "", false
}

func profileList(names []string) string {
	const most = 10
	if len(names) <= most {
		return "profiles " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("profiles %s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}
