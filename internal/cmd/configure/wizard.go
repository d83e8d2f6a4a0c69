package configure

import (
	"context"
	"fmt"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// wizard is one run: the answers so far.
type wizard struct {
	opts *SSOOptions
	cfg  *awsconfig.Config

	session sso.Session
	// reused is set when an existing sso-session was taken as it is;
	// sessionWritten when the wizard wrote or changed one.
	reused, sessionWritten bool

	account  store.ListedAccount
	role     string
	region   string
	output   string
	profile  string
	asDflt   bool
	replaced []string // notes on what replacing existing sections removed
}

func (w *wizard) run(ctx context.Context) error {
	if err := w.askSession(ctx); err != nil {
		return err
	}
	if !w.reused {
		if err := w.writeSession(); err != nil {
			return err
		}
	}
	client, err := w.opts.Client()
	if err != nil {
		return err
	}
	accounts, err := w.signInAndList(ctx, client)
	if err != nil {
		return err
	}
	if err := w.chooseAccount(ctx, accounts); err != nil {
		return err
	}
	if err := w.chooseRole(ctx); err != nil {
		return err
	}
	if w.region, err = w.ask(ctx, "Default client region", w.session.Region, checkRegion); err != nil {
		return err
	}
	if w.output, err = w.ask(ctx, "CLI default output format", "json", checkOutput); err != nil {
		return err
	}
	if err := w.askProfile(ctx); err != nil {
		return err
	}
	if err := w.askDefault(ctx); err != nil {
		return err
	}
	if err := w.writeProfile(); err != nil {
		return err
	}
	w.summary()
	return nil
}

// ask asks label until check accepts the answer; an empty answer is def
// (shown in brackets). A refused answer's problem is shown above the
// question when it is asked again.
func (w *wizard) ask(ctx context.Context, label, def string, check func(string) (string, error)) (string, error) {
	q := label
	if def != "" {
		q += " [" + def + "]"
	}
	q += ": "
	problem := ""
	for {
		shown := q
		if problem != "" {
			shown = "  " + problem + "\n" + q
		}
		s, err := w.opts.Prompter.Line(ctx, shown)
		if err != nil {
			return "", err
		}
		if s = strings.TrimSpace(s); s == "" {
			s = def
		}
		v, err := check(s)
		if err == nil {
			return v, nil
		}
		problem = err.Error()
	}
}

// askSession asks for the start URL and region, and reuses the
// sso-session that has both; otherwise it asks for the new session's name
// and scopes.
func (w *wizard) askSession(ctx context.Context) error {
	names := w.cfg.SSOSessionNames()
	var known []sso.Session // the config's usable sso-sessions
	for _, n := range names {
		if s, err := sso.SessionNamed(w.cfg, n); err == nil {
			known = append(known, s)
		}
	}
	defURL := ""
	if len(known) == 1 {
		defURL = known[0].StartURL
	}
	startURL, err := w.ask(ctx, "SSO start URL", defURL, checkStartURL)
	if err != nil {
		return err
	}
	defRegion := regionOfURL(startURL)
	for _, s := range known {
		if defRegion == "" && sameStartURL(s.StartURL, startURL) {
			defRegion = s.Region
		}
	}
	region, err := w.ask(ctx, "SSO region", defRegion, checkSSORegion(startURL))
	if err != nil {
		return err
	}
	for _, s := range known {
		if sameStartURL(s.StartURL, startURL) && s.Region == region {
			w.session, w.reused = s, true
			w.opts.IO.Warnf("using [sso-session %s]: it has this start URL and region", s.Name)
			return nil
		}
	}

	defName := freeName(sessionNameFor(startURL), func(n string) bool { _, ok := w.cfg.SSOSession(n); return ok })
	var name string
	for {
		if name, err = w.ask(ctx, "SSO session name", defName, checkName("an sso-session")); err != nil {
			return err
		}
		sec, ok := w.cfg.SSOSession(name)
		if !ok {
			break
		}
		oldURL, _ := sec.Get("sso_start_url")
		oldRegion, _ := sec.Get("sso_region")
		yes, err := w.opts.Prompter.Confirm(ctx, fmt.Sprintf("[sso-session %s] signs in to %s in %s; change it to this start URL and region (its profiles too)?", name, oldURL, oldRegion), false)
		if err != nil {
			return err
		}
		if yes {
			break
		}
	}
	defScopes := sso.DefaultScope
	if sec, ok := w.cfg.SSOSession(name); ok {
		if v, ok := sec.Get("sso_registration_scopes"); ok && strings.TrimSpace(v) != "" {
			defScopes = strings.TrimSpace(v)
		}
	}
	scopes, err := w.ask(ctx, "SSO registration scopes", defScopes, checkScopes)
	if err != nil {
		return err
	}
	w.session = sso.Session{Name: name, StartURL: startURL, Region: region, Scopes: strings.Split(scopes, ", ")}
	return nil
}

// chooseAccount lets the person choose an account, unless there is one.
func (w *wizard) chooseAccount(ctx context.Context, accounts []store.ListedAccount) error {
	if len(accounts) == 1 {
		w.account = accounts[0]
		w.opts.IO.Warnf("the only account you can use is %s (%s)", w.account.Name, w.account.ID)
		return nil
	}
	w.opts.IO.Warnf("you can use %d accounts", len(accounts))
	rows := make([][]string, len(accounts))
	for i, a := range accounts {
		roles := fmt.Sprintf("%d roles", len(a.Roles))
		if len(a.Roles) == 1 {
			roles = "1 role"
		}
		rows[i] = []string{a.Name, a.ID, a.Email, roles}
	}
	i, err := w.opts.Chooser.Choose(ctx, Choice{Title: "AWS account", Filter: "account", Header: []string{"ACCOUNT", "ID", "EMAIL", "ROLES"}, Rows: rows})
	if err != nil {
		return err
	}
	w.account = accounts[i]
	return nil
}

// chooseRole lets the person choose a role in the account, unless there is
// one.
func (w *wizard) chooseRole(ctx context.Context) error {
	roles := w.account.Roles
	if len(roles) == 1 {
		w.role = roles[0]
		w.opts.IO.Warnf("the only role you can use in %s is %s", w.account.Name, w.role)
		return nil
	}
	rows := make([][]string, len(roles))
	for i, r := range roles {
		rows[i] = []string{r}
	}
	i, err := w.opts.Chooser.Choose(ctx, Choice{Title: "Role", Filter: "role", Header: []string{"ROLE IN " + strings.ToUpper(w.account.Name)}, Rows: rows})
	if err != nil {
		return err
	}
	w.role = roles[i]
	return nil
}

// askProfile asks for the profile's name, suggesting one made from the
// account and role names. A name that a profile has already is asked again
// unless the person agrees to replace that profile.
func (w *wizard) askProfile(ctx context.Context) error {
	def := sso.SafeName(w.account.Name + "-" + w.role)
	if def == "" {
		def = sso.SafeName(w.account.ID + "-" + w.role)
	}
	for {
		name, err := w.ask(ctx, "Profile name", def, checkName("a profile"))
		if err != nil {
			return err
		}
		p, ok := w.cfg.Profile(name)
		if !ok {
			w.profile = name
			return nil
		}
		q := fmt.Sprintf("profile %s exists; replace its settings?", name)
		if id, _ := p.Get("sso_account_id"); id == w.account.ID {
			if role, _ := p.Get("sso_role_name"); role == w.role {
				q = fmt.Sprintf("profile %s exists for this role; update it?", name)
			}
		}
		yes, err := w.opts.Prompter.Confirm(ctx, q, false)
		if err != nil {
			return err
		}
		if yes {
			w.profile = name
			return nil
		}
		def = freeName(def, func(n string) bool { _, ok := w.cfg.Profile(n); return ok })
	}
}

// askDefault settles whether the profile is also [default]: yes with
// --default, and for the profile named default; otherwise asked.
func (w *wizard) askDefault(ctx context.Context) error {
	if w.opts.Default || w.profile == "default" {
		w.asDflt = true
		return nil
	}
	q := fmt.Sprintf("Make %s the default profile (write it as [default] too)?", w.profile)
	if _, ok := w.cfg.Profile("default"); ok {
		q = fmt.Sprintf("Make %s the default profile (replacing the settings of [default])?", w.profile)
	}
	yes, err := w.opts.Prompter.Confirm(ctx, q, false)
	w.asDflt = yes
	return err
}

// summary says what was written and what to run next.
func (w *wizard) summary() {
	io := w.opts.IO
	what := "[profile " + w.profile + "]"
	if w.profile == "default" {
		what = "[default]"
	} else if w.asDflt {
		what += " and [default]"
	}
	if w.sessionWritten {
		what = "[sso-session " + w.session.Name + "], " + what
	}
	io.Warnf("wrote %s to %s", what, w.cfg.Paths.Config)
	for _, r := range w.replaced {
		io.Warnf("%s", r)
	}
	io.Warnf("profile %s: account %s (%s), role %s, region %s, output %s, sso-session %s",
		w.profile, w.account.Name, w.account.ID, w.role, w.region, w.output, w.session.Name)
	if w.profile != "default" && w.asDflt {
		io.Warnf("it is also the default profile, used when no profile is named")
	}
	for _, name := range w.targets() {
		if p, ok := w.cfg.Profile(name); ok {
			if v, ok := p.Value("aws_access_key_id"); ok && v.File != "" && v.File == w.cfg.Paths.Credentials {
				io.Warnf("warning: [%s] in %s has access keys, which the AWS CLI and SDKs use before SSO: remove them there", name, v.File)
			}
		}
	}
	io.Warnf("next: sesame exec %s -- aws sts get-caller-identity", w.profile)
}
