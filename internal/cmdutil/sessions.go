package cmdutil

import (
	"context"
	"slices"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/store"
)

// ClearSessionsOf deletes the cached sessions of profile and of every
// profile whose source_profile chain goes through it: they were all made
// from its keys, which have just changed or gone.
func ClearSessionsOf(ctx context.Context, st *store.Store, cfg *awsconfig.Config, profile string) (int, error) {
	profiles := []string{profile}
	if cfg != nil {
		for _, name := range cfg.ProfileNames() {
			if r, err := cfg.Resolve(name); err == nil && name != profile && slices.Contains(r.Chain(), profile) {
				profiles = append(profiles, name)
			}
		}
	}
	return st.ClearProfiles(ctx, profiles)
}
