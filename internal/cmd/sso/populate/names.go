package populate

import (
	"fmt"
	"strings"
	"text/template"
	"unicode"

	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// DefaultTemplate names a profile after its account and role.
const DefaultTemplate = "{{.AccountName}}/{{.RoleName}}"

// NameData is what a --template can use.
type NameData struct {
	AccountName string
	AccountID   string
	RoleName    string
	// SessionName is the sso-session's name.
	SessionName string
}

// Namer turns accounts and roles into profile names with a template.
type Namer struct {
	tmpl    *template.Template
	session string
}

// NewNamer parses text as a Go text/template over NameData and tries it
// once, so that a misspelt field fails before anything is listed.
func NewNamer(text, session string) (*Namer, error) {
	t, err := template.New("name").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	n := &Namer{tmpl: t, session: session}
	if _, err := n.raw("Example", "123456789012", "ReadOnly"); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *Namer) raw(account, id, role string) (string, error) {
	var b strings.Builder
	err := n.tmpl.Execute(&b, NameData{AccountName: account, AccountID: id, RoleName: role, SessionName: n.session})
	return b.String(), err
}

// Name is the safe name the template gives an account's role: see sso.SafeName.
// When nothing is left of it, it is ACCOUNTID/ROLE.
func (n *Namer) Name(a store.ListedAccount, role string) (string, error) {
	raw, err := n.raw(a.Name, a.ID, role)
	if err != nil {
		return "", fmt.Errorf("--template: %w", err)
	}
	if s := sso.SafeName(raw); s != "" {
		return s, nil
	}
	return sso.SafeName(a.ID + "/" + role), nil
}

// pair is one role in one account.
type pair struct {
	AccountID string
	Role      string
}

// want is a role to write a profile for, with the template's name for it.
type want struct {
	pair
	Account store.ListedAccount
	Base    string
	// Name is Base, or Base with a suffix that makes it unique.
	Name string
}

// assignNames gives every wanted role a profile name, unique and free of
// taken (hand-written profiles, and profiles generated for other
// sso-sessions or not removed). A role that already has a generated
// profile (in ours: name to role) under its template name, or a suffixed
// form of it, keeps that name, so that names do not move between runs.
// Others get the template's name, else that name with "-ACCOUNTID", else
// with "-2", "-3", ... Wants are taken in order (by account name, id and
// role), so the first of two accounts with one name keeps the plain name.
// With keepOurs, the names in ours that no wanted role keeps are taken too
// (the profiles stay as they are); without, they are free for others.
func assignNames(wants []want, taken map[string]bool, ours map[string]pair, keepOurs bool) {
	used := make(map[string]bool, len(taken)+len(wants))
	for n := range taken {
		used[n] = true
	}
	// Stable names first.
	for i := range wants {
		w := &wants[i]
		for _, cand := range []string{w.Base, w.Base + "-" + w.AccountID} {
			if p, ok := ours[cand]; ok && p == w.pair && !used[cand] {
				w.Name = cand
				break
			}
		}
		if w.Name == "" {
			for k := 2; ; k++ {
				cand := fmt.Sprintf("%s-%d", w.Base, k)
				p, ok := ours[cand]
				if !ok {
					break
				}
				if p == w.pair && !used[cand] {
					w.Name = cand
					break
				}
			}
		}
		if w.Name != "" {
			used[w.Name] = true
		}
	}
	if keepOurs {
		for n := range ours {
			used[n] = true
		}
	}
	for i := range wants {
		w := &wants[i]
		if w.Name != "" {
			continue
		}
		for _, cand := range []string{w.Base, w.Base + "-" + w.AccountID} {
			if !used[cand] {
				w.Name = cand
				break
			}
		}
		for k := 2; w.Name == ""; k++ {
			if cand := fmt.Sprintf("%s-%d", w.Base, k); !used[cand] {
				w.Name = cand
			}
		}
		used[w.Name] = true
	}
}

// oneLine reports whether v can be written as a value of the config file
// as it is: not empty, on one line, no control character, no space at
// either end (botocore would strip it).
func oneLine(v string) bool {
	return v != "" && strings.IndexFunc(v, unicode.IsControl) < 0 && strings.TrimSpace(v) == v
}

// writable returns accounts without the roles (and accounts) that no
// profile can name: a role name or account id that is not one line of
// printable text. warn is told of each, so that one odd name costs that
// role its profile, not the whole run. accounts is not changed.
func writable(accounts []store.ListedAccount, warn func(format string, args ...any)) []store.ListedAccount {
	out := make([]store.ListedAccount, 0, len(accounts))
	for _, a := range accounts {
		if !oneLine(a.ID) {
			warn("skipped account %q (%q): its id is not one line of printable text, so no profile can name it", a.ID, a.Name)
			continue
		}
		roles := make([]string, 0, len(a.Roles))
		for _, r := range a.Roles {
			if !oneLine(r) {
				warn("skipped role %q of account %s (%q): its name is not one line of printable text, so no profile can name it", r, a.ID, a.Name)
				continue
			}
			roles = append(roles, r)
		}
		a.Roles = roles
		out = append(out, a)
	}
	return out
}
