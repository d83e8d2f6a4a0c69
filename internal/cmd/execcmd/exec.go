// Package execcmd implements `sesame exec`: run a command with a profile's
// temporary credentials in its environment, exiting with its exit status.
//
// The child's environment is the parent's without any AWS credentials,
// profile selection or sesame secrets, plus the new credentials (see
// [Environ]). On Unix sesame replaces itself with the command (execve), so
// that nothing of sesame stays behind and the command gets signals and the
// terminal directly; where a process cannot be replaced (Windows) it runs
// the command as a child with [RunChild]. Running `sesame exec` inside
// another is refused unless --force-nest is given, as the inner one would
// get its credentials from the outer one's keys.
//
// With --server ecs or --server imds the child gets no keys: sesame gets
// the credentials once (asking for an MFA code, if any, before the child
// starts), serves them on 127.0.0.1 with a credential server of
// internal/server, which renews them from the same cached chain, and
// points the child at it (see [ServerEnviron]). sesame then stays alive:
// it runs the command with [RunChild], stops the server when the command
// ends and exits with its status.
package execcmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/server"
)

// Exit statuses a shell uses for a command it cannot run.
const (
	ExitNotFound      = 127
	ExitCannotExecute = 126
)

// The kinds of credential server of --server.
const (
	ServerECS  = "ecs"  // container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)
	ServerIMDS = "imds" // EC2 instance metadata, IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT)
)

// Options are the inputs of `sesame exec`.
type Options struct {
	IO *iostreams.IOStreams
	// Creds gets the credentials.
	Creds creds.Getter
	// SelectProfile picks the profile from the argument (cli.md's order).
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// LookupEnv reads sesame's environment.
	LookupEnv func(string) (string, bool)
	// Environ returns sesame's whole environment, the base of the child's.
	Environ func() []string
	// Replace runs the command in place of sesame: it returns only when the
	// command cannot be started or, where the process cannot be replaced,
	// with the command's exit status as an *cmdutil.ExitCodeError (nil for
	// 0). Nil means the platform's way (execve on Unix).
	Replace func(ctx context.Context, path string, argv, env []string) error
	// RunChild runs the command as a child with a credential server
	// (--server); nil means [RunChild].
	RunChild func(ctx context.Context, c Child) (int, error)
	// Config loads the AWS config, to warn about a [default] profile whose
	// own credentials the SDKs would use before a credential server; nil
	// skips the check.
	Config func() (*awsconfig.Config, error)

	// Profile is the profile argument ("" when none).
	Profile string
	// Command is the command and its arguments; empty means the shell.
	Command []string
	// Request carries --duration, --no-session, --region and --mfa-token.
	Request creds.Request
	// JSON prints the credential_process document instead of running
	// anything (-j/--json).
	JSON bool
	// ForceNest runs even inside another `sesame exec`.
	ForceNest bool
	// Server is "" (keys in the environment), ServerECS or ServerIMDS
	// (--server).
	Server string
}

