package store

import (
	"context"
	"slices"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// ClearSessionsOf deletes the cached sessions of profile and of every
// profile of cfg whose source_profile chain goes through it: they were all
// made from its keys, which have just changed or gone. A nil cfg clears
// profile's sessions only.
func (s *Store) ClearSessionsOf(ctx context.Context, cfg *awsconfig.Config, profile string) (int, error) {
	profiles := []string{profile}
	if cfg != nil {
		for _, name := range cfg.ProfileNames() {
			if r, err := cfg.Resolve(name); err == nil && name != profile && slices.Contains(r.Chain(), profile) {
				profiles = append(profiles, name)
			}
		}
	}
	return s.ClearProfiles(ctx, profiles)
}
