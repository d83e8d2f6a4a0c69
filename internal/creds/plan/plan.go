// Package plan decides how a profile's credentials are made, without
// making them: from a resolved profile it lays out the chain of steps
// (long-term keys, GetSessionToken, AssumeRole hops, web identity, IAM
// Identity Center, credential_process, environment) with each step's
// inputs and the ID its session is cached under. It does no I/O and links
// no AWS SDK, so that both the credential providers of internal/creds and
// sesame's small front program (internal/front), which only reads a cached
// session, follow the same plan.
package plan

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// Durations.
const (
	// DefaultDuration is the session length when neither --duration nor
	// duration_seconds says otherwise.
	DefaultDuration = time.Hour
	// ChainedMax is STS's limit for a role assumed with temporary
	// credentials (role chaining, or GetSessionToken credentials).
	ChainedMax  = time.Hour
	minDuration = 15 * time.Minute
	maxRole     = 12 * time.Hour
	maxSession  = 36 * time.Hour
)

// MinRemaining is how long a cached session must still be valid to be
// handed out: more than botocore's 10-minute credential_process refresh
// window, so that a caller never gets credentials it would refresh at once.
const MinRemaining = 15 * time.Minute

// Request asks for a profile's credentials.
type Request struct {
	// Profile is the profile's name (already selected).
	Profile string
	// Duration is the session length asked for (--duration); 0 means the
	// profile's duration_seconds, else one hour.
	Duration time.Duration
	// NoSession skips GetSessionToken (--no-session): a keys profile gives
	// its long-term keys, a role is assumed straight from them.
	NoSession bool
	// Region overrides the profile's region (--region).
	Region string
	// MFAToken is a code given on the command line (--mfa-token).
	MFAToken string
	// DirectRole assumes a role straight from long-term keys even when an
	// MFA session could serve it, so that the role session is not chained
	// (console sign-in with --duration needs that).
	DirectRole bool
}

// Kind is what sort of credentials a step gives.
type Kind string

// The kinds of credentials.
const (
	KindLongTerm     Kind = "long-term"     // an IAM user's access key
	KindSessionToken Kind = "session-token" // GetSessionToken
	KindRole         Kind = "role"          // AssumeRole from long-term keys (or web identity)
	KindRoleChained  Kind = "role-chained"  // AssumeRole with temporary credentials
	KindSSO          Kind = "sso"           // IAM Identity Center role credentials
	KindProcess      Kind = "process"       // credential_process
	KindSignin       Kind = "signin"        // an AWS Sign-In session (login_session)
)

// ChainError is a problem with one profile of a chain: it names the profile
// and carries the next step to take.
type ChainError struct {
	Profile string
	Err     error
	Hint    string
}

func (e *ChainError) Error() string { return fmt.Sprintf("profile %s: %v", e.Profile, e.Err) }
func (e *ChainError) Unwrap() error { return e.Err }

// NextStep is the hint shown under the error.
func (e *ChainError) NextStep() string { return e.Hint }

// Op is what a step does.
type Op int

// The steps.
const (
	OpKeys         Op = iota // the profile's long-term keys (store, else the credentials file)
	OpEnv                    // keys from the environment (credential_source = Environment)
	OpSessionToken           // GetSessionToken with Source's keys
	OpAssumeRole             // AssumeRole with Source's credentials
	OpWebIdentity            // AssumeRoleWithWebIdentity
	OpSSO                    // IAM Identity Center role credentials
	OpProcess                // credential_process
	OpLogin                  // an AWS Sign-In session's credentials (login_session)
)

// Tag is a session tag.
type Tag struct{ Key, Value string }

