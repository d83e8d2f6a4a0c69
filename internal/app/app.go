// Package app wires sesame together: it builds the Factory for a real run,
// the root command with every subcommand, and turns the error a command
// returns into the exit status and the "sesame:" and "hint:" lines on
// stderr. It is the only place that knows every command.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmd/add"
	"github.com/sesamehq/sesame/internal/cmd/clearcmd"
	"github.com/sesamehq/sesame/internal/cmd/configure"
	"github.com/sesamehq/sesame/internal/cmd/doctor"
	ekscmd "github.com/sesamehq/sesame/internal/cmd/eks"
	"github.com/sesamehq/sesame/internal/cmd/execcmd"
	"github.com/sesamehq/sesame/internal/cmd/export"
	"github.com/sesamehq/sesame/internal/cmd/list"
	"github.com/sesamehq/sesame/internal/cmd/lock"
	"github.com/sesamehq/sesame/internal/cmd/login"
	"github.com/sesamehq/sesame/internal/cmd/migrate"
	"github.com/sesamehq/sesame/internal/cmd/promptcmd"
	"github.com/sesamehq/sesame/internal/cmd/remove"
	"github.com/sesamehq/sesame/internal/cmd/rotate"
	"github.com/sesamehq/sesame/internal/cmd/shellinit"
	signincmd "github.com/sesamehq/sesame/internal/cmd/signin"
	"github.com/sesamehq/sesame/internal/cmd/signout"
	"github.com/sesamehq/sesame/internal/cmd/status"
	"github.com/sesamehq/sesame/internal/cmd/use"
	"github.com/sesamehq/sesame/internal/cmd/version"
	"github.com/sesamehq/sesame/internal/cmd/whoami"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/mfa"
	"github.com/sesamehq/sesame/internal/picker"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/runenv"
	"github.com/sesamehq/sesame/internal/safetext"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/backends"
)

// NewFactory builds the Factory for a real run of the binary. It takes
// sesame's own secrets out of the process environment (see
// runenv.TakeSecretEnv): call it once, before anything starts a child.
func NewFactory(build cmdutil.BuildInfo, logLevel *slog.LevelVar) *cmdutil.Factory {
	ios := iostreams.System(os.Getenv)
	f := &cmdutil.Factory{
		IOStreams: ios,
		LookupEnv: runenv.TakeSecretEnv(),
		HomeDir:   runenv.HomeDir,
		// The front program's path when it started this one.
		Executable: runenv.TakeSelf(os.Executable),
		Now:        time.Now,
		Logger:     NewLogger(ios.ErrOut, logLevel),
		Build:      build,
		Prompter:   prompt.TTY{},
	}
	f.OpenBackend = func(ctx context.Context, name string) (store.Backend, error) {
		home, err := f.HomeDir()
		if err != nil {
			return nil, err
		}
		deps := backends.Deps{LookupEnv: f.LookupEnv, Home: home, Prompter: f.Prompter, Stderr: ios.ErrOut, Logger: f.Logger}
		b, err := backends.Open(ctx, name, deps)
		if nk, ok := errors.AsType[*backends.NoKeyringError](err); ok {
			return offerVault(ctx, f, nk, deps)
		}
		return b, err
	}
	useSettings(f)
	f.Picker = &picker.TTY{Store: f.Store, Now: f.Now, Color: ios.ColorEnabled, Getenv: f.Getenv}
	f.STS = func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (*sts.Client, error) {
		return newSTSClient(ctx, f, c, profile, region)
	}
	f.IAM = func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (*iam.Client, error) {
		return newIAMClient(ctx, f, c, profile, region)
	}
	return f
}

// getCreds builds the credential chain of internal/creds for one request.
func getCreds(ctx context.Context, f *cmdutil.Factory, req creds.Request) (creds.Result, error) {
	b, err := newBuilder(f, req)
	if err != nil {
		return creds.Result{}, err
	}
	return b.Get(ctx, req)
}

