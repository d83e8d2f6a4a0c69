package awsconfig

import (
	"strings"
	"testing"
)

func TestCheckNewProfileName(t *testing.T) {
	for _, ok := range []string{"dev", "team-dev", "a.b_c+d=e,f@g/h", "x-"} {
		if err := CheckNewProfileName(ok); err != nil {
			t.Errorf("CheckNewProfileName(%q) = %v, want nil", ok, err)
		}
	}
	for name, want := range map[string]string{
		"":       "cannot be empty",
		"-x":     "starts with '-'",
		"--help": "starts with '-'",
		"my dev": "no spaces",
		"a[b]":   "brackets",
		"a#b":    "'#'",
		"a;b":    "';'",
		"a\x1bb": "control characters",
		"a\nb":   "no spaces",
	} {
		err := CheckNewProfileName(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckNewProfileName(%q) = %v, want an error with %q", name, err, want)
		}
	}
}