// NewCmdExec builds the command on getter, the credential chain; runF replaces
// the run function in tests.
func NewCmdExec(f *cmdutil.Factory, getter creds.Getter, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		Creds:         getter,
		IO:            f.IOStreams,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) },
		LookupEnv:     f.LookupEnv,
		Environ:       os.Environ,
		Config:        f.Config,
	}
	var profileArg *cmdutil.ProfileArg
	cmd := &cobra.Command{
		Use:   "exec [PROFILE] [flags] [-- CMD [ARG...]]",
		Short: "Run a command with temporary credentials in its environment",
		Long: `Run CMD (default: $SHELL) with PROFILE's temporary credentials in its
environment, and exit with its exit status.

The command gets sesame's environment without AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_PROFILE,
AWS_DEFAULT_PROFILE, AWS_CREDENTIAL_FILE, AWS_CREDENTIAL_EXPIRATION and
SESAME_FILE_PASSPHRASE*, and with:
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
  AWS_SESSION_TOKEN            when the credentials have one
  AWS_CREDENTIAL_EXPIRATION    when they expire (RFC 3339)
  AWS_REGION, AWS_DEFAULT_REGION  when the region is known
  SESAME_PROFILE               the profile's name

Put the command after --. A command that cannot be found exits with status 127,
one that cannot be run with 126, as in a shell.

With --server ecs or --server imds the command gets no keys at all. sesame gets
the credentials first (asking for an MFA code, if needed, before the command
starts), then serves them on 127.0.0.1 on a free port for as long as the
command runs, renewing them from its cache or STS when 15 minutes are left, so
that a long-running command (a build, a deploy, a notebook) keeps working. A
renewal that needs you (an MFA session or an SSO sign-in that has ended) asks
as sesame would, or fails with a message on stderr. The AWS SDKs and CLIs find
the server through:
  --server ecs    AWS_CONTAINER_CREDENTIALS_FULL_URI (a random path) and
                  AWS_CONTAINER_AUTHORIZATION_TOKEN (a random token)
  --server imds   AWS_EC2_METADATA_SERVICE_ENDPOINT (an IMDSv2 server) and
                  AWS_EC2_METADATA_DISABLED=false (the AWS CDK would set it
                  to true)
together with AWS_REGION, AWS_DEFAULT_REGION and SESAME_PROFILE as above; any
AWS_CONTAINER_* and AWS_EC2_METADATA_* variables of sesame's are removed. sesame
stays running, passes SIGINT, SIGTERM and SIGHUP on to the command, stops the
server when the command ends and exits with its status. Only a request with the
token (ecs) or an IMDSv2 session token (imds), sent to 127.0.0.1 or localhost
directly, gets credentials. On Linux only programs of your own user are
answered (others get 403, found through /proc/net/tcp). Elsewhere IMDS has no
shared secret: any program on this machine that finds the port can get a
session token, as on EC2; prefer ecs, which every current AWS SDK supports. The SDKs look for a server after the
config files: a [default] profile with its own credentials is used before it.

sesame refuses to run inside another sesame exec (SESAME_PROFILE is set) unless
--force-nest is given. With -j/--json it prints the credential_process document
instead, as sesame export --format json does.`,
		Example: `  sesame exec work -- aws s3 ls
  sesame exec work --duration 8h -- terraform apply
  sesame exec work              # a shell with the credentials
  sesame exec work --server ecs -- python long_job.py
  sesame exec work --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			before := args
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				before = args[:dash]
			}
			switch {
			case profileArg.Flag() != "" && len(before) > 0 && before[0] != profileArg.Flag():
				return cmdutil.Usagef("put the command after --: sesame exec --profile %s -- %s", profileArg.Flag(), strings.Join(before, " "))
			case len(before) > 1:
				return cmdutil.Usagef("put the command after --: sesame exec %s -- %s", before[0], strings.Join(before[1:], " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				opts.Command = args[dash:]
				args = args[:dash]
			}
			profile, err := profileArg.Get(args)
			if err != nil {
				return err
			}
			opts.Profile = profile
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	credcheck.AddRequestFlags(fl, &opts.Request)
	fl.BoolVarP(&opts.JSON, "json", "j", false, "print the credential_process document instead of running a command")
	fl.BoolVar(&opts.ForceNest, "force-nest", false, "run even inside another sesame exec")
	fl.StringVar(&opts.Server, "server", "", "serve auto-refreshing credentials on 127.0.0.1 instead of putting keys in the environment: ecs or imds")
	profileArg = cmdutil.AddProfileArg(cmd, f, "", nil)
	return cmd
}

// Run gets the credentials and runs the command (or prints them, --json).
func Run(ctx context.Context, opts *Options) error {
	switch opts.Server {
	case "", ServerECS, ServerIMDS:
	default:
		return cmdutil.Usagef("--server must be %s or %s, not %q", ServerECS, ServerIMDS, opts.Server)
	}
	if opts.JSON && opts.Server != "" {
		return cmdutil.Usagef("--json prints the credentials and --server serves them to a command: choose one")
	}
	if opts.JSON && len(opts.Command) > 0 {
		return cmdutil.Usagef("--json prints the credentials instead of running a command: drop -- %s, or drop --json", strings.Join(opts.Command, " "))
	}
	if opts.JSON && opts.IO.IsStdoutTTY() {
		return cmdutil.WithHint(errors.New("refusing to print secret credentials to a terminal"),
			"pipe the output, or run: sesame export --format json --force "+orPlaceholder(opts.Profile))
	}
	if !opts.JSON && !opts.ForceNest {
		if outer, ok := opts.LookupEnv("SESAME_PROFILE"); ok && outer != "" {
			return cmdutil.WithHint(fmt.Errorf("already inside sesame exec for profile %s (SESAME_PROFILE is set)", outer),
				"exit that shell first, or pass --force-nest to run inside it")
		}
	}
	profile, err := opts.SelectProfile(ctx, opts.Profile)
	if err != nil {
		return err
	}
	req := opts.Request
	req.Profile = profile
	res, err := opts.Creds(ctx, req)
	if err != nil {
		return err
	}
	if opts.JSON {
		return credfmt.Render(opts.IO.Out, credfmt.FormatJSON, res, "")
	}

	argv := opts.Command
	if len(argv) == 0 {
		argv = []string{defaultShell(opts.LookupEnv)}
	}
	if opts.Server != "" {
		return opts.serve(ctx, req, res, argv)
	}
	env := Environ(opts.Environ(), profile, res)
	path, err := LookPath(argv[0], envValue(env, "PATH"), envValue(env, "PATHEXT"))
	if err != nil {
		return opts.cannotRun(argv[0], err)
	}
	replace := opts.Replace
	if replace == nil {
		replace = replaceProcess
	}
	err = replace(ctx, path, argv, env)
	if _, ok := errors.AsType[*cmdutil.ExitCodeError](err); ok || err == nil {
		return err
	}
	return opts.cannotRun(argv[0], err)
}

// serve runs argv as a child with a credential server instead of keys in
// its environment (--server), and returns its exit status. res are the
// credentials already got for req: the server starts with them.
func (o *Options) serve(ctx context.Context, req creds.Request, res creds.Result, argv []string) error {
	o.warnDefaultCredentials()
	// Look the command up first, with the PATH it gets (the server's
	// variables do not change it), so that a command that cannot run
	// starts no server.
	parent := o.Environ()
	childEnv := ServerEnviron(parent, req.Profile, res.Region, nil)
	path, err := LookPath(argv[0], envValue(childEnv, "PATH"), envValue(childEnv, "PATHEXT"))
	if err != nil {
		return o.cannotRun(argv[0], err)
	}
	refresh := req
	refresh.MFAToken = "" // a code is good once: a refresh that needs one asks again
	src := func(ctx context.Context) (creds.Result, error) { return o.Creds(ctx, refresh) }
	serverOpts := []server.Option{server.WithCredentials(res), server.WithErrorLog(func(err error) {
		o.IO.Warnf("cannot renew the credentials of profile %s: %v", req.Profile, err)
		if hint := cmdutil.Hint(err); hint != "" {
			o.IO.Warnf("hint: %s", hint)
		}
	})}

	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	ln, err := server.Listen(srvCtx)
	if err != nil {
		return err
	}
	var h http.Handler
	var vars []string
	switch o.Server {
	case ServerECS:
		e, err := server.NewECS(ln.Addr().String(), src, serverOpts...)
		if err != nil {
			ln.Close()
			return err
		}
		h, vars = e, []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + e.URL(), "AWS_CONTAINER_AUTHORIZATION_TOKEN=" + e.Token()}
	case ServerIMDS:
		m, err := server.NewIMDS(ln.Addr().String(), req.Profile, src, serverOpts...)
		if err != nil {
			ln.Close()
			return err
		}
		// The AWS CDK and other JS tools set AWS_EC2_METADATA_DISABLED=true
		// off EC2 unless it is set: say it is not.
		h, vars = m, []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + m.URL(), "AWS_EC2_METADATA_DISABLED=false"}
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(srvCtx, ln, h) }()

	run := o.RunChild
	if run == nil {
		run = RunChild
	}
	code, err := run(ctx, Child{Path: path, Args: argv, Env: ServerEnviron(parent, req.Profile, res.Region, vars),
		Stdin: o.IO.In, Stdout: o.IO.Out, Stderr: o.IO.ErrOut})
	stop()
	if serr := <-served; serr != nil {
		o.IO.Warnf("%v", serr)
	}
	if err != nil {
		return o.cannotRun(argv[0], err)
	}
	if code != 0 {
		return &cmdutil.ExitCodeError{Code: code}
	}
	return nil
}

// credentialKeys give a profile credentials of its own; the SDKs use a
// [default] profile's before they look for a credential server.
var credentialKeys = []string{"aws_access_key_id", "role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"}

// warnDefaultCredentials warns when the AWS SDKs in the child would take
// the [default] profile's credentials instead of the server's.
func (o *Options) warnDefaultCredentials() {
	if o.Config == nil {
		return
	}
	cfg, err := o.Config()
	if err != nil {
		return
	}
	p, ok := cfg.Profile("default")
	if !ok {
		return
	}
	for _, k := range credentialKeys {
		if v, _ := p.Get(k); v != "" {
			o.IO.Warnf("the default profile has credentials of its own (%s): AWS SDKs in the command use them, not the credential server", k)
			o.IO.Warnf("hint: take them out of [default] (sesame migrate moves keys into sesame), or run sesame exec without --server")
			return
		}
	}
}

// cannotRun reports, as a shell would, a command that cannot be found
// (status 127) or run (126).
func (o *Options) cannotRun(name string, err error) error {
	code, msg, hint := ExitCannotExecute, fmt.Sprintf("%s: cannot run: %v", name, unwrapExec(err)), "check the file: it must be a program or a script starting with #!"
	if errors.Is(err, fs.ErrNotExist) {
		code, msg, hint = ExitNotFound, name+": command not found", "check the name, or the PATH the command gets"
	}
	o.IO.Warnf("%s", msg)
	o.IO.Warnf("hint: %s", hint)
	return &cmdutil.ExitCodeError{Code: code}
}

func unwrapExec(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func orPlaceholder(profile string) string {
	if profile == "" {
		return "PROFILE"
	}
	return profile
}

// defaultShell is $SHELL, else /bin/sh (%COMSPEC%, else cmd.exe, on
// Windows).
func defaultShell(lookupEnv func(string) (string, bool)) string {
	if runtime.GOOS == "windows" {
		if s, _ := lookupEnv("COMSPEC"); s != "" {
			return s
		}
		return "cmd.exe"
	}
	if s, _ := lookupEnv("SHELL"); s != "" {
		return s
	}
	return "/bin/sh"
}
