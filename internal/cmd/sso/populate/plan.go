package populate

import (
	"fmt"
	"io"
	"slices"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/store"
)

// MarkerKey marks a profile as written by `sesame sso populate`; its value
// is the sso-session it was generated for. botocore and the AWS CLI keep
// keys they do not know, so the marker costs nothing; it is how a later run
// knows which profiles it may update or (with --prune) remove. A profile
// without it is hand-written and never touched.
const MarkerKey = "sesame_generated"

// Kind is what a run does to one profile.
type Kind int

// Kinds of Change.
const (
	Added Kind = iota + 1
	Updated
	Removed
)

// KV is one key of a profile.
type KV struct {
	Key, Value string
}

// Change is what a run does to one generated profile.
type Change struct {
	Kind Kind
	// Name is the profile's name; Section its config-file section.
	Name    string
	Section string
	// Old are the keys removed or changed, as they are now; New the keys
	// added or changed, as they will be. A removed profile has every key
	// in Old, an added one every key in New.
	Old, New []KV

	sec *awsconfig.Section // the existing section (Updated, Removed)
}

// Plan is every change of a run, existing profiles in file order, then
// the added ones in the order they are appended.
type Plan struct {
	Changes []Change
}

// Count returns how many changes there are of kind k.
func (p *Plan) Count(k Kind) int {
	n := 0
	for _, c := range p.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// planOptions are the inputs of a plan besides the file.
type planOptions struct {
	// Session is the sso-session's name.
	Session string
	// Region, when not empty, is written as every generated profile's
	// region; when empty, region is neither written nor changed.
	Region string
	// Prune removes generated profiles of the session that this run does
	// not write.
	Prune bool
	Namer *Namer
	// Paths and Credentials are for the profiles of the shared credentials
	// file, whose names are taken too.
	Paths       awsconfig.Paths
	Credentials *awsconfig.File
}

// ours is a profile generated for the session, as it is now.
type ours struct {
	sec  *awsconfig.Section
	pair pair
}

// makePlan works out the changes that bring f's generated profiles of the
// session in line with accounts. It does not change f.
func makePlan(f *awsconfig.File, accounts []store.ListedAccount, o planOptions) (*Plan, error) {
	cfg, err := awsconfig.Build(o.Paths, f, o.Credentials)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	mine := map[string]ours{}
	for _, name := range cfg.ProfileNames() {
		p, _ := cfg.Profile(name)
		sec, ok := f.Section(p.Section)
		if !ok || p.Section == "" {
			taken[name] = true
			continue
		}
		// Ours: marked for this session. A profile of sesame use (marked
		// "use", which could be a session's name too) runs
		// credential_process, which populate never writes.
		_, useProfile := sec.Key("credential_process")
		if k, ok := sec.Key(MarkerKey); !ok || k.Value != o.Session || useProfile {
			taken[name] = true
			continue
		}
		mine[name] = ours{sec: sec, pair: pair{AccountID: value(sec, "sso_account_id"), Role: value(sec, "sso_role_name")}}
	}

	var wants []want
	for _, a := range accounts {
		for _, role := range a.Roles {
			base, err := o.Namer.Name(a, role)
			if err != nil {
				return nil, err
			}
			wants = append(wants, want{pair: pair{AccountID: a.ID, Role: role}, Account: a, Base: base})
		}
	}
	ourPairs := make(map[string]pair, len(mine))
	for n, m := range mine {
		ourPairs[n] = m.pair
	}
	assignNames(wants, taken, ourPairs, !o.Prune)

	byName := map[string]*Change{}
	var added []Change
	written := map[string]bool{}
	for _, w := range wants {
		written[w.Name] = true
		keys := []KV{{"sso_session", o.Session}, {"sso_account_id", w.AccountID}, {"sso_role_name", w.Role}}
		if o.Region != "" {
			keys = append(keys, KV{"region", o.Region})
		}
		keys = append(keys, KV{MarkerKey, o.Session})
		m, ok := mine[w.Name]
		if !ok {
			added = append(added, Change{Kind: Added, Name: w.Name, Section: awsconfig.ConfigSection(w.Name), New: keys})
			continue
		}
		c := Change{Kind: Updated, Name: w.Name, Section: m.sec.Name, sec: m.sec}
		for _, kv := range keys {
			k, had := m.sec.Key(kv.Key)
			if had && k.Value == kv.Value {
				continue
			}
			if had {
				c.Old = append(c.Old, KV{kv.Key, k.Value})
			}
			c.New = append(c.New, kv)
		}
		if len(c.New) > 0 {
			byName[w.Name] = &c
		}
	}
	if o.Prune {
		for name, m := range mine {
			if written[name] {
				continue
			}
			c := Change{Kind: Removed, Name: name, Section: m.sec.Name, sec: m.sec}
			for _, k := range m.sec.Keys {
				c.Old = append(c.Old, KV{k.Name, k.Value})
			}
			byName[name] = &c
		}
	}
	p := &Plan{}
	for _, c := range byName {
		p.Changes = append(p.Changes, *c)
	}
	slices.SortFunc(p.Changes, func(a, b Change) int { return a.sec.Line - b.sec.Line })
	p.Changes = append(p.Changes, added...)
	return p, nil
}

func value(sec *awsconfig.Section, key string) string {
	if k, ok := sec.Key(key); ok {
		return k.Value
	}
	return ""
}

// WriteDiff writes the plan as a diff, one block a profile: "+" lines are
// added, "-" lines removed, " " lines context; blocks are separated by a
// blank line.
func (p *Plan) WriteDiff(w io.Writer) error {
	for i, c := range p.Changes {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		mark := map[Kind]string{Added: "+", Updated: " ", Removed: "-"}[c.Kind]
		if _, err := fmt.Fprintf(w, "%s[%s]\n", mark, c.Section); err != nil {
			return err
		}
		for _, kv := range c.Old {
			if _, err := fmt.Fprintf(w, "-%s\n", line(kv)); err != nil {
				return err
			}
		}
		for _, kv := range c.New {
			if _, err := fmt.Fprintf(w, "+%s\n", line(kv)); err != nil {
				return err
			}
		}
	}
	return nil
}

func line(kv KV) string {
	if kv.Value == "" {
		return kv.Key + " ="
	}
	return kv.Key + " = " + kv.Value
}
