// Package setup implements `sesame setup`: a guided, idempotent first run
// on the terminal, from plain-text keys to keys in the store, existing
// tools still working and the shell switching profiles.
//
// # Contract
//
// The steps, in order: the store (offer the encrypted file vault when no
// keyring can be reached), plain-text keys in the shared credentials file
// (offer migrate), profiles that tools read directly (offer a profile with
// credential_process for each), the shell-init line in the shell's rc
// file, configure sso when the config has no sso-session, and doctor's
// verdict. Each step says what it found; one that would change something
// says what and where and asks first (an empty answer is the default, "n"
// skips the step). --yes answers every question with its default, for
// scripted installs. Every file it edits is first copied to
// FILE.sesame-backup-TIME (mode 0600). A step already done says so and
// changes nothing, so a second run changes nothing. The narrative goes to
// stderr, doctor's lines to stdout; nothing secret is ever shown.
//
// The parts that belong to other commands (the vault offer, migrate,
// configure sso, doctor) come in as functions (Deps), wired by
// internal/app: a command package never imports another.
package setup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/genprofile"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/safetext"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/backends"
	"github.com/sesamehq/sesame/internal/store/vault"
)

// Deps are the parts of other commands that setup runs.
type Deps struct {
	// Store opens the secret store as chosen (--backend, SESAME_BACKEND,
	// the settings file, else the platform keyring) without offering the
	// vault: with no keyring it returns a *backends.NoKeyringError. It
	// opens the store once; after OfferVault saved a choice it opens the
	// chosen one.
	Store func(context.Context) (*store.Store, error)
	// OfferVault explains the encrypted file vault and, on a yes (given
	// when yes is set), saves backend = file in the settings file so that
	// the next Store opens it. It reports whether the vault was chosen and
	// the settings file it wrote.
	OfferVault func(ctx context.Context, yes bool) (chosen bool, settingsFile string, err error)
	// Migrate runs sesame migrate without asking again.
	Migrate func(context.Context) error
	// ConfigureSSO runs the sesame configure sso wizard.
	ConfigureSSO func(context.Context) error
	// Doctor runs sesame doctor's checks and prints its lines; its error
	// says how many problems it found.
	Doctor func(context.Context) error
}

// Options are the inputs of `sesame setup`.
type Options struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Deps     Deps
	// Paths are the AWS config and shared credentials files.
	Paths   func() (awsconfig.Paths, error)
	HomeDir func() (string, error)
	Getenv  func(string) string
	Now     func() time.Time
	// Command is how the AWS CLI is to run sesame in credential_process:
	// "sesame" when that is this binary on PATH, else its absolute path.
	Command func() string
	// Backend is the --backend flag, repeated in credential_process.
	Backend func() string
	// SettingsErr is why sesame's settings file cannot be read.
	SettingsErr error

	// Yes answers every question with its default.
	Yes bool
}

