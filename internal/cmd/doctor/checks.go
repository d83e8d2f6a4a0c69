package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/vault"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// ExpiringWithin is how close to its expiry a session or sign-in is
// reported as expiring.
const ExpiringWithin = 15 * time.Minute

// checkFiles: the config and credentials files can be read and parse as
// botocore parses them.
func checkFiles(_ context.Context, e *Env) []Line {
	var lines []Line
	for i, path := range []string{e.Paths.Config, e.Paths.Credentials} {
		data, err := awsconfig.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			lines = append(lines, ok("%s does not exist (nothing to check)", e.show(path)))
			continue
		case errors.As(err, new(*awsconfig.FileError)):
			lines = append(lines, fail("point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at a regular file, or unset them", "cannot read %s: %v", e.show(path), rootCause(err)))
			continue
		case err != nil:
			lines = append(lines, fail("chmod u+rw "+e.show(path), "cannot read %s: %v", e.show(path), rootCause(err)))
			continue
		}
		f, err := awsconfig.Parse(path, data)
		if err == nil {
			// What only shows once the sections are read as profiles (a
			// nested value without '=').
			if i == 0 {
				_, err = awsconfig.Build(e.Paths, f, nil)
			} else {
				_, err = awsconfig.Build(e.Paths, nil, f)
			}
		}
		if err != nil {
			lines = append(lines, parseFailure(e, err))
			continue
		}
		lines = append(lines, ok("%s parses", e.show(path)))
	}
	return lines
}

// parseFailure is the line of a file that does not parse: FILE:LINE and
// what is wrong, never the line itself (it may hold a secret).
func parseFailure(e *Env, err error) Line {
	var pe *awsconfig.ParseError
	if errors.As(err, &pe) {
		if pe.Line > 0 {
			return fail(fmt.Sprintf("correct line %d of %s (the AWS CLI cannot read the file either)", pe.Line, e.show(pe.File)),
				"%s:%d: %s", e.show(pe.File), pe.Line, pe.Msg)
		}
		return fail("correct "+e.show(pe.File)+" (the AWS CLI cannot read it either)", "%s: %s", e.show(pe.File), pe.Msg)
	}
	return fail("correct the file", "%s", e.tilde(err.Error()))
}

// tilde writes the home folder in text as "~".
func (e *Env) tilde(text string) string {
	if e.Home == "" {
		return text
	}
	return strings.ReplaceAll(text, e.Home+string(filepath.Separator), "~"+string(filepath.Separator))
}

// rootCause strips the *fs.PathError around err (its path is shown
// separately).
func rootCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkPlaintextKeys: long-term key pairs in plain text, in the shared
// credentials file (sesame migrate moves them) and in the config file.
// Temporary credentials (with a session token), such as export --write
// writes, are not reported.
func checkPlaintextKeys(_ context.Context, e *Env) []Line {
	var lines []Line
	if profiles, ok := longTermKeys(e.Paths.Credentials, false); ok && len(profiles) > 0 {
		lines = append(lines, fail("sesame migrate", "%s holds plain-text long-term keys: %s", e.show(e.Paths.Credentials), profileList(profiles)))
	}
	if profiles, ok := longTermKeys(e.Paths.Config, true); ok {
		for _, p := range profiles {
			lines = append(lines, fail(fmt.Sprintf("sesame add %s, then delete aws_access_key_id and aws_secret_access_key from [%s] in %s",
				p, awsconfig.ConfigSection(p), e.show(e.Paths.Config)),
				"%s holds a plain-text long-term key: profile %s", e.show(e.Paths.Config), p))
		}
	}
	if len(lines) == 0 {
		lines = append(lines, ok("no plain-text long-term keys in %s or %s", e.show(e.Paths.Credentials), e.show(e.Paths.Config)))
	}
	return lines
}

