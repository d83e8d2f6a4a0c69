package procdoc

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func viaJSON(t *testing.T, id, secret, token string, expires time.Time) []byte {
	t.Helper()
	out, err := json.MarshalIndent(Document{Version: 1, AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expiration: Expiration(expires)}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestMarshal: the written-out document is encoding/json's, byte for byte.
func TestMarshal(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 3, 4, 5, 600, time.FixedZone("x", 3600))
	for _, tt := range []struct {
		id, secret, token string
		expires           time.Time
	}{
		{"ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY==", "FwoGZXIvYXdzE//////////<>&\"\\x", at},
		{"AKIAIOSFODNN7EXAMPLE", "secret", "", time.Time{}},
		{"AKIA", "s", "", at},
		{"ASIA", "s", "tok", time.Time{}},
		{"é", "\x01", "\u2028", at},
		{"", "", "", time.Time{}},
	} {
		got, err := Marshal(tt.id, tt.secret, tt.token, tt.expires)
		if err != nil {
			t.Fatal(err)
		}
		if want := viaJSON(t, tt.id, tt.secret, tt.token, tt.expires); !bytes.Equal(got, want) {
			t.Errorf("Marshal(%q, %q, %q) =\n%s\nencoding/json:\n%s", tt.id, tt.secret, tt.token, got, want)
		}
	}
}

// FuzzMarshal: the same, on any values.
func FuzzMarshal(f *testing.F) {
	f.Add("ASIA", "secret/+=", "token<&>", int64(1700000000))
	f.Fuzz(func(t *testing.T, id, secret, token string, unix int64) {
		var expires time.Time
		if unix > 0 && unix < 1<<34 {
			expires = time.Unix(unix, 0)
		}
		got, err := Marshal(id, secret, token, expires)
		if err != nil {
			t.Fatal(err)
		}
		if want := viaJSON(t, id, secret, token, expires); !bytes.Equal(got, want) {
			t.Errorf("Marshal(%q, %q, %q) =\n%s\nencoding/json:\n%s", id, secret, token, got, want)
		}
	})
}
