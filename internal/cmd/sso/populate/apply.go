package populate

import (
	"github.com/sesamehq/sesame/internal/awsconfig"
)

// apply makes the plan's changes to f in one batch (awsconfig's File.Apply:
// one parse for the whole run, every other line kept byte for byte, and the
// result checked to read exactly as planned).
func apply(f *awsconfig.File, p *Plan) error {
	edits := make([]awsconfig.SectionEdit, 0, len(p.Changes))
	for _, c := range p.Changes {
		e := awsconfig.SectionEdit{Section: c.Section, Remove: c.Kind == Removed}
		if !e.Remove {
			for _, kv := range c.New {
				e.Set = append(e.Set, awsconfig.KeyValue{Key: kv.Key, Value: kv.Value})
			}
		}
		edits = append(edits, e)
	}
	return f.Apply(edits)
}
