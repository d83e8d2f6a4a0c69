package creds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

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

// Builder turns profiles into providers. Its fields are the dependencies,
// which it hands each provider as far as that provider needs them;
// building does no I/O, so the tree it makes (and the reasons it gives
// under --debug) can be tested without AWS.
type Builder struct {
	Config *awsconfig.Config
	// Store opens the secret store, only when a step needs it (a profile
	// run by credential_process alone works without one).
	Store     OpenStoreFunc
	NewSTS    NewSTSFunc
	MFA       MFAFunc
	LookupEnv func(string) (string, bool)
	ReadFile  func(string) ([]byte, error)
	Now       func() time.Time
	// LockDir holds the per-session lock files (a private folder).
	LockDir string
	// Logger gets the --debug explanation of each choice.
	Logger *slog.Logger
	// Notice prints a line the user should see on stderr.
	Notice func(format string, args ...any)
	// SSO makes the providers of IAM Identity Center profiles; nil means
	// SSO profiles are refused.
	SSO SSO
}

// SSO makes the provider of an IAM Identity Center profile (internal/sso
// has the one sesame uses).
type SSO interface {
	// RoleProvider returns the provider of the role credentials of SSO
	// profile r, and the key of the sign-in it uses.
	RoleProvider(cfg *awsconfig.Config, r *awsconfig.Resolved) (p aws.CredentialsProvider, session string, err error)
}

func (b *Builder) debug(msg string, args ...any) {
	if b.Logger != nil {
		b.Logger.Debug(msg, args...)
	}
}

func (b *Builder) notice(format string, args ...any) {
	if b.Notice != nil {
		b.Notice(format, args...)
	}
}

// cached wraps a step's provider in the session cache.
func (b *Builder) cached(inner aws.CredentialsProvider, profile, id string) *Cached {
	return &Cached{Inner: inner, Profile: profile, ID: id, Store: b.Store, LockDir: b.LockDir, Now: b.Now, Logger: b.Logger}
}

// Get builds the provider for req and retrieves the credentials.
func (b *Builder) Get(ctx context.Context, req Request) (Result, error) {
	n, region, err := b.buildRequest(req)
	if err != nil {
		return Result{}, err
	}
	c, err := n.p.Retrieve(ctx)
	if err != nil {
		return Result{}, err
	}
	return Result{Credentials: c, Region: region, Kind: n.kind}, nil
}

// node is what building one profile gives: its provider, the cache ID that
// describes it, and whether its credentials are long-term keys.
type node struct {
	p        aws.CredentialsProvider
	id       string
	longTerm bool
	// mfa is the serial already used below this node, if any.
	mfa string
	// kind is what sort of credentials it gives.
	kind Kind
}

// buildRequest resolves req.Profile, checks req.Duration, picks the region
// and builds the chain of providers for the profile.
func (b *Builder) buildRequest(req Request) (node, string, error) {
	r, err := b.Config.Resolve(req.Profile)
	if err != nil {
		return node{}, "", err
	}
	if req.Duration != 0 && (req.Duration < minDuration || req.Duration > maxSession) {
		return node{}, "", &ChainError{Profile: req.Profile, Err: fmt.Errorf("--duration %s is out of range", req.Duration),
			Hint: "give a duration from 15m to 12h for a role (36h for a session token)"}
	}
	region := b.region(r, req)
	n, err := b.build(r, req, region, true)
	return n, region, err
}