// needPerson says what a person must do before profile's credentials can
// be handed out ("" for nothing), without calling AWS (sesame status).
func needPerson(ctx context.Context, f *cmdutil.Factory, profile string) (string, error) {
	req := creds.Request{Profile: profile}
	b, err := newBuilder(f, req)
	if err != nil {
		return "", err
	}
	return b.Need(ctx, req)
}

// newBuilder wires the credential chain's dependencies for req.
func newBuilder(f *cmdutil.Factory, req creds.Request) (*creds.Builder, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	state, err := f.StateDir()
	if err != nil {
		return nil, err
	}
	b := &creds.Builder{
		Config: cfg,
		Store: func(ctx context.Context) (creds.Store, error) {
			st, err := f.Store(ctx)
			if err != nil {
				return nil, cmdutil.StoreError(err)
			}
			return st, nil
		},
		NewSTS: credsSTS(f),
		MFA: creds.MFAFunc(mfa.Source(mfa.Options{Token: req.MFAToken, Process: mfaProcess(cfg, req.Profile), Profile: req.Profile,
			Prompt: f.Getenv("SESAME_PROMPT"), Prompter: f.Prompter, Stderr: f.IOStreams.ErrOut})),
		LookupEnv: f.LookupEnv,
		ReadFile:  os.ReadFile,
		Now:       f.Now,
		LockDir:   filepath.Join(state, "locks"),
		Logger:    f.Logger,
		Notice:    f.IOStreams.Warnf,
	}
	client, err := newSSOClient(f)
	if err != nil {
		return nil, err
	}
	profiles := &sso.Profiles{Client: client}
	// Sign in on the spot only where a person can: a terminal, or when
	// SESAME_SSO_AUTO_LOGIN asks for it. Elsewhere (credential_process, CI)
	// the error names the command to run.
	if f.IOStreams.IsStderrTTY() || f.Getenv("SESAME_SSO_AUTO_LOGIN") != "" {
		profiles.Login = func(ctx context.Context, s sso.Session, profile string) error {
			_, err := client.Login(ctx, s, ssoLoginOptions(f, false, false))
			return err
		}
	}
	b.SSO = profiles
	if b.SignIn, err = newSigninManager(f); err != nil {
		return nil, err
	}
	return b, nil
}

// mfaProcess is the first mfa_process along the profile's chain.
func mfaProcess(cfg *awsconfig.Config, profile string) string {
	r, err := cfg.Resolve(profile)
	for ; err == nil && r != nil; r = r.Parent {
		if v, ok := r.Get("mfa_process"); ok && v != "" {
			return v
		}
	}
	return ""
}