// Step is one step of a chain. Its fields are the inputs of its call.
type Step struct {
	Op Op
	// Profile is the profile the step belongs to (its session is cached
	// under it).
	Profile string
	// ID names the step and everything that shapes its credentials: two
	// steps share a cached session only when their IDs are equal.
	ID string
	// Cached says whether the step's credentials are kept in the store
	// (every temporary credential sesame makes is).
	Cached bool
	// Kind is what sort of credentials the step gives.
	Kind Kind
	// LongTerm says whether its credentials are long-term keys.
	LongTerm bool
	// MFA is the MFA serial already used at or below this step.
	MFA string
	// Source gives the credentials this step calls with (session token,
	// role).
	Source *Step
	// Region is the region STS is called in.
	Region string

	// Serial is the MFA serial sent with this step's call.
	Serial   string
	Duration time.Duration
	// OpKeys: the profile's keys in the credentials file, if any (not
	// temporary ones).
	FileID, FileSecret string
	// OpAssumeRole, OpWebIdentity.
	RoleARN, ExternalID, SourceIdentity string
	HasExternalID, HasSourceIdentity    bool
	// SessionName is the role session name (generated ones hold the time).
	SessionName       string
	Tags              []Tag
	TransitiveTagKeys []string
	HasTransitive     bool
	// TokenFile is the web identity token file.
	TokenFile string
	// Command is the credential_process command line.
	Command string
	// EnvTemporary says OpEnv's keys come with a session token.
	EnvTemporary bool
	// LoginSession is OpLogin's login_session ARN.
	LoginSession string
	// Resolved is the profile the step was planned from (OpSSO needs it).
	Resolved *awsconfig.Resolved
}

// Planner lays out chains over one loaded configuration.
type Planner struct {
	Config    *awsconfig.Config
	LookupEnv func(string) (string, bool)
	Now       func() time.Time
	// SSOKey returns the key of the IAM Identity Center sign-in that SSO
	// profile r uses, checking its keys; nil refuses SSO profiles.
	SSOKey func(cfg *awsconfig.Config, r *awsconfig.Resolved) (string, error)
	// Logger gets the --debug explanation of each choice.
	Logger *slog.Logger
	// Notice prints a line the user should see on stderr.
	Notice func(format string, args ...any)
}

func (p *Planner) debug(msg string, args ...any) {
	if p.Logger != nil {
		p.Logger.Debug(msg, args...)
	}
}

func (p *Planner) notice(format string, args ...any) {
	if p.Notice != nil {
		p.Notice(format, args...)
	}
}

// Plan resolves req.Profile, checks req.Duration, picks the region and lays
// out the chain of the profile: it returns the last step and the region.
func (p *Planner) Plan(req Request) (*Step, string, error) {
	r, err := p.Config.Resolve(req.Profile)
	if err != nil {
		return nil, "", err
	}
	if req.Duration != 0 && (req.Duration < minDuration || req.Duration > maxSession) {
		return nil, "", &ChainError{Profile: req.Profile, Err: fmt.Errorf("--duration %s is out of range", req.Duration),
			Hint: "give a duration from 15m to 12h for a role (36h for a session token)"}
	}
	region := p.region(r, req)
	s, err := p.step(r, req, region, true)
	return s, region, err
}

func (p *Planner) region(r *awsconfig.Resolved, req Request) string {
	if req.Region != "" {
		return req.Region
	}
	if v, ok := r.Get("region"); ok && v != "" {
		return v
	}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if v, ok := p.LookupEnv(k); ok && v != "" {
			return v
		}
	}
	return ""
}

// stsRegion is the region STS is called in: the profile's, else us-east-1.
func stsRegion(region string) string {
	if region == "" {
		return "us-east-1"
	}
	return region
}