// longTermKeys returns the profiles of path that hold a secret access key
// and no session token; false when the file cannot be read or parsed (the
// files check reports that).
func longTermKeys(path string, configFile bool) ([]string, bool) {
	data, err := awsconfig.ReadFile(path)
	if err != nil {
		return nil, errors.Is(err, fs.ErrNotExist)
	}
	f, err := awsconfig.Parse(path, data)
	if err != nil {
		return nil, false
	}
	var out []string
	for _, s := range f.Sections() {
		_, secret := s.Key("aws_secret_access_key")
		_, token := s.Key("aws_session_token")
		if !secret || token {
			continue
		}
		name := s.Name
		if configFile {
			var isProfile bool
			if name, isProfile = profileOfSection(s.Name); !isProfile {
				continue
			}
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, true
}

// profileOfSection is the profile a config file section names, as
// botocore reads "[default]" and "[profile NAME]".
func profileOfSection(section string) (string, bool) {
	if section == "default" {
		return "default", true
	}
	words := strings.Fields(section)
	if len(words) == 2 && words[0] == "profile" {
		return strings.Trim(words[1], `"'`), true
	}
	return "", false
}

func profileList(names []string) string {
	const most = 10
	if len(names) <= most {
		return "profiles " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("profiles %s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// checkFileModes: the credentials file, the AWS CLI's SSO cache files and
// sesame's vault and folders are private (checkWritable checks the config
// file and the AWS folders). Not on Windows, where modes say nothing.
func checkFileModes(_ context.Context, e *Env) []Line {
	if e.GOOS == "windows" {
		return []Line{ok("file modes are not checked on Windows")}
	}
	var lines []Line
	private := func(path string, dir bool) {
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			lines = append(lines, fail("chmod u+rwx "+e.show(filepath.Dir(path)), "cannot check %s: %v", e.show(path), rootCause(err)))
			return
		}
		mode := fi.Mode().Perm()
		if mode&0o077 == 0 {
			return
		}
		how := "readable by others"
		if mode&0o044 == 0 {
			how = "open to others"
		}
		fix := "chmod 600 " + e.show(path)
		if dir {
			fix = "chmod 700 " + e.show(path)
		}
		lines = append(lines, fail(fix, "%s is %s (mode %04o)", e.show(path), how, mode))
	}
	private(e.Paths.Credentials, false)
	// The config file's write bits are checkWritable's.
	cacheFiles, _ := filepath.Glob(filepath.Join(e.Home, ".aws", "sso", "cache", "*.json"))
	sort.Strings(cacheFiles)
	for _, f := range cacheFiles {
		private(f, false)
	}
	if e.VaultDir != "" {
		private(e.VaultDir, true)
		private(filepath.Join(e.VaultDir, vault.FileName), false)
	}
	if e.StateDir != "" {
		private(e.StateDir, true)
	}
	if len(lines) == 0 {
		lines = append(lines, ok("file modes: the credentials file, the AWS CLI's SSO cache and sesame's folders are private"))
	}
	return lines
}

// checkProfiles: every profile resolves; a source_profile, include_profile
// or sso_session that does not exist, or a loop, is named once.
func checkProfiles(_ context.Context, e *Env) []Line {
	cfg := e.config()
	if cfg == nil {
		return nil
	}
	var lines []Line
	seen := map[string]bool{}
	for _, name := range cfg.ProfileNames() {
		_, err := cfg.Resolve(name)
		if err == nil {
			continue
		}
		key := err.Error()
		var ce *awsconfig.CycleError
		if errors.As(err, &ce) {
			key = "loop " + strings.Join(loopMembers(ce.Path), " ")
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		msg := e.tilde(err.Error())
		if ce != nil {
			// The loop itself, without the profiles that lead into it.
			last := ce.Path[len(ce.Path)-1]
			msg = fmt.Sprintf("%s loop: %s", ce.Key, strings.Join(ce.Path[slices.Index(ce.Path, last):], " -> "))
		}
		lines = append(lines, fail(profileFix(e, cfg, err), "%s", msg))
	}
	if len(lines) == 0 {
		lines = append(lines, ok("%s resolve: no missing or circular source_profile, include_profile or sso_session", plural(len(cfg.ProfileNames()), "profile")))
	}
	return lines
}

// loopMembers returns the names that make up the loop at the end of path
// (whose last name repeats an earlier one), sorted.
func loopMembers(path []string) []string {
	if len(path) == 0 {
		return nil
	}
	last := path[len(path)-1]
	i := slices.Index(path, last)
	members := slices.Clone(path[i : len(path)-1])
	sort.Strings(members)
	return members
}

// profileFix says how to fix a profile that does not resolve.
func profileFix(e *Env, cfg *awsconfig.Config, err error) string {
	file := e.show(cfg.Paths.Config)
	var ce *awsconfig.CycleError
	if errors.As(err, &ce) {
		members := loopMembers(ce.Path)
		sections := make([]string, len(members))
		for i, m := range members {
			sections[i] = "[" + awsconfig.ConfigSection(m) + "]"
		}
		return fmt.Sprintf("break the loop: change %s in one of %s in %s", ce.Key, strings.Join(sections, ", "), file)
	}
	var nf *awsconfig.NotFoundError
	if errors.As(err, &nf) {
		key := "source_profile"
		if strings.Contains(err.Error(), ": include_profile profile ") {
			key = "include_profile"
		}
		section := "[" + awsconfig.ConfigSection(nf.Name) + "]"
		if nf.Kind == "sso-session" {
			key, section = "sso_session", "["+awsconfig.SSOSessionSection(nf.Name)+"]"
		}
		if nf.Suggestion != "" {
			return fmt.Sprintf("change %s %q to %q in %s", key, nf.Name, nf.Suggestion, file)
		}
		return fmt.Sprintf("add a %s section to %s, or change the %s that names it", section, file, key)
	}
	return "correct the profile in " + file
}

// checkSSOSessions: every sso-session, and every profile that signs in
// with a start URL of its own, has an https start URL and a region that
// matches the start URL's (sso.SessionNamed and sso.SessionFor check it).
func checkSSOSessions(_ context.Context, e *Env) []Line {
	cfg := e.config()
	if cfg == nil {
		return nil
	}
	var lines []Line
	seen := map[string]bool{}
	report := func(err error) {
		if err == nil || seen[err.Error()] {
			return
		}
		seen[err.Error()] = true
		fix := "correct " + e.show(cfg.Paths.Config)
		var ce *sso.ConfigError
		if errors.As(err, &ce) {
			fix = fmt.Sprintf("correct %s in %s of %s", ce.Key, ce.Where, e.show(ce.File))
		}
		lines = append(lines, fail(fix, "%s", e.tilde(err.Error())))
	}
	n := 0
	for _, name := range cfg.SSOSessionNames() {
		n++
		_, err := sso.SessionNamed(cfg, name)
		report(err)
	}
	for _, name := range cfg.ProfileNames() {
		r, err := cfg.Resolve(name)
		if err != nil || r.Source != awsconfig.SourceSSO {
			continue
		}
		if r.SSOSession == nil {
			n++
		}
		_, hasAccount := r.Get("sso_account_id")
		_, hasRole := r.Get("sso_role_name")
		_, err = sso.SessionFor(cfg, r, hasAccount || hasRole)
		report(err)
	}
	if len(lines) == 0 {
		if n == 0 {
			return []Line{ok("no IAM Identity Center sign-ins configured")}
		}
		lines = append(lines, ok("IAM Identity Center: start URLs and regions agree"))
	}
	return lines
}

// checkStore: the store backend opens and lists its items.
func checkStore(ctx context.Context, e *Env) []Line {
	st, err := e.store(ctx)
	if err != nil {
		name := ""
		if st != nil {
			name = st.Backend().Name()
		}
		return []Line{storeFailure(e, name, err)}
	}
	b := st.Backend()
	where := ""
	if v, isVault := store.Unwrap(b).(*vault.Vault); isVault {
		where = " (" + e.show(v.Path()) + ")"
		if _, err := os.Stat(v.Path()); errors.Is(err, fs.ErrNotExist) {
			return []Line{ok("store: the %s backend is available%s; nothing is stored yet", b.Name(), where)}
		}
	}
	return []Line{ok("store: the %s backend%s is available and unlocked (%s)", b.Name(), where, plural(e.items, "item"))}
}

// storeFailure is the line of a store that cannot be opened or listed.
func storeFailure(e *Env, backend string, err error) Line {
	msg := e.tilde(err.Error())
	fileBackend := backend == "file" || (backend == "" && e.Backend == "file")
	switch {
	case backend == "" && e.Backend == "" && (errors.Is(err, store.ErrUnavailable) || strings.Contains(msg, "no keyring")):
		return fail("export SESAME_BACKEND=file   # or run sesame with --backend file (or pass)",
			"store: no backend configured and no platform keyring: %s", msg)
	case errors.Is(err, store.ErrLocked) && fileBackend:
		return fail("export SESAME_FILE_PASSPHRASE_COMMAND='...'   # a command that prints the vault passphrase; or run sesame doctor on a terminal",
			"store: the file vault is locked: %s", msg)
	case errors.Is(err, store.ErrLocked):
		return fail(cmdutil.Hint(cmdutil.StoreError(err)), "store: the %s keyring is locked: %s", orName(backend, e.Backend), msg)
	}
	fix := cmdutil.Hint(cmdutil.StoreError(err))
	if fix == "" {
		fix = "choose a backend that works here: export SESAME_BACKEND=file (or pass)"
	}
	return fail(fix, "store: %s", msg)
}

func orName(a, b string) string {
	if a != "" {
		return a
	}
	if b != "" {
		return b
	}
	return "platform"
}

// checkSessions: cached sessions that have expired, or expire within
// ExpiringWithin. sesame starts a new session by itself when one is used;
// clearing them now removes the stale ones.
func checkSessions(ctx context.Context, e *Env) []Line {
	cfg := e.config()
	st, err := e.store(ctx)
	if cfg == nil || err != nil {
		return nil
	}
	// The zero time: every session, the expired ones too.
	inv, err := st.Inventory(ctx, cfg.ProfileNames(), time.Time{})
	if err != nil {
		return []Line{fail("sesame clear", "cannot read the cached sessions: %s", e.tilde(err.Error()))}
	}
	now := e.Now()
	profiles := make([]string, 0, len(inv.Sessions))
	for p := range inv.Sessions {
		profiles = append(profiles, p)
	}
	sort.Strings(profiles)
	var lines []Line
	valid := 0
	for _, p := range profiles {
		left := inv.Sessions[p].Sub(now)
		switch {
		case left <= 0:
			lines = append(lines, warn("sesame clear "+p, "profile %s: the cached session expired %s ago", p, timefmt.Short(-left)))
		case left < ExpiringWithin:
			lines = append(lines, warn("sesame clear "+p+"   # the next command then starts a new session", "profile %s: the cached session expires in %s", p, timefmt.Short(left)))
		default:
			valid++
		}
	}
	switch {
	case len(profiles) == 0:
		return []Line{ok("no cached sessions")}
	case len(lines) == 0:
		return []Line{ok("cached sessions: %s, valid for more than %s", plural(valid, "profile"), timefmt.Short(ExpiringWithin))}
	}
	return lines
}

// ssoTarget is one sign-in: an sso-session, or a start URL of legacy
// profiles, with the command that signs in to it.
type ssoTarget struct {
	session sso.Session
	login   string
}

// ssoTargets returns the sign-ins of the config that are configured
// correctly (checkSSOSessions reports the others), by store key.
func ssoTargets(cfg *awsconfig.Config) []ssoTarget {
	var out []ssoTarget
	seen := map[string]bool{}
	for _, name := range cfg.SSOSessionNames() {
		if s, err := sso.SessionNamed(cfg, name); err == nil {
			seen[s.Key()] = true
			out = append(out, ssoTarget{s, "sesame sso login --sso-session " + name})
		}
	}
	for _, name := range cfg.ProfileNames() {
		r, err := cfg.Resolve(name)
		if err != nil || r.Source != awsconfig.SourceSSO || r.SSOSession != nil {
			continue
		}
		s, err := sso.SessionFor(cfg, r, false)
		if err != nil || seen[s.Key()] {
			continue
		}
		seen[s.Key()] = true
		out = append(out, ssoTarget{s, "sesame sso login --profile " + name})
	}
	return out
}

// checkSSOTokens: each sign-in is there and valid for more than
// ExpiringWithin, or renews itself with its refresh token.
func checkSSOTokens(ctx context.Context, e *Env) []Line {
	cfg := e.config()
	st, err := e.store(ctx)
	if cfg == nil || err != nil {
		return nil
	}
	now := e.Now()
	var lines []Line
	for _, tg := range ssoTargets(cfg) {
		name := tg.session.Describe()
		t, err := st.Token(ctx, tg.session.Key())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			lines = append(lines, fail(cmdutil.Hint(cmdutil.StoreError(err)), "%s: cannot read the sign-in: %s", name, e.tilde(err.Error())))
			continue
		}
		found := err == nil
		left := t.ExpiresAt.Sub(now)
		renews := found && t.RefreshToken != "" && t.RegistrationExpiresAt.After(now)
		if found && left >= ExpiringWithin {
			lines = append(lines, ok("%s: signed in (%s left)", name, timefmt.Short(left)))
			continue
		}
		if renews {
			lines = append(lines, ok("%s: signed in (the token renews itself until %s)", name, timefmt.At(t.RegistrationExpiresAt, now)))
			continue
		}
		// The AWS CLI's sign-in, which sesame uses when it has none.
		if ct, cached, err := sso.ReadCLICache(e.Home, tg.session); err == nil && cached && ct.ExpiresAt.Sub(now) >= ExpiringWithin {
			lines = append(lines, ok("%s: signed in through the AWS CLI (%s left)", name, timefmt.Short(ct.ExpiresAt.Sub(now))))
			continue
		}
		switch {
		case !found:
			lines = append(lines, warn(tg.login, "%s: not signed in", name))
		case left > 0:
			lines = append(lines, warn(tg.login, "%s: the sign-in expires in %s", name, timefmt.Short(left)))
		default:
			lines = append(lines, warn(tg.login, "%s: the sign-in expired %s ago", name, timefmt.Short(-left)))
		}
	}
	return lines
}

// checkCLICache: the AWS CLI's SSO cache (~/.aws/sso/cache) holds no
// expired sign-in that cannot renew itself.
func checkCLICache(_ context.Context, e *Env) []Line {
	dir := filepath.Join(e.Home, ".aws", "sso", "cache")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return []Line{ok("no sign-ins in the AWS CLI's SSO cache (%s)", e.show(dir))}
	}
	sort.Strings(files)
	// Which sign-in each file is, by its name (the SHA-1 of the
	// sso-session name or start URL) or by its start URL.
	byFile, byURL := map[string]ssoTarget{}, map[string]ssoTarget{}
	if cfg := e.config(); cfg != nil {
		for _, tg := range ssoTargets(cfg) {
			byFile[tg.session.CacheFile()] = tg
			if tg.session.Name == "" {
				byURL[tg.session.StartURL] = tg
			}
		}
	}
	now := e.Now()
	var lines []Line
	tokens := 0
	for _, path := range files {
		data, err := awsconfig.ReadFile(path)
		if err != nil {
			continue // the file-modes check reports unreadable files
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			lines = append(lines, warn("rm "+e.show(path), "%s is not JSON", e.show(path)))
			continue
		}
		str := func(k string) string { v, _ := m[k].(string); return v }
		if str("accessToken") == "" {
			continue // a client registration, not a sign-in
		}
		tokens++
		expires, okTime := cliTime(str("expiresAt"))
		renews := str("refreshToken") != "" && str("clientSecret") != ""
		if reg, known := cliTime(str("registrationExpiresAt")); renews && (!known || !reg.After(now)) {
			renews = false
		}
		if okTime && expires.After(now) || renews {
			continue
		}
		tg, known := byFile[filepath.Base(path)]
		if !known {
			tg, known = byURL[str("startUrl")]
		}
		ago := "at an unknown time"
		if okTime {
			ago = timefmt.Short(now.Sub(expires)) + " ago"
		}
		if known {
			lines = append(lines, warn(tg.login+" --share", "%s: the AWS CLI's sign-in to %s expired %s", e.show(path), tg.session.Describe(), ago))
		} else {
			lines = append(lines, warn("rm "+e.show(path), "%s: an AWS CLI sign-in that no profile uses expired %s", e.show(path), ago))
		}
	}
	if len(lines) == 0 {
		return []Line{ok("AWS CLI's SSO cache: %s, none expired", plural(tokens, "sign-in"))}
	}
	return lines
}

// cliTime parses a time as the AWS CLI and SDKs write it in the cache.
func cliTime(s string) (time.Time, bool) {
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// plural writes n and noun, with an "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
