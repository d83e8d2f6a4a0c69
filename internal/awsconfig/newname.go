package awsconfig

import (
	"fmt"
	"strings"
	"unicode"
)

// CheckNewProfileName says why name cannot be given to a profile sesame is
// about to create, or returns nil. A name must be non-empty, hold no
// whitespace, control character, bracket, '#' or ';' (they break the
// section header), and must not start with '-': every command line that
// names it (sesame's, the AWS CLI's --profile) would take it for an
// option. Names that already exist are not checked: they keep working.
func CheckNewProfileName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a profile name cannot be empty")
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("profile name %q cannot be used: it starts with '-', which command lines take for an option; choose a name that starts with a letter or digit", name)
	case strings.ContainsAny(name, "[]#;") || strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("profile name %q cannot be used: no spaces, control characters, brackets, '#' or ';'", name)
	}
	return nil
}
