package status

import (
	"context"
	"slices"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// signinEntries lists the AWS Sign-In sessions: those in sesame's store
// and those the config's login_session values name (an aws login file).
func signinEntries(ctx context.Context, o *Options, cfg *awsconfig.Config) ([]Entry, error) {
	mgr, err := o.SignIn()
	if err != nil {
		return nil, err
	}
	sessions, err := mgr.Stored(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range cfg.ProfileNames() {
		r, err := cfg.Resolve(name)
		if err != nil || r.Source != awsconfig.SourceLogin {
			continue
		}
		if ls, _ := r.Get("login_session"); !slices.Contains(sessions, ls) {
			sessions = append(sessions, ls)
		}
	}
	var out []Entry
	for _, ls := range sessions {
		s, err := mgr.Status(ctx, ls)
		if err != nil {
			// A damaged aws login file: doctor and the profile's own
			// commands say what is wrong; status lists what works.
			continue
		}
		if s.Found {
			out = append(out, Entry{Type: "signin", Name: ls, Expiration: s.Expires.UTC(), Refreshable: s.Refreshable})
		}
	}
	return out, nil
}
