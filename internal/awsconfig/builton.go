package awsconfig

import "slices"

// BuiltOn returns profile and every profile of c whose source_profile
// chain goes through it: the profiles whose cached sessions were made from
// profile's keys, to be cleared when those keys change or go. A nil c (no
// config could be read) gives profile alone.
func (c *Config) BuiltOn(profile string) []string {
	profiles := []string{profile}
	if c == nil {
		return profiles
	}
	for _, name := range c.ProfileNames() {
		if name == profile {
			continue
		}
		if r, err := c.Resolve(name); err == nil && slices.Contains(r.Chain(), profile) {
			profiles = append(profiles, name)
		}
	}
	return profiles
}
