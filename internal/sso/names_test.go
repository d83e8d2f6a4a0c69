package sso

import "testing"

func TestSafeName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"dev/AdministratorAccess":         "dev/AdministratorAccess",
		"My Account/Read Only":            "My-Account/Read-Only",
		"  padded  /  role ":              "padded-/-role",
		"tab\there\nnewline":              "tab-here-newline",
		`quote"s and 'single' \back`:      "quote-s-and-single-back",
		"[brackets]#hash;semi$dollar%pct": "brackets-hash-semi-dollar-pct",
		"a:b*c?d|e&f(g)h{i}j<k>l~m`n!o":   "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o",
		"ok+=,.@-_/chars":                 "ok+=,.@-_/chars",
		"Produção/Administração":          "Produção/Administração",
		"---lead and trail...":            "lead-and-trail",
		"default":                         "",
		"   ":                             "",
		"a  \t  b":                        "a-b",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