// step plans profile r. top is set for the profile asked for (its
// duration is the one requested).
func (p *Planner) step(r *awsconfig.Resolved, req Request, region string, top bool) (*Step, error) {
	switch r.Source {
	case awsconfig.SourceSSO:
		if p.SSOKey == nil {
			return nil, &ChainError{Profile: r.Name, Err: errors.New("this is an IAM Identity Center (SSO) profile, and SSO is not set up here"), Hint: "run: sesame sso login"}
		}
		session, err := p.SSOKey(p.Config, r)
		if err != nil {
			return nil, err
		}
		acct, _ := r.Get("sso_account_id")
		role, _ := r.Get("sso_role_name")
		p.debug("IAM Identity Center role credentials", "profile", r.Name, "session", session, "account", acct, "role", role)
		return &Step{Op: OpSSO, Profile: r.Name, ID: fmt.Sprintf("sso(%s|%s|%s)", session, acct, role), Cached: true, Kind: KindSSO, Resolved: r}, nil
	case awsconfig.SourceLogin:
		ls, _ := r.Get("login_session")
		p.debug("AWS Sign-In session", "profile", r.Name, "login_session", ls)
		return &Step{Op: OpLogin, Profile: r.Name, ID: "login(" + ls + ")", Kind: KindSignin, LoginSession: ls, Region: region}, nil
	case awsconfig.SourceProcess:
		cmd, _ := r.Get("credential_process")
		p.debug("credential_process", "profile", r.Name)
		return &Step{Op: OpProcess, Profile: r.Name, ID: "process(" + cmd + ")", Kind: KindProcess, Command: cmd}, nil
	case awsconfig.SourceWebIdentity:
		return p.webIdentity(r, req, region, top)
	case awsconfig.SourceRole:
		return p.role(r, req, region, top)
	}
	// Long-term keys.
	keys := p.keys(r)
	serial, _ := r.Get("mfa_serial")
	if req.NoSession {
		p.debug("long-term keys, no session (--no-session)", "profile", r.Name)
		return keys, nil
	}
	d, err := p.duration(r, req, top, maxSession)
	if err != nil {
		return nil, err
	}
	p.debug("GetSessionToken from long-term keys", "profile", r.Name, "mfa", serial != "", "duration", d)
	return p.sessionToken(r.Name, keys, serial, d, region), nil
}

func (p *Planner) sessionToken(profile string, keys *Step, serial string, d time.Duration, region string) *Step {
	return &Step{Op: OpSessionToken, Profile: profile, ID: fmt.Sprintf("gst(%s|mfa=%s|d=%d)", keys.ID, serial, int(d.Seconds())),
		Cached: true, Kind: KindSessionToken, MFA: serial, Source: keys, Serial: serial, Duration: d, Region: stsRegion(region)}
}

func (p *Planner) keys(r *awsconfig.Resolved) *Step {
	id, _ := r.Get("aws_access_key_id")
	secret, _ := r.Get("aws_secret_access_key")
	if _, temporary := r.Get("aws_session_token"); temporary {
		// Temporary keys in the file (written by export --write, say)
		// are not long-term keys to build sessions from.
		id, secret = "", ""
	}
	return &Step{Op: OpKeys, Profile: r.Name, ID: "keys(" + r.Name + ")", LongTerm: true, Kind: KindLongTerm, FileID: id, FileSecret: secret}
}

// isRoleARN reports whether s is a role ARN:
// arn:aws[a-z-]*:iam::ACCOUNT:role/NAME, ACCOUNT 12 digits and NAME of
// IAM's characters (letters, digits and _+=,.@/-). Written out rather than
// a regular expression: compiling one costs a fifth of a warm
// credential_process run of the front program.
func isRoleARN(s string) bool {
	rest, ok := strings.CutPrefix(s, "arn:aws")
	if !ok {
		return false
	}
	partition, rest, ok := strings.Cut(rest, ":")
	if !ok || strings.Trim(partition, "abcdefghijklmnopqrstuvwxyz-") != "" {
		return false
	}
	rest, ok = strings.CutPrefix(rest, "iam::")
	if !ok || len(rest) < 12 || strings.Trim(rest[:12], "0123456789") != "" {
		return false
	}
	name, ok := strings.CutPrefix(rest[12:], ":role/")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isWordByte(name[i]) && strings.IndexByte("+=,.@/-", name[i]) < 0 {
			return false
		}
	}
	return true
}

