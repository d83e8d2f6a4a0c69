package picker

import (
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// Row is one profile as the picker shows it.
type Row struct {
	// Name is the profile's name.
	Name string
	// Account is the AWS account id, from role_arn or sso_account_id; ""
	// when the config does not say (long-term keys).
	Account string
	// Role is the role's name, from role_arn or sso_role_name.
	Role string
	// Source is how the profile gets credentials, as `sesame list` names
	// it, with " (broken)" when it cannot be resolved.
	Source string
	// Session is the cached session's time left ("42m left"), or "".
	Session string
}

// Rows describes every profile of cfg, sorted by name. sessions maps a
// profile to its cached session's expiration (nil when unknown).
func Rows(cfg *awsconfig.Config, sessions map[string]time.Time, now time.Time) []Row {
	names := cfg.ProfileNames()
	rows := make([]Row, 0, len(names))
	for _, name := range names {
		row := Row{Name: name}
		get := func(string) (string, bool) { return "", false }
		if r, err := cfg.Resolve(name); err == nil {
			row.Source = string(r.Source)
			get = r.Get
		} else if p, ok := cfg.Profile(name); ok {
			row.Source = string(p.Source()) + " (broken)"
			get = p.Get
		}
		if arn, ok := get("role_arn"); ok {
			row.Account, row.Role = parseRoleARN(arn)
		} else {
			row.Account, _ = get("sso_account_id")
			row.Role, _ = get("sso_role_name")
		}
		if exp, ok := sessions[name]; ok {
			row.Session = timeLeft(exp, now)
		}
		rows = append(rows, row)
	}
	return rows
}

// parseRoleARN returns the account id and the role's name (without its
// path) of arn:PARTITION:iam::ACCOUNT:role/PATH/NAME; what it cannot read
// stays "".
func parseRoleARN(arn string) (account, role string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", ""
	}
	account = parts[4]
	if res, ok := strings.CutPrefix(parts[5], "role/"); ok {
		role = res[strings.LastIndexByte(res, '/')+1:]
	}
	return account, role
}

// timeLeft shows an expiration as the time left, such as "42m left".
func timeLeft(exp, now time.Time) string { return timefmt.Left(exp, now) }