// NewRootCmd builds the command tree on f.
func NewRootCmd(f *cmdutil.Factory, logLevel *slog.LevelVar) *cobra.Command {
	var debug, noColor bool
	root := &cobra.Command{
		Use:   "sesame <command>",
		Short: "Short-lived AWS credentials from keys kept out of plain text",
		Long: `sesame keeps long-term AWS keys out of plain-text files and hands programs
short-lived credentials instead. It reads the same ~/.aws/config as the AWS CLI.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Build.Version,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if debug && logLevel != nil {
				logLevel.Set(slog.LevelDebug)
			}
			if noColor || f.Getenv("NO_COLOR") != "" {
				f.IOStreams.DisableColor()
			}
			if f.BackendName != "" && !slices.Contains(backends.Names, f.BackendName) && f.BackendName != "keyctl" {
				return cmdutil.Usagef("unknown backend %q: choose one of %s", f.BackendName, strings.Join(backends.Names, ", "))
			}
			if f.SettingsErr != nil && !slices.Contains([]string{"setup", "doctor", "version"}, cmd.Name()) {
				return f.SettingsErr
			}
			return nil
		},
	}
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().BoolVar(&debug, "debug", false, "print diagnostics to stderr (secrets are always redacted)")
	root.PersistentFlags().BoolVar(&noColor, "no-color", false, "never use colour (also NO_COLOR)")
	root.PersistentFlags().StringVar(&f.BackendName, "backend", "", "secret store: "+strings.Join(backends.Names, ", ")+" (also SESAME_BACKEND)")
	_ = root.RegisterFlagCompletionFunc("backend", cobra.FixedCompletions(backends.Names, cobra.ShellCompDirectiveNoFileComp))
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &cmdutil.UsageError{Err: err}
	})
	root.CompletionOptions.HiddenDefaultCmd = false

	// The credential chain, checked (errors with a next step, no malformed
	// keys, --region applied: internal/credcheck), and IAM Identity Center:
	// handed to the commands that use them.
	getter := credcheck.Checked(func(ctx context.Context, req creds.Request) (creds.Result, error) { return getCreds(ctx, f, req) })
	ssoDeps := sso.Deps{
		Client:       func() (*sso.Client, error) { return newSSOClient(f) },
		LoginOptions: func(deviceCode, noBrowser bool) sso.LoginOptions { return ssoLoginOptions(f, deviceCode, noBrowser) },
	}
	root.AddCommand(
		add.NewCmdAdd(f, nil),
		clearcmd.NewCmdClear(f, nil),
		configure.NewCmdConfigure(f, ssoDeps),
		doctor.NewCmdDoctor(f, nil),
		ekscmd.NewCmdEKS(f, ekscmd.Deps{Creds: getter, Clusters: eksClusters(f), Presigner: eksPresigner(f)}),
		execcmd.NewCmdExec(f, getter, nil),
		export.NewCmdExport(f, getter, nil),
		list.NewCmdList(f, nil),
		lock.NewCmdLock(f, nil),
		login.NewCmdLogin(f, getter, nil),
		migrate.NewCmdMigrate(f, nil),
		remove.NewCmdRemove(f, nil),
		rotate.NewCmdRotate(f, nil),
		newCmdSetup(f, ssoDeps),
		shellinit.NewCmdShellInit(f, nil),
		signincmd.NewCmdSignin(f, signinDeps(f), nil),
		signout.NewCmdSignout(f, signinDeps(f), nil),
		promptcmd.NewCmdPrompt(f, nil),
		status.NewCmdStatus(f, func(ctx context.Context, profile string) (string, error) { return needPerson(ctx, f, profile) }, ssoDeps, signinDeps(f), nil),
		newCmdSSO(f, ssoDeps),
		use.NewCmdUse(f, getter, nil),
		version.NewCmdVersion(f, nil),
		whoami.NewCmdWhoami(f, getter, nil),
	)
	return root
}

// Run runs sesame with args and returns the exit status. Errors are printed
// here and nowhere else.
func Run(ctx context.Context, f *cmdutil.Factory, logLevel *slog.LevelVar, args []string) int {
	root := NewRootCmd(f, logLevel)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if isCobraUsageError(err) {
		err = &cmdutil.UsageError{Err: err}
	}
	PrintError(f.IOStreams.ErrOut, err)
	return cmdutil.ExitCode(err)
}

// isCobraUsageError recognises the errors cobra makes itself for a command
// line it cannot dispatch; cobra gives them no type of their own.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// PrintError writes err and its hint to w, each line prefixed "sesame: ",
// with control characters (from a profile name or a value of the AWS files,
// say) shown escaped (safetext.Escape), never sent raw to the terminal.
// An *ExitCodeError prints nothing: the child already spoke.
func PrintError(w io.Writer, err error) {
	var ec *cmdutil.ExitCodeError
	if errors.As(err, &ec) {
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "sesame: %s\n", safetext.Escape(line))
	}
	var ue *cmdutil.UsageError
	hint := cmdutil.ErrorHint(err)
	if hint == "" && errors.As(err, &ue) {
		hint = "run: sesame --help"
	}
	if hint != "" {
		fmt.Fprintf(w, "sesame: hint: %s\n", safetext.EscapeLines(hint))
	}
}