// isWordByte is a byte of \w: an ASCII letter, digit or underscore.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func (p *Planner) role(r *awsconfig.Resolved, req Request, region string, top bool) (*Step, error) {
	arn, _ := r.Get("role_arn")
	if !isRoleARN(arn) {
		return nil, &ChainError{Profile: r.Name, Err: fmt.Errorf("role_arn %q is not a role ARN", arn),
			Hint: "write it as arn:aws:iam::ACCOUNT:role/NAME in " + p.Config.Paths.Config}
	}
	serial, _ := r.Get("mfa_serial")
	d, err := p.duration(r, req, top, maxRole)
	if err != nil {
		return nil, err
	}

	// The source of this hop.
	var src *Step
	switch credSrc, _ := r.Get("credential_source"); {
	case credSrc == "Environment":
		src = &Step{Op: OpEnv, Profile: r.Name, ID: "env", LongTerm: true}
		if v, _ := p.LookupEnv("AWS_SESSION_TOKEN"); v != "" {
			src.LongTerm, src.EnvTemporary = false, true
		}
	case credSrc != "":
		return nil, &ChainError{Profile: r.Name, Err: fmt.Errorf("credential_source %s is not supported by sesame", credSrc),
			Hint: "use credential_source = Environment, or a source_profile"}
	case r.Parent == nil:
		src = p.keys(r) // source_profile names the profile itself
	case r.Parent.Source == awsconfig.SourceKeys && !req.NoSession && !req.DirectRole && d <= ChainedMax && (serial != "" || parentSerial(r) != ""):
		// One MFA session, cached, serves every role assumed from these
		// keys; the role is then assumed with it (limited to one hour).
		ps := serial
		if ps == "" {
			ps = parentSerial(r)
		}
		src = p.sessionToken(r.Parent.Name, p.keys(r.Parent), ps, max(d, DefaultDuration), region)
		src.Kind = "" // not the kind of what the chain gives
		p.debug("GetSessionToken with MFA, then AssumeRole", "profile", r.Name, "source", r.Parent.Name)
	case r.Parent.Source == awsconfig.SourceKeys:
		// Straight from the long-term keys: the role may last longer than
		// an hour, and MFA goes with the AssumeRole call.
		src = p.keys(r.Parent)
		if serial == "" {
			serial = parentSerial(r)
		}
		p.debug("AssumeRole straight from long-term keys", "profile", r.Name, "source", r.Parent.Name, "duration", d)
	default:
		var err error
		if src, err = p.step(r.Parent, req, region, false); err != nil {
			return nil, err
		}
	}
	if !src.LongTerm && d > ChainedMax {
		p.notice("profile %s: a role assumed with temporary credentials lasts at most 1h; asking for 1h instead of %s", r.Name, d)
		d = ChainedMax
	}
	if serial == src.MFA {
		serial = "" // already proven lower in the chain
	}

	s := &Step{Op: OpAssumeRole, Profile: r.Name, Cached: true, Source: src, Region: stsRegion(region), RoleARN: arn,
		SessionName: p.sessionName(r), Duration: d, Serial: serial}
	s.ExternalID, s.HasExternalID = r.Get("external_id")
	s.SourceIdentity, s.HasSourceIdentity = r.Get("source_identity")
	if s.Tags, err = parseTags(r); err != nil {
		return nil, err
	}
	if v, ok := r.Get("transitive_session_tags"); ok {
		s.TransitiveTagKeys, s.HasTransitive = splitList(v), true
	}
	s.ID = fmt.Sprintf("role(%s|%s|ext=%s|name=%s|d=%d|mfa=%s|tags=%s|tt=%s|si=%s)", src.ID, arn, s.ExternalID,
		sessionNameKey(r), int(d.Seconds()), serial, get(r, "session_tags"), get(r, "transitive_session_tags"), get(r, "source_identity"))
	s.MFA = serial
	if s.MFA == "" {
		s.MFA = src.MFA
	}
	s.Kind = KindRole
	if !src.LongTerm {
		s.Kind = KindRoleChained
	}
	return s, nil
}