func (b *Builder) region(r *awsconfig.Resolved, req Request) string {
	if req.Region != "" {
		return req.Region
	}
	if v, ok := r.Get("region"); ok && v != "" {
		return v
	}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if v, ok := b.LookupEnv(k); ok && v != "" {
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

// build makes the provider for profile r. top is set for the profile asked
// for (its duration is the one requested).
func (b *Builder) build(r *awsconfig.Resolved, req Request, region string, top bool) (node, error) {
	switch r.Source {
	case awsconfig.SourceSSO:
		if b.SSO == nil {
			return node{}, &ChainError{Profile: r.Name, Err: errors.New("this is an IAM Identity Center (SSO) profile, and SSO is not set up here"), Hint: "run: sesame sso login"}
		}
		rp, session, err := b.SSO.RoleProvider(b.Config, r)
		if err != nil {
			return node{}, err
		}
		acct, _ := r.Get("sso_account_id")
		role, _ := r.Get("sso_role_name")
		b.debug("IAM Identity Center role credentials", "profile", r.Name, "session", session, "account", acct, "role", role)
		id := fmt.Sprintf("sso(%s|%s|%s)", session, acct, role)
		return node{p: b.cached(rp, r.Name, id), id: id, kind: KindSSO}, nil
	case awsconfig.SourceProcess:
		cmd, _ := r.Get("credential_process")
		b.debug("credential_process", "profile", r.Name)
		return node{p: processcreds.NewProvider(cmd), id: "process(" + cmd + ")", kind: KindProcess}, nil
	case awsconfig.SourceWebIdentity:
		return b.webIdentity(r, req, region, top)
	case awsconfig.SourceRole:
		return b.role(r, req, region, top)
	}
	// Long-term keys.
	keys := b.keys(r)
	serial, _ := r.Get("mfa_serial")
	if req.NoSession {
		b.debug("long-term keys, no session (--no-session)", "profile", r.Name)
		return keys, nil
	}
	d, err := b.duration(r, req, top, maxSession)
	if err != nil {
		return node{}, err
	}
	b.debug("GetSessionToken from long-term keys", "profile", r.Name, "mfa", serial != "", "duration", d)
	gst := &SessionToken{NewSTS: b.NewSTS, MFA: b.MFA, Profile: r.Name, Source: keys.p, Serial: serial, Duration: d, Region: stsRegion(region)}
	id := fmt.Sprintf("gst(%s|mfa=%s|d=%d)", keys.id, serial, int(d.Seconds()))
	return node{p: b.cached(gst, r.Name, id), id: id, mfa: serial, kind: KindSessionToken}, nil
}

func (b *Builder) keys(r *awsconfig.Resolved) node {
	id, _ := r.Get("aws_access_key_id")
	secret, _ := r.Get("aws_secret_access_key")
	if _, temporary := r.Get("aws_session_token"); temporary {
		// Temporary keys in the file (written by export --write, say)
		// are not long-term keys to build sessions from.
		id, secret = "", ""
	}
	p := &StoredKeys{Store: b.Store, Profile: r.Name, FileID: id, FileSecret: secret, FilePath: b.Config.Paths.Credentials, Notice: b.Notice}
	return node{p: p, id: "keys(" + r.Name + ")", longTerm: true, kind: KindLongTerm}
}

// roleARN matches a role ARN; compiled on first use, off the start-up path.
var roleARN = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
})

func (b *Builder) role(r *awsconfig.Resolved, req Request, region string, top bool) (node, error) {
	arn, _ := r.Get("role_arn")
	if !roleARN().MatchString(arn) {
		return node{}, &ChainError{Profile: r.Name, Err: fmt.Errorf("role_arn %q is not a role ARN", arn),
			Hint: "write it as arn:aws:iam::ACCOUNT:role/NAME in " + b.Config.Paths.Config}
	}
	serial, _ := r.Get("mfa_serial")
	d, err := b.duration(r, req, top, maxRole)
	if err != nil {
		return node{}, err
	}

	// The source of this hop.
	var src node
	switch credSrc, _ := r.Get("credential_source"); {
	case credSrc == "Environment":
		src = node{p: &EnvKeys{LookupEnv: b.LookupEnv, Profile: r.Name}, id: "env", longTerm: true}
		if v, _ := b.LookupEnv("AWS_SESSION_TOKEN"); v != "" {
			src.longTerm = false
		}
	case credSrc != "":
		return node{}, &ChainError{Profile: r.Name, Err: fmt.Errorf("credential_source %s is not supported by sesame", credSrc),
			Hint: "use credential_source = Environment, or a source_profile"}
	case r.Parent == nil:
		src = b.keys(r) // source_profile names the profile itself
	case r.Parent.Source == awsconfig.SourceKeys && !req.NoSession && !req.DirectRole && d <= ChainedMax && (serial != "" || parentSerial(r) != ""):
		// One MFA session, cached, serves every role assumed from these
		// keys; the role is then assumed with it (limited to one hour).
		ps := serial
		if ps == "" {
			ps = parentSerial(r)
		}
		keys := b.keys(r.Parent)
		gd := max(d, DefaultDuration)
		gst := &SessionToken{NewSTS: b.NewSTS, MFA: b.MFA, Profile: r.Parent.Name, Source: keys.p, Serial: ps, Duration: gd, Region: stsRegion(region)}
		id := fmt.Sprintf("gst(%s|mfa=%s|d=%d)", keys.id, ps, int(gd.Seconds()))
		src = node{p: b.cached(gst, r.Parent.Name, id), id: id, mfa: ps}
		b.debug("GetSessionToken with MFA, then AssumeRole", "profile", r.Name, "source", r.Parent.Name)
	case r.Parent.Source == awsconfig.SourceKeys:
		// Straight from the long-term keys: the role may last longer than
		// an hour, and MFA goes with the AssumeRole call.
		src = b.keys(r.Parent)
		if serial == "" {
			serial = parentSerial(r)
		}
		b.debug("AssumeRole straight from long-term keys", "profile", r.Name, "source", r.Parent.Name, "duration", d)
	default:
		var err error
		if src, err = b.build(r.Parent, req, region, false); err != nil {
			return node{}, err
		}
	}
	if !src.longTerm && d > ChainedMax {
		b.notice("profile %s: a role assumed with temporary credentials lasts at most 1h; asking for 1h instead of %s", r.Name, d)
		d = ChainedMax
	}
	if serial == src.mfa {
		serial = "" // already proven lower in the chain
	}

	in := sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String(b.sessionName(r)), DurationSeconds: aws.Int32(int32(d / time.Second))}
	if v, ok := r.Get("external_id"); ok {
		in.ExternalId = aws.String(v)
	}
	if v, ok := r.Get("source_identity"); ok {
		in.SourceIdentity = aws.String(v)
	}
	if serial != "" {
		in.SerialNumber = aws.String(serial)
	}
	tags, err := parseTags(r)
	if err != nil {
		return node{}, err
	}
	in.Tags = tags
	if v, ok := r.Get("transitive_session_tags"); ok {
		in.TransitiveTagKeys = splitList(v)
	}
	id := fmt.Sprintf("role(%s|%s|ext=%s|name=%s|d=%d|mfa=%s|tags=%s|tt=%s|si=%s)", src.id, arn, aws.ToString(in.ExternalId),
		sessionNameKey(r), int(d.Seconds()), serial, get(r, "session_tags"), get(r, "transitive_session_tags"), get(r, "source_identity"))
	ar := &AssumeRole{NewSTS: b.NewSTS, MFA: b.MFA, Profile: r.Name, Source: src.p, Input: in, Region: stsRegion(region)}
	mfaUsed := serial
	if mfaUsed == "" {
		mfaUsed = src.mfa
	}
	kind := KindRole
	if !src.longTerm {
		kind = KindRoleChained
	}
	return node{p: b.cached(ar, r.Name, id), id: id, mfa: mfaUsed, kind: kind}, nil
}

