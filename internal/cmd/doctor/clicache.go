package doctor

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// checkCLICache: the AWS CLI's SSO cache (~/.aws/sso/cache) holds no
// expired sign-in that cannot renew itself.
func checkCLICache(_ context.Context, e *Env) []Line {
	dir := filepath.Join(e.Home, ".aws", "sso", "cache")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return []Line{ok("no sign-ins in the AWS CLI's SSO cache (%s)", e.show(dir))}
	}
	sort.Strings(files)
	// Which sign-in each file is, by its name (the SHA-1 of the
	// sso-session name or start URL) or by its start URL.
	byFile, byURL := map[string]ssoTarget{}, map[string]ssoTarget{}
	if cfg := e.config(); cfg != nil {
		for _, tg := range ssoTargets(cfg) {
			byFile[tg.session.CacheFile()] = tg
			if tg.session.Name == "" {
				byURL[tg.session.StartURL] = tg
			}
		}
	}
	now := e.Now()
	var lines []Line
	tokens := 0
	for _, path := range files {
		data, err := awsconfig.ReadFile(path)
		if err != nil {
			continue // the file-modes check reports unreadable files
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			lines = append(lines, warn("rm "+e.show(path), "%s is not JSON", e.show(path)))
			continue
		}
		str := func(k string) string { v, _ := m[k].(string); return v }
		if str("accessToken") == "" {
			continue // a client registration, not a sign-in
		}
		tokens++
		expires, okTime := cliTime(str("expiresAt"))
		renews := str("refreshToken") != "" && str("clientSecret") != ""
		if reg, known := cliTime(str("registrationExpiresAt")); renews && (!known || !reg.After(now)) {
			renews = false
		}
		if okTime && expires.After(now) || renews {
			continue
		}
		tg, known := byFile[filepath.Base(path)]
		if !known {
			tg, known = byURL[str("startUrl")]
		}
		ago := "at an unknown time"
		if okTime {
			ago = timefmt.Short(now.Sub(expires)) + " ago"
		}
		if known {
			lines = append(lines, warn(tg.login+" --share", "%s: the AWS CLI's sign-in to %s expired %s", e.show(path), tg.session.Describe(), ago))
		} else {
			lines = append(lines, warn("rm "+e.show(path), "%s: an AWS CLI sign-in that no profile uses expired %s", e.show(path), ago))
		}
	}
	if len(lines) == 0 {
		return []Line{ok("AWS CLI's SSO cache: %s, none expired", plural(tokens, "sign-in"))}
	}
	return lines
}

// cliTime parses a time as the AWS CLI and SDKs write it in the cache.
func cliTime(s string) (time.Time, bool) {
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