func (p *Planner) webIdentity(r *awsconfig.Resolved, req Request, region string, top bool) (*Step, error) {
	arn, _ := r.Get("role_arn")
	if !isRoleARN(arn) {
		return nil, &ChainError{Profile: r.Name, Err: fmt.Errorf("role_arn %q is not a role ARN", arn), Hint: "write it as arn:aws:iam::ACCOUNT:role/NAME"}
	}
	d, err := p.duration(r, req, top, maxRole)
	if err != nil {
		return nil, err
	}
	file, _ := r.Get("web_identity_token_file")
	return &Step{Op: OpWebIdentity, Profile: r.Name, ID: fmt.Sprintf("web(%s|%s|d=%d)", arn, file, int(d.Seconds())), Cached: true,
		Kind: KindRole, Region: stsRegion(region), RoleARN: arn, SessionName: p.sessionName(r), Duration: d, TokenFile: file}, nil
}

func parentSerial(r *awsconfig.Resolved) string {
	if r.Parent == nil {
		return ""
	}
	v, _ := r.Parent.Get("mfa_serial")
	return v
}

// duration is the session length for profile r: --duration for the profile
// asked for, else its duration_seconds, else DefaultDuration.
func (p *Planner) duration(r *awsconfig.Resolved, req Request, top bool, limit time.Duration) (time.Duration, error) {
	if top && req.Duration != 0 {
		if req.Duration > limit {
			return 0, &ChainError{Profile: r.Name, Err: fmt.Errorf("--duration %s is longer than STS allows here (%s)", req.Duration, limit), Hint: "ask for " + limit.String() + " or less"}
		}
		return req.Duration, nil
	}
	v, ok := r.Get("duration_seconds")
	if !ok {
		return DefaultDuration, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	d := time.Duration(n) * time.Second
	if err != nil || d < minDuration || d > limit {
		return 0, &ChainError{Profile: r.Name, Err: fmt.Errorf("duration_seconds = %q is not a number of seconds from 900 to %d", v, int(limit.Seconds())),
			Hint: "fix duration_seconds in " + p.Config.Paths.Config}
	}
	return d, nil
}

// sessionName is role_session_name, else "sesame-USER-UNIXTIME".
func (p *Planner) sessionName(r *awsconfig.Resolved) string {
	if v, ok := r.Get("role_session_name"); ok && v != "" {
		return v
	}
	user, _ := p.LookupEnv("USER")
	if user == "" {
		user, _ = p.LookupEnv("USERNAME")
	}
	user = strings.Map(func(r rune) rune {
		if r < 0x80 && (isWordByte(byte(r)) || strings.ContainsRune("+=,.@-", r)) {
			return r
		}
		return -1 // what a role session name cannot hold
	}, user)
	name := fmt.Sprintf("sesame-%s-%d", user, p.Now().Unix())
	if user == "" {
		name = fmt.Sprintf("sesame-%d", p.Now().Unix())
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// sessionNameKey is the part of the cache ID for the session name: the
// configured one, or "default" (the generated one changes every second).
func sessionNameKey(r *awsconfig.Resolved) string {
	if v, ok := r.Get("role_session_name"); ok {
		return v
	}
	return "default"
}

func get(r *awsconfig.Resolved, key string) string { v, _ := r.Get(key); return v }

// parseTags reads session_tags = Key1=Value1,Key2=Value2.
func parseTags(r *awsconfig.Resolved) ([]Tag, error) {
	v, ok := r.Get("session_tags")
	if !ok {
		return nil, nil
	}
	var tags []Tag
	for _, kv := range splitList(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, &ChainError{Profile: r.Name, Err: fmt.Errorf("session_tags entry %q is not KEY=VALUE", kv), Hint: "write session_tags = Key1=Value1,Key2=Value2"}
		}
		tags = append(tags, Tag{Key: strings.TrimSpace(k), Value: strings.TrimSpace(val)})
	}
	return tags, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// SessionKind is the kind of credentials a cached session with this ID
// holds (store.SessionInfo.ID), from the step that made it.
func SessionKind(id string) Kind {
	switch {
	case strings.HasPrefix(id, "gst("):
		return KindSessionToken
	case strings.HasPrefix(id, "role(keys("), strings.HasPrefix(id, "role(env|"), strings.HasPrefix(id, "web("):
		return KindRole
	case strings.HasPrefix(id, "role("):
		return KindRoleChained // assumed with temporary credentials
	case strings.HasPrefix(id, "sso("):
		return KindSSO
	}
	return ""
}
