package populate

import (
	"testing"

	"github.com/sesamehq/sesame/internal/store"
)

func TestNamer(t *testing.T) {
	t.Parallel()
	a := store.ListedAccount{ID: "111111111111", Name: "Prod Account"}
	for _, tc := range []struct {
		tmpl, role, want string
	}{
		{DefaultTemplate, "Admin", "Prod-Account/Admin"},
		{"{{.SessionName}}-{{.AccountID}}-{{.RoleName}}", "Admin", "corp-111111111111-Admin"},
		{"{{.AccountName | printf \"%.4s\"}}.{{.RoleName}}", "ReadOnly", "Prod.ReadOnly"},
		{"{{if eq .RoleName \"Admin\"}}{{.AccountName}}{{else}}{{.AccountName}}-{{.RoleName}}{{end}}", "Admin", "Prod-Account"},
		{"   ", "Admin", "111111111111/Admin"}, // nothing left: ID/ROLE
		{"default", "Admin", "111111111111/Admin"},
	} {
		n, err := NewNamer(tc.tmpl, "corp")
		if err != nil {
			t.Errorf("NewNamer(%q): %v", tc.tmpl, err)
			continue
		}
		if got, err := n.Name(a, tc.role); err != nil || got != tc.want {
			t.Errorf("template %q: %q, %v; want %q", tc.tmpl, got, err, tc.want)
		}
	}
	for _, bad := range []string{"{{.Account}}", "{{.AccountName", "{{template \"x\"}}"} {
		if _, err := NewNamer(bad, "corp"); err == nil {
			t.Errorf("NewNamer(%q) accepted a broken template", bad)
		}
	}
}

func TestAssignNames(t *testing.T) {
	t.Parallel()
	w := func(id, role, base string) want {
		return want{pair: pair{AccountID: id, Role: role}, Base: base}
	}
	names := func(ws []want) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Name)
		}
		return out
	}
	eq := func(a, b []string) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for _, tc := range []struct {
		name     string
		wants    []want
		taken    map[string]bool
		ours     map[string]pair
		keepOurs bool
		want     []string
	}{
		{
			name:  "unique",
			wants: []want{w("1", "A", "x/A"), w("1", "B", "x/B")},
			want:  []string{"x/A", "x/B"},
		},
		{
			name:  "two accounts of one name: the second gets its id",
			wants: []want{w("111", "A", "dup/A"), w("222", "A", "dup/A")},
			want:  []string{"dup/A", "dup/A-222"},
		},
		{
			name:  "a hand-written profile keeps its name",
			wants: []want{w("111", "A", "dev/A")},
			taken: map[string]bool{"dev/A": true},
			want:  []string{"dev/A-111"},
		},
		{
			name:  "then -2, -3",
			wants: []want{w("111", "A B", "x/A-B"), w("111", "A-B", "x/A-B"), w("111", "A  B", "x/A-B")},
			want:  []string{"x/A-B", "x/A-B-111", "x/A-B-2"},
		},
		{
			name:  "names stay where they are",
			wants: []want{w("111", "A", "dup/A"), w("222", "A", "dup/A")},
			ours:  map[string]pair{"dup/A": {"222", "A"}, "dup/A-222": {"999", "A"}},
			want:  []string{"dup/A-111", "dup/A"},
		},
		{
			name:  "a suffixed name stays",
			wants: []want{w("111", "A", "x/A"), w("111", "B", "x/A")},
			ours:  map[string]pair{"x/A-2": {"111", "B"}, "x/A": {"111", "A"}},
			want:  []string{"x/A", "x/A-2"},
		},
		{
			name:     "without prune, stale generated names are kept",
			wants:    []want{w("222", "A", "old/A")},
			ours:     map[string]pair{"old/A": {"111", "A"}},
			keepOurs: true,
			want:     []string{"old/A-222"},
		},
		{
			name:  "with prune, they are free",
			wants: []want{w("222", "A", "old/A")},
			ours:  map[string]pair{"old/A": {"111", "A"}},
			want:  []string{"old/A"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.taken == nil {
				tc.taken = map[string]bool{}
			}
			assignNames(tc.wants, tc.taken, tc.ours, tc.keepOurs)
			if got := names(tc.wants); !eq(got, tc.want) {
				t.Errorf("names %q, want %q", got, tc.want)
			}
		})
	}
}
