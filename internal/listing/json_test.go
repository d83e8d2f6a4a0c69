package listing

import (
	"bytes"
	"encoding/json"
	"testing"
)

func marshalIndent(t *testing.T, rows []Row) []byte {
	t.Helper()
	out, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ptr(s string) *string { return &s }

// TestAppendJSON: the written-out encoder gives encoding/json's bytes.
func TestAppendJSON(t *testing.T) {
	t.Parallel()
	odd := "a\"b\\c\b\f\n\r\t\x01\x1f<>&\x7f\u2028\u2029\xff\xc3é\u202e"
	for _, rows := range [][]Row{
		nil,
		{},
		{{Name: "a", Source: "keys", Chain: []string{"a"}}},
		{{Name: "b", Source: "role", Chain: []string{"b", "a"}, Region: ptr("eu-west-1"), SSOSession: ptr(""), StoredKey: true,
			SessionExpiration: ptr("2026-12-06T03:00:00Z"), Error: "profile \"b\": broken", Note: "n"},
			{Name: odd, Source: odd, Chain: []string{}, Region: ptr(odd), Error: odd},
			{Name: "c", Chain: nil}},
	} {
		if got, want := appendJSON(nil, rows), marshalIndent(t, rows); !bytes.Equal(got, want) {
			t.Errorf("appendJSON =\n%s\nencoding/json:\n%s", got, want)
		}
	}
}

// FuzzAppendJSON: the same for any strings.
func FuzzAppendJSON(f *testing.F) {
	f.Add("name", "source", "chain", "region", "error", true)
	f.Add("a\u2028", "<&>", "\xff", "\x00", "", false)
	f.Fuzz(func(t *testing.T, name, source, chain, region, errText string, stored bool) {
		rows := []Row{{Name: name, Source: source, Chain: []string{name, chain}, Region: &region, StoredKey: stored, Error: errText},
			{Name: chain, Chain: []string{}, SSOSession: &source, Note: region}}
		if got, want := appendJSON(nil, rows), marshalIndent(t, rows); !bytes.Equal(got, want) {
			t.Errorf("appendJSON =\n%q\nencoding/json:\n%q", got, want)
		}
	})
}
