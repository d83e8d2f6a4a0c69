package doctor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// checkProfiles: every profile resolves; a source_profile, include_profile
// or sso_session that does not exist, or a loop, is named once.
func checkProfiles(_ context.Context, e *Env) []Line {
	cfg := e.config()
	if cfg == nil {
		return nil
	}
	var lines []Line
	seen := map[string]bool{}
	for _, name := range cfg.ProfileNames() {
		_, err := cfg.Resolve(name)
		if err == nil {
			continue
		}
		key := err.Error()
		var ce *awsconfig.CycleError
		if errors.As(err, &ce) {
			key = "loop " + strings.Join(loopMembers(ce.Path), " ")
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		msg := e.tilde(err.Error())
		if ce != nil {
			// The loop itself, without the profiles that lead into it.
			last := ce.Path[len(ce.Path)-1]
			msg = fmt.Sprintf("%s loop: %s", ce.Key, strings.Join(ce.Path[slices.Index(ce.Path, last):], " -> "))
		}
		lines = append(lines, fail(profileFix(e, cfg, err), "%s", msg))
	}
	if len(lines) == 0 {
		lines = append(lines, ok("%s resolve: no missing or circular source_profile, include_profile or sso_session", plural(len(cfg.ProfileNames()), "profile")))
	}
	return lines
}

// loopMembers returns the names that make up the loop at the end of path
// (whose last name repeats an earlier one), sorted.
func loopMembers(path []string) []string {
	if len(path) == 0 {
		return nil
	}
	last := path[len(path)-1]
	i := slices.Index(path, last)
	members := slices.Clone(path[i : len(path)-1])
	sort.Strings(members)
	return members
}

// profileFix says how to fix a profile that does not resolve.
func profileFix(e *Env, cfg *awsconfig.Config, err error) string {
	file := e.show(cfg.Paths.Config)
	var ce *awsconfig.CycleError
	if errors.As(err, &ce) {
		members := loopMembers(ce.Path)
		sections := make([]string, len(members))
		for i, m := range members {
			sections[i] = "[" + awsconfig.ConfigSection(m) + "]"
		}
		return fmt.Sprintf("break the loop: change %s in one of %s in %s", ce.Key, strings.Join(sections, ", "), file)
	}
	var nf *awsconfig.NotFoundError
	if errors.As(err, &nf) {
		key := "source_profile"
		if strings.Contains(err.Error(), ": include_profile profile ") {
			key = "include_profile"
		}
		section := "[" + awsconfig.ConfigSection(nf.Name) + "]"
		if nf.Kind == "sso-session" {
			key, section = "sso_session", "["+awsconfig.SSOSessionSection(nf.Name)+"]"
		}
		if nf.Suggestion != "" {
			return fmt.Sprintf("change %s %q to %q in %s", key, nf.Name, nf.Suggestion, file)
		}
		return fmt.Sprintf("add a %s section to %s, or change the %s that names it", section, file, key)
	}
	return "correct the profile in " + file
}
