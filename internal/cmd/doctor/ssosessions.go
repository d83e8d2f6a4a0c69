package doctor

import (
	"context"
	"errors"
	"fmt"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/sso"
)

// checkSSOSessions: every sso-session, and every profile that signs in
// with a start URL of its own, has an https start URL and a region that
// matches the start URL's (sso.SessionNamed and sso.SessionFor check it).
func checkSSOSessions(_ context.Context, e *Env) []Line {
	cfg := e.config()
	if cfg == nil {
		return nil
	}
	var lines []Line
	seen := map[string]bool{}
	report := func(err error) {
		if err == nil || seen[err.Error()] {
			return
		}
		seen[err.Error()] = true
		fix := "correct " + e.show(cfg.Paths.Config)
		var ce *sso.ConfigError
		if errors.As(err, &ce) {
			fix = fmt.Sprintf("correct %s in %s of %s", ce.Key, ce.Where, e.show(ce.File))
		}
		lines = append(lines, fail(fix, "%s", e.tilde(err.Error())))
	}
	n := 0
	for _, name := range cfg.SSOSessionNames() {
		n++
		_, err := sso.SessionNamed(cfg, name)
		report(err)
	}
	for _, name := range cfg.ProfileNames() {
		r, err := cfg.Resolve(name)
		if err != nil || r.Source != awsconfig.SourceSSO {
			continue
		}
		if r.SSOSession == nil {
			n++
		}
		_, hasAccount := r.Get("sso_account_id")
		_, hasRole := r.Get("sso_role_name")
		_, err = sso.SessionFor(cfg, r, hasAccount || hasRole)
		report(err)
	}
	if len(lines) == 0 {
		if n == 0 {
			return []Line{ok("no IAM Identity Center sign-ins configured")}
		}
		lines = append(lines, ok("IAM Identity Center: start URLs and regions agree"))
	}
	return lines
}