func (b *Builder) webIdentity(r *awsconfig.Resolved, req Request, region string, top bool) (node, error) {
	arn, _ := r.Get("role_arn")
	if !roleARN().MatchString(arn) {
		return node{}, &ChainError{Profile: r.Name, Err: fmt.Errorf("role_arn %q is not a role ARN", arn), Hint: "write it as arn:aws:iam::ACCOUNT:role/NAME"}
	}
	d, err := b.duration(r, req, top, maxRole)
	if err != nil {
		return node{}, err
	}
	file, _ := r.Get("web_identity_token_file")
	in := sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(arn), RoleSessionName: aws.String(b.sessionName(r)), DurationSeconds: aws.Int32(int32(d / time.Second))}
	id := fmt.Sprintf("web(%s|%s|d=%d)", arn, file, int(d.Seconds()))
	w := &WebIdentity{NewSTS: b.NewSTS, ReadFile: b.ReadFile, Profile: r.Name, TokenFile: file, Input: in, Region: stsRegion(region)}
	return node{p: b.cached(w, r.Name, id), id: id, kind: KindRole}, nil
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
func (b *Builder) duration(r *awsconfig.Resolved, req Request, top bool, limit time.Duration) (time.Duration, error) {
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
			Hint: "fix duration_seconds in " + b.Config.Paths.Config}
	}
	return d, nil
}

var sessionNameChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\w+=,.@-]`) })

// sessionName is role_session_name, else "sesame-USER-UNIXTIME".
func (b *Builder) sessionName(r *awsconfig.Resolved) string {
	if v, ok := r.Get("role_session_name"); ok && v != "" {
		return v
	}
	user, _ := b.LookupEnv("USER")
	if user == "" {
		user, _ = b.LookupEnv("USERNAME")
	}
	user = sessionNameChars().ReplaceAllString(user, "")
	name := fmt.Sprintf("sesame-%s-%d", user, b.Now().Unix())
	if user == "" {
		name = fmt.Sprintf("sesame-%d", b.Now().Unix())
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
func parseTags(r *awsconfig.Resolved) ([]ststypes.Tag, error) {
	v, ok := r.Get("session_tags")
	if !ok {
		return nil, nil
	}
	var tags []ststypes.Tag
	for _, kv := range splitList(v) {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, &ChainError{Profile: r.Name, Err: fmt.Errorf("session_tags entry %q is not KEY=VALUE", kv), Hint: "write session_tags = Key1=Value1,Key2=Value2"}
		}
		tags = append(tags, ststypes.Tag{Key: aws.String(strings.TrimSpace(k)), Value: aws.String(strings.TrimSpace(val))})
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
