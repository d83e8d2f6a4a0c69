package awsconfig

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzParse checks the parser, Build, Resolve and the editor on any input:
// nothing panics; a file that parses gives back its exact bytes; an edit
// either fails and leaves the bytes alone, or reads back (from a fresh
// parse) as exactly what was asked with every other key unchanged.
func FuzzParse(f *testing.F) {
	txtars, _ := filepath.Glob("testdata/botocore/*.txtar")
	if len(txtars) == 0 {
		f.Fatal("no seed corpus in testdata/botocore")
	}
	for _, path := range txtars {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			f.Add(file.Data)
		}
	}
	for _, c := range byteCases {
		f.Add(c.config)
		f.Add(c.creds)
	}
	f.Add([]byte(keepFile))
	// Edits that must be refused: each would turn the indented header into
	// a continuation of the key before it.
	f.Add([]byte("[a]\nx = 1\n[b]\n  [c]\nz = 1\n"))
	f.Add([]byte("[a]\n  [b]\nz = 1\n"))
	f.Add([]byte("[DEFAULT]\nregion = a\n[p]\n[DEFAULT]\n  [b]\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		checkScan(t, data)
		file, err := Parse("config", data)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("Parse error %T is not a *ParseError: %v", err, err)
			}
			return
		}
		if got := file.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("Bytes() = %q, want the input %q", got, data)
		}

		// Build and Resolve, with the file as either file.
		for _, c := range []struct{ cfg, cred *File }{{file, nil}, {nil, file}, {file, file}} {
			conf, err := Build(testPaths, c.cfg, c.cred)
			if err != nil {
				continue
			}
			for _, name := range conf.ProfileNames() {
				if r, err := conf.Resolve(name); err == nil {
					_ = r.Chain()
					_ = r.Root()
				}
			}
			_, _ = conf.Resolve("no such profile")
		}

		// Edits: a fixed key in a fixed section, and in each of the file's
		// first sections a new key and its last key.
		type target struct{ section, key string }
		targets := []target{{"profile fuzz", "region"}, {"default", "region"}}
		for i, s := range file.sections {
			if i == 8 {
				break
			}
			targets = append(targets, target{s.Name, "fuzz_key"})
			if n := len(s.Keys); n > 0 {
				targets = append(targets, target{s.Name, s.Keys[n-1].Name})
			}
		}
		for _, tg := range targets {
			checkFuzzEdit(t, data, tg.section, tg.key, func(g *File) error { return g.Set(tg.section, tg.key, "eu-west-1 # x") },
				func(after map[string][]string) bool {
					keys := after[tg.section]
					for i := 0; i+1 < len(keys); i += 2 {
						if keys[i] == tg.key {
							return keys[i+1] == "eu-west-1 # x"
						}
					}
					return false
				})
			checkFuzzEdit(t, data, tg.section, tg.key, func(g *File) error { _, err := g.Unset(tg.section, tg.key); return err },
				func(after map[string][]string) bool {
					keys := after[tg.section]
					for i := 0; i < len(keys); i += 2 {
						if keys[i] == tg.key {
							return false
						}
					}
					return true
				})
			if tg.section != defaultSection {
				checkFuzzEdit(t, data, tg.section, "", func(g *File) error { _, err := g.RemoveSection(tg.section); return err },
					func(after map[string][]string) bool { _, still := after[tg.section]; return !still })
			}
		}
	})
}

// checkFuzzEdit applies edit to a fresh parse of data. When edit fails the
// bytes must be unchanged; otherwise a fresh parse of the result must pass
// ok, and every section and key but key in section (all of section when key
// is "") must read as before.
func checkFuzzEdit(t *testing.T, data []byte, section, key string, edit func(*File) error, ok func(map[string][]string) bool) {
	t.Helper()
	g, err := Parse("config", data)
	if err != nil {
		t.Fatal(err)
	}
	before := fuzzView(g)
	if err := edit(g); err != nil {
		if got := g.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("a failed edit of [%s] %s changed the file:\n%q\n%q", section, key, data, got)
		}
		return
	}
	out := g.Bytes()
	h, err := Parse("config", out)
	if err != nil {
		t.Fatalf("edit of [%s] %s wrote a file that does not parse: %v\n%q", section, key, err, out)
	}
	after := fuzzView(h)
	if !ok(after) {
		t.Fatalf("edit of [%s] %s does not read back as asked:\n%q\n%q", section, key, data, out)
	}
	if !reflect.DeepEqual(fuzzView(g), after) {
		t.Fatalf("the edited File and a fresh parse of its bytes differ:\n%q", out)
	}
	drop := func(v map[string][]string) map[string][]string {
		w := map[string][]string{}
		for s, kv := range v {
			if s == section {
				if key == "" {
					continue
				}
				var keep []string
				for i := 0; i+1 < len(kv); i += 2 {
					if kv[i] != key {
						keep = append(keep, kv[i], kv[i+1])
					}
				}
				if len(keep) == 0 {
					continue // the section may have been added or emptied
				}
				kv = keep
			}
			w[s] = kv
		}
		return w
	}
	if !reflect.DeepEqual(drop(before), drop(after)) {
		t.Fatalf("edit of [%s] %s changed other keys:\n%q\n%q", section, key, data, out)
	}
	order := func(f *File) []string {
		var names []string
		for _, s := range f.sections {
			if s.Name != section {
				names = append(names, s.Name)
			}
		}
		return names
	}
	if before, after := order(mustParseFuzz(t, data)), order(h); !reflect.DeepEqual(before, after) {
		t.Fatalf("edit of [%s] %s reordered sections: %q -> %q", section, key, before, after)
	}
}

func mustParseFuzz(t *testing.T, data []byte) *File {
	t.Helper()
	f, err := Parse("config", data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// fuzzView is every section's keys and values in order, flattened.
func fuzzView(f *File) map[string][]string {
	v := map[string][]string{}
	for _, s := range f.sections {
		kv := []string{}
		for _, k := range s.Keys {
			kv = append(kv, k.Name, k.Value)
		}
		v[s.Name] = kv
	}
	return v
}