// NewCmdSetup builds the command on deps; runF replaces the run function
// in tests.
func NewCmdSetup(f *cmdutil.Factory, deps Deps, command func() string, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Prompter: f.Prompter, Deps: deps, Paths: f.ConfigPaths, HomeDir: f.HomeDir,
		Getenv: f.Getenv, Now: f.Now, Command: command, Backend: func() string { return f.BackendName }}
	cmd := &cobra.Command{
		Use:   "setup [--yes]",
		Short: "Guided first run: store, plain-text keys, existing tools, shell, SSO, doctor",
		Long: `Set sesame up step by step, on the terminal:

  1. the store: say which one works; with no keyring, offer the encrypted
     file vault and save the choice (backend = file) in sesame's settings file
  2. plain-text keys in ~/.aws/credentials: offer to move them into the
     store (sesame migrate; the file is backed up first)
  3. tools that read ~/.aws themselves: offer a profile sesame-NAME with
     credential_process = sesame export --format json -- NAME for each
     profile whose keys are in the store
  4. the shell: add the sesame shell-init line to your shell's rc file
     (bash, zsh, fish), so that sesame use switches the shell
  5. IAM Identity Center: offer sesame configure sso when the config has no
     sso-session
  6. sesame doctor's verdict

Each step says what it would change, and where, before asking; answer n
to skip it. Every file edited is first copied to FILE.sesame-backup-TIME
(mode 0600). Running setup again changes only what is missing. --yes
answers every question with its default, for scripted installs (it never
signs in to SSO: that needs your start URL).

The store's choice is saved in sesame's settings file,
$XDG_CONFIG_HOME/sesame/config (else ~/.config/sesame/config): key = value
lines (backend, file_dir, file_unlock_ttl, pass_dir, pass_prefix, prompt),
each the default of its SESAME_* variable, which overrides it.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SettingsErr = f.SettingsErr
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "answer every question with its default (for scripted installs)")
	return cmd
}

// run is one run's state.
type run struct {
	*Options
	home    string
	paths   awsconfig.Paths
	st      *store.Store // nil when no store works
	changed []string     // what was changed, for the summary
}

// Run runs the steps.
func Run(ctx context.Context, opts *Options) error {
	if opts.SettingsErr != nil {
		return opts.SettingsErr
	}
	if !opts.Yes && (!opts.IO.IsStdinTTY() || !opts.IO.IsStderrTTY()) {
		return cmdutil.WithHint(cmdutil.Usagef("sesame setup asks its questions on a terminal, and this is not one"),
			"run it in a terminal, or accept every default: sesame setup --yes")
	}
	home, err := opts.HomeDir()
	if err != nil {
		return cmdutil.WithHint(err, "set HOME")
	}
	paths, err := opts.Paths()
	if err != nil {
		return err
	}
	r := &run{Options: opts, home: home, paths: paths}
	r.say("sesame setup: six steps; each says what it would change before it asks (answer n to skip one).")
	steps := []struct {
		title string
		fn    func(context.Context) error
	}{
		{"the secret store", r.stepStore},
		{"plain-text keys", r.stepMigrate},
		{"tools that read ~/.aws themselves", r.stepTools},
		{"the shell", r.stepShell},
		{"IAM Identity Center (SSO)", r.stepSSO},
	}
	for i, s := range steps {
		r.say("\n%d/6 %s", i+1, s.title)
		if err := s.fn(ctx); err != nil {
			return err
		}
	}
	if len(r.changed) == 0 {
		r.say("\nnothing was changed: everything was set up already")
	} else {
		r.say("\nchanged:")
		for _, c := range r.changed {
			r.say("  - %s", c)
		}
	}
	r.say("\n6/6 sesame doctor")
	if err := opts.Deps.Doctor(ctx); err != nil {
		return cmdutil.WithHint(err, "fix what doctor says, then run: sesame setup")
	}
	r.say("sesame is set up. Open a new shell, then for example: sesame use PROFILE")
	return nil
}

// say writes a line of the narrative on stderr; control characters (from
// a profile name, say) are shown escaped.
func (r *run) say(format string, args ...any) {
	fmt.Fprintln(r.IO.ErrOut, safetext.EscapeLines(fmt.Sprintf(format, args...)))
}

// ask asks a yes/no question; with --yes it answers def and says so.
func (r *run) ask(ctx context.Context, question string, def bool) (bool, error) {
	if r.Yes {
		answer := "no"
		if def {
			answer = "yes"
		}
		r.say("%s %s (--yes)", question, answer)
		return def, nil
	}
	return r.Prompter.Confirm(ctx, question, def)
}

// show writes path for a person: "~/..." under the home folder.
func (r *run) show(path string) string {
	if rel, err := filepath.Rel(r.home, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel) {
		return "~/" + filepath.ToSlash(rel)
	}
	return path
}

func (r *run) stepStore(ctx context.Context) error {
	st, err := r.Deps.Store(ctx)
	if nk, ok := errors.AsType[*backends.NoKeyringError](err); ok {
		r.say("no keyring can be reached here: %v", nk.Err)
		chosen, settingsFile, offerErr := r.Deps.OfferVault(ctx, r.Yes)
		if offerErr != nil {
			return offerErr
		}
		if !chosen {
			r.say("skipped: with no store, the plain-text keys stay where they are. Later: sesame setup (or choose a backend: export SESAME_BACKEND=pass)")
			return nil
		}
		r.changed = append(r.changed, fmt.Sprintf("%s: backend = file", r.show(settingsFile)))
		st, err = r.Deps.Store(ctx)
	}
	if err != nil {
		return cmdutil.StoreError(fmt.Errorf("the store does not work: %w", err))
	}
	names, err := st.Backend().List(ctx)
	if err != nil {
		return cmdutil.StoreError(fmt.Errorf("the %s store does not work: %w", st.Backend().Name(), err))
	}
	where := ""
	if v, ok := store.Unwrap(st.Backend()).(*vault.Vault); ok {
		where = " (" + r.show(v.Path()) + ")"
	}
	if len(names) == 0 {
		r.say("ok: the %s store%s works; nothing is stored in it yet", st.Backend().Name(), where)
	} else {
		r.say("ok: the %s store%s works (%d items)", st.Backend().Name(), where, len(names))
	}
	r.st = st
	return nil
}

// plainKeys names the sections of the shared credentials file that hold
// a long-term key pair.
func plainKeys(path string) ([]string, error) {
	data, err := awsconfig.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	file, err := awsconfig.Parse(path, data)
	if err != nil {
		return nil, cmdutil.ConfigError(err)
	}
	var names []string
	for _, s := range file.Sections() {
		id, hasID := s.Key("aws_access_key_id")
		secret, hasSecret := s.Key("aws_secret_access_key")
		_, hasToken := s.Key("aws_session_token")
		if hasID && hasSecret && !hasToken && id.Value != "" && secret.Value != "" {
			names = append(names, s.Name)
		}
	}
	return names, nil
}

func (r *run) stepMigrate(ctx context.Context) error {
	cred := r.paths.Credentials
	names, err := plainKeys(cred)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		r.say("ok: no plain-text key pairs in %s", r.show(cred))
		return nil
	}
	r.say("%s holds plain-text key pairs: %s", r.show(cred), sections(names))
	if r.st == nil {
		r.say("skipped: no store to move them into (step 1). Later: sesame setup")
		return nil
	}
	r.say(`sesame migrate stores each key pair in the %s store, reads it back, copies
%s to a backup (mode 0600; it still holds the keys) and removes the
keys from it, leaving a comment where they were.`, r.st.Backend().Name(), r.show(cred))
	yes, err := r.ask(ctx, "Move the keys into the store now?", true)
	if err != nil {
		return err
	}
	if !yes {
		r.say("skipped. Later: sesame migrate")
		return nil
	}
	before, _ := filepath.Glob(cred + ".sesame-backup-*")
	if err := r.Deps.Migrate(ctx); err != nil {
		return cmdutil.WithHint(fmt.Errorf("migrate: %w", err), "run: sesame migrate")
	}
	left, err := plainKeys(cred)
	if err != nil {
		return err
	}
	if moved := len(names) - len(left); moved > 0 {
		r.changed = append(r.changed, fmt.Sprintf("%s: %d key pair(s) moved to the %s store", r.show(cred), moved, r.st.Backend().Name()))
	}
	after, _ := filepath.Glob(cred + ".sesame-backup-*")
	for _, b := range after {
		if slices.Contains(before, b) {
			continue
		}
		r.changed = append(r.changed, "backup "+r.show(b))
		r.say("the backup %s still holds the old keys in plain text; they are in the store now and were read back.", r.show(b))
		del, err := r.ask(ctx, "Delete the backup now?", false)
		if err != nil {
			return err
		}
		if !del {
			r.say("kept %s: delete it once sesame works for you (rm %s)", r.show(b), r.show(b))
			continue
		}
		if err := os.Remove(b); err != nil {
			return fmt.Errorf("cannot delete %s: %w", b, err)
		}
		r.changed = append(r.changed, "deleted "+r.show(b))
		r.say("deleted %s", r.show(b))
	}
	return nil
}

// The profile setup writes is the one sesame use NAME would write and
// keeps up to date (internal/genprofile).
const (
	GeneratedPrefix = genprofile.Prefix
	MarkerKey       = genprofile.MarkerKey
	MarkerValue     = genprofile.MarkerValue
)

func (r *run) stepTools(ctx context.Context) error {
	if r.st == nil {
		r.say("skipped: no store (step 1)")
		return nil
	}
	cfg, err := awsconfig.Load(r.paths)
	if err != nil {
		return cmdutil.ConfigError(err)
	}
	var need, done []string
	for _, name := range cfg.ProfileNames() {
		res, err := cfg.Resolve(name)
		if err != nil || res.Source != awsconfig.SourceKeys || strings.HasPrefix(name, GeneratedPrefix) {
			continue
		}
		if _, inFile := res.Get("aws_access_key_id"); inFile {
			continue // the AWS CLI reads these keys itself
		}
		if _, err := r.st.Keys(ctx, name); err != nil {
			continue
		}
		gen := GeneratedPrefix + name
		if p, ok := cfg.Profile(gen); ok {
			if v, _ := p.Get(MarkerKey); v == MarkerValue && !p.InCredentials {
				done = append(done, gen)
			} else {
				r.say("profile %s exists and sesame did not write it: leaving it as it is (for %s, use sesame use --keys %s)", gen, name, name)
			}
			continue
		}
		need = append(need, name)
	}
	if len(done) > 0 {
		r.say("ok: profiles %s ask sesame for credentials (credential_process)", strings.Join(done, ", "))
	}
	if len(need) == 0 {
		if len(done) == 0 {
			r.say("ok: no profile gets its keys from sesame's store alone")
		}
		return nil
	}
	cmd := r.command()
	example := need[0]
	r.say(`The keys of %s are in sesame's store, where programs that read ~/.aws
themselves (the AWS CLI, SDKs, Terraform) cannot find them. Three ways to
keep those programs working:
  - in a shell: sesame use %s (after step 4); the programs then ask sesame
  - a program configured with a profile name: give it the profile
    %s%s, which holds
      credential_process = %s export --format json -- %s
    so it asks sesame for short-lived credentials itself
  - a program that reads only ~/.aws/credentials: sesame export %s --format ini --write
    writes temporary keys there (run it again when they expire)`,
		strings.Join(need, ", "), example, GeneratedPrefix, example, cmd, example, example)
	var secs []string
	for _, n := range need {
		secs = append(secs, "[profile "+GeneratedPrefix+n+"]")
	}
	yes, err := r.ask(ctx, fmt.Sprintf("Add %s to %s%s?", strings.Join(secs, ", "), r.show(r.paths.Config), backupNote(r.paths.Config)), true)
	if err != nil {
		return err
	}
	if !yes {
		r.say("skipped. Later: sesame use PROFILE writes the profile when it needs it")
		return nil
	}
	backup, err := r.backupIfExists(r.paths.Config)
	if err != nil {
		return err
	}
	err = awsconfig.Update(r.paths.Config, func(f *awsconfig.File) error {
		for _, name := range need {
			res, err := cfg.Resolve(name)
			if err != nil {
				return err
			}
			section := awsconfig.ConfigSection(GeneratedPrefix + name)
			if _, exists := f.ProfileSection(GeneratedPrefix + name); exists {
				continue // written meanwhile
			}
			for i, kv := range genprofile.Keys(res, r.processLine(name)) {
				if err := f.Set(section, kv[0], kv[1]); err != nil {
					return err
				}
				if i == 0 {
					if err := f.AddComment(section, "written by sesame setup for "+name+"; sesame use "+name+" rewrites it, so edit profile "+name+" instead"); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("cannot write %s (unchanged): %w", r.paths.Config, err),
			"fix that, then run: sesame setup (or sesame use PROFILE, which writes the profile it needs)")
	}
	for _, n := range need {
		r.changed = append(r.changed, fmt.Sprintf("%s: [profile %s%s]", r.show(r.paths.Config), GeneratedPrefix, n))
	}
	if backup != "" {
		r.changed = append(r.changed, "backup "+r.show(backup))
	}
	r.say("added %s to %s", strings.Join(secs, ", "), r.show(r.paths.Config))
	return nil
}

// command is how a program is to run this sesame.
func (r *run) command() string {
	if r.Command == nil {
		return "sesame"
	}
	return r.Command()
}

// processLine is the credential_process command line for profile, as
// sesame use writes it.
func (r *run) processLine(profile string) string {
	var backend string
	if r.Backend != nil {
		backend = r.Backend()
	}
	return genprofile.ProcessLine(r.command(), backend, profile)
}

// backupNote tells, in a question, that an existing file is backed up
// first.
func backupNote(path string) string {
	if _, err := os.Stat(path); err != nil {
		return " (a new file)"
	}
	return " (a backup is kept)"
}

// backupIfExists copies path to a backup before it is edited; "" when
// there is no file yet.
func (r *run) backupIfExists(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return Backup(path, data, r.Now())
}

func (r *run) stepShell(ctx context.Context) error {
	rc, ok := ShellRC(r.Getenv("SHELL"), r.home, r.Getenv)
	if !ok {
		r.say(`skipped: setup edits the rc file of bash, zsh and fish, and SHELL is %q.
Add the line yourself: see sesame shell-init --help`, r.Getenv("SHELL"))
		return nil
	}
	data, err := os.ReadFile(rc.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read %s: %w", rc.Path, err)
	}
	if HasInitLine(data) {
		r.say("ok: %s loads sesame's shell function (sesame shell-init)", r.show(rc.Path))
		return nil
	}
	r.say(`sesame use switches the shell it is typed in through a shell function.
To load it in every new %s, setup adds to %s:

    %s
`, rc.Shell, r.show(rc.Path), rc.Line)
	if cmd := r.command(); cmd != "sesame" {
		r.say("note: the line runs sesame from PATH, and %s is not on PATH as sesame: add its folder to PATH in %s too", cmd, r.show(rc.Path))
	}
	yes, err := r.ask(ctx, fmt.Sprintf("Add this line to %s%s?", r.show(rc.Path), backupNote(rc.Path)), true)
	if err != nil {
		return err
	}
	if !yes {
		r.say("skipped. Later: add the line above to %s yourself", r.show(rc.Path))
		return nil
	}
	added, backup, err := AddInitLine(rc, r.Now())
	if err != nil {
		return cmdutil.WithHint(err, fmt.Sprintf("add the line to %s yourself, or fix that and run: sesame setup", rc.Path))
	}
	if !added {
		r.say("ok: %s loads sesame's shell function already", r.show(rc.Path))
		return nil
	}
	r.changed = append(r.changed, fmt.Sprintf("%s: the shell-init line", r.show(rc.Path)))
	if backup != "" {
		r.changed = append(r.changed, "backup "+r.show(backup))
	}
	r.say("added it to %s; new shells load it (in this one, run it once: %s)", r.show(rc.Path), rc.Line)
	return nil
}

func (r *run) stepSSO(ctx context.Context) error {
	cfg, err := awsconfig.Load(r.paths)
	if err != nil {
		return cmdutil.ConfigError(err)
	}
	if names := cfg.SSOSessionNames(); len(names) > 0 {
		r.say("ok: the config has sso-session %s", strings.Join(names, ", "))
		return nil
	}
	for _, p := range cfg.ProfileNames() {
		if prof, ok := cfg.Profile(p); ok {
			if _, legacy := prof.Get("sso_start_url"); legacy {
				r.say("ok: profile %s signs in to IAM Identity Center (sso_start_url)", p)
				return nil
			}
		}
	}
	r.say(`The config has no sso-session. If your organisation signs in through IAM
Identity Center (a start URL like https://my-org.awsapps.com/start),
sesame configure sso asks for it, signs in and writes a profile to %s.`, r.show(r.paths.Config))
	if r.Yes {
		r.say("skipped (--yes): it needs your start URL. Later: sesame configure sso")
		return nil
	}
	yes, err := r.ask(ctx, "Set up IAM Identity Center now?", false)
	if err != nil {
		return err
	}
	if !yes {
		r.say("skipped. Later: sesame configure sso")
		return nil
	}
	if err := r.Deps.ConfigureSSO(ctx); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, prompt.ErrCanceled) {
			return err
		}
		r.say("configure sso did not finish: %v\nLater: sesame configure sso", err)
		return nil
	}
	r.changed = append(r.changed, r.show(r.paths.Config)+": an sso-session and a profile (configure sso)")
	return nil
}

// sections writes names as [a], [b].
func sections(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("[" + n + "]")
	}
	return b.String()
}
