package awsconfig

import "sync"

// lazyConfig builds a Config's profiles and sso-sessions one at a time,
// from the sections scanFile found, until complete builds them all.
type lazyConfig struct {
	mu       sync.Mutex
	cfg      *scanIndex // nil when there is no config file
	cred     *scanIndex // nil when there is no credentials file
	done     bool       // everything is built: the maps are whole
	missing  map[string]bool
	missingS map[string]bool
}

func newLazy(p Paths, cfgIdx, credIdx *scanIndex) *Config {
	c := &Config{Paths: p, profiles: map[string]*Profile{}, ssoSessions: map[string]*SSOSession{}, memo: newResolveMemo(0),
		lazy: &lazyConfig{cfg: cfgIdx, cred: credIdx, missing: map[string]bool{}, missingS: map[string]bool{}}}
	if cfgIdx != nil {
		c.ConfigFile = &File{Path: p.Config, pending: cfgIdx}
	}
	if credIdx != nil {
		c.CredentialsFile = &File{Path: p.Credentials, pending: credIdx}
	}
	return c
}

// profile is Config.Profile: the profile built from its config-file section
// (the last one naming it) with its credentials-file section merged over
// it, as Build builds it.
func (l *lazyConfig) profile(c *Config, name string) (*Profile, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := c.profiles[name]; ok || l.done || l.missing[name] {
		return p, ok
	}
	var p *Profile
	if l.cfg != nil {
		if i := l.cfg.find(kindProfile, name); i >= 0 {
			s := l.cfg.section(c.Paths.Config, i)
			p = &Profile{Name: name, Section: s.Name, values: sectionValues(c.Paths.Config, s)}
		}
	}
	if l.cred != nil {
		if i, ok := l.cred.byName[name]; ok {
			s := l.cred.section(c.Paths.Credentials, i)
			if p == nil {
				p = &Profile{Name: name}
			}
			p.InCredentials = true
			for _, kv := range sectionValues(c.Paths.Credentials, s) {
				kv.Value.inCredentials = true
				p.values.set(kv.key, kv.Value)
			}
		}
	}
	if p == nil {
		l.missing[name] = true
		return nil, false
	}
	c.profiles[name] = p
	return p, true
}

// ssoSession is Config.SSOSession.
func (l *lazyConfig) ssoSession(c *Config, name string) (*SSOSession, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := c.ssoSessions[name]; ok || l.done || l.missingS[name] {
		return s, ok
	}
	if l.cfg != nil {
		if i := l.cfg.find(kindSSOSession, name); i >= 0 {
			sec := l.cfg.section(c.Paths.Config, i)
			s := &SSOSession{Name: name, Section: sec.Name, values: sectionValues(c.Paths.Config, sec)}
			c.ssoSessions[name] = s
			return s, true
		}
	}
	l.missingS[name] = true
	return nil, false
}

// sectionValues is File.values for a section of a scanned file: the scan
// checked its nested values and that the file has no [DEFAULT].
func sectionValues(path string, s *Section) valueSet {
	f := &File{Path: path}
	v, err := f.values(s)
	if err != nil {
		panic("awsconfig: the scan and Build disagree on section [" + s.Name + "] of " + path + ": " + err.Error())
	}
	return v
}

// complete builds every profile and sso-session, as Build does; those
// built already are kept, so that a *Profile handed out stays the one the
// Config holds.
func (c *Config) complete() {
	l := c.lazy
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	full, err := build(c.Paths, c.ConfigFile, c.CredentialsFile, false)
	if err != nil {
		panic("awsconfig: the scan accepted a file that Build refuses: " + err.Error())
	}
	for name, p := range full.profiles {
		if _, ok := c.profiles[name]; !ok {
			c.profiles[name] = p
		}
	}
	for name, s := range full.ssoSessions {
		if _, ok := c.ssoSessions[name]; !ok {
			c.ssoSessions[name] = s
		}
	}
	l.done = true
}

// completed reports whether complete has run, and then how many profiles
// there are.
func (l *lazyConfig) completed(c *Config) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(c.profiles), l.done
}
