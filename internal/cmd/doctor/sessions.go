package doctor

import (
	"context"
	"sort"
	"time"

	"github.com/sesamehq/sesame/internal/timefmt"
)

// checkSessions: cached sessions that have expired, or expire within
// ExpiringWithin. sesame starts a new session by itself when one is used;
// clearing them now removes the stale ones.
func checkSessions(ctx context.Context, e *Env) []Line {
	cfg := e.config()
	st, err := e.store(ctx)
	if cfg == nil || err != nil {
		return nil
	}
	// The zero time: every session, the expired ones too.
	inv, err := st.Inventory(ctx, cfg.ProfileNames(), time.Time{})
	if err != nil {
		return []Line{fail("sesame clear", "cannot read the cached sessions: %s", e.tilde(err.Error()))}
	}
	now := e.Now()
	profiles := make([]string, 0, len(inv.Sessions))
	for p := range inv.Sessions {
		profiles = append(profiles, p)
	}
	sort.Strings(profiles)
	var lines []Line
	valid := 0
	for _, p := range profiles {
		left := inv.Sessions[p].Sub(now)
		switch {
		case left <= 0:
			lines = append(lines, warn("sesame clear "+p, "profile %s: the cached session expired %s ago", p, timefmt.Short(-left)))
		case left < ExpiringWithin:
			lines = append(lines, warn("sesame clear "+p+"   # the next command then starts a new session", "profile %s: the cached session expires in %s", p, timefmt.Short(left)))
		default:
			valid++
		}
	}
	switch {
	case len(profiles) == 0:
		return []Line{ok("no cached sessions")}
	case len(lines) == 0:
		return []Line{ok("cached sessions: %s, valid for more than %s", plural(valid, "profile"), timefmt.Short(ExpiringWithin))}
	}
	return lines
}
