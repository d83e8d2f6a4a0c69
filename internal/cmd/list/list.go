// Package list implements `sesame list`: one row per profile of the config
// and shared credentials files, named exactly as botocore names them.
package list

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
)

// Options are the inputs of `sesame list`.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*awsconfig.Config, error)
	JSON   bool
}

// NewCmdList builds the command; runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List profiles and how each gets credentials",
		Long: `List every profile of the AWS config and shared credentials files, with its
credential source (keys, role, sso, process, web-identity), region, sso-session
and source_profile chain.

On a terminal the output is a table. When piped it is tab-separated text with
no header, one profile per line, in the columns:
  name, source, region, sso_session, chain (names joined by " -> ")
With --json it is an array of objects with the keys name, source, chain,
region, sso_session, stored_key and session_expiration.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

// Row is one profile as `sesame list --json` prints it.
type Row struct {
	Name              string   `json:"name"`
	Source            string   `json:"source"`
	Chain             []string `json:"chain"`
	Region            *string  `json:"region"`
	SSOSession        *string  `json:"sso_session"`
	StoredKey         bool     `json:"stored_key"`
	SessionExpiration *string  `json:"session_expiration"`
	// Error says why the profile cannot be used, when it cannot.
	Error string `json:"error,omitempty"`
}

// Run lists the profiles.
func Run(opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	rows := Rows(cfg)
	for _, r := range rows {
		if r.Error != "" {
			opts.IO.Warnf("%s", r.Error)
		}
	}
	if len(rows) == 0 {
		warnEmpty(opts.IO, cfg)
	}
	switch {
	case opts.JSON:
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case opts.IO.IsStdoutTTY():
		return printTable(opts.IO, rows)
	default:
		return printTSV(opts.IO, rows)
	}
}

// Rows resolves every profile into a row, sorted by name. A profile that
// cannot be resolved still gets a row, with Error set.
func Rows(cfg *awsconfig.Config) []Row {
	names := cfg.ProfileNames()
	rows := make([]Row, 0, len(names))
	for _, name := range names {
		row := Row{Name: name, Chain: []string{name}}
		p, _ := cfg.Profile(name)
		r, err := cfg.Resolve(name)
		if err != nil {
			row.Error = fmt.Sprintf("profile %q: %v", name, strings.TrimPrefix(err.Error(), fmt.Sprintf("profile %q: ", name)))
			row.Source = string(sourceWithoutResolving(p))
			row.Region = optional(p.Get("region"))
			row.SSOSession = optional(p.Get("sso_session"))
		} else {
			row.Source = string(r.Source)
			row.Chain = r.Chain()
			row.Region = optional(r.Get("region"))
			row.SSOSession = optional(r.Get("sso_session"))
		}
		rows = append(rows, row)
	}
	return rows
}

// sourceWithoutResolving guesses the source of a profile whose chain is
// broken, from its own keys.
func sourceWithoutResolving(p *awsconfig.Profile) awsconfig.Source {
	for _, c := range []struct {
		key string
		src awsconfig.Source
	}{{"role_arn", awsconfig.SourceRole}, {"sso_session", awsconfig.SourceSSO}, {"sso_start_url", awsconfig.SourceSSO}, {"credential_process", awsconfig.SourceProcess}} {
		if _, ok := p.Get(c.key); ok {
			return c.src
		}
	}
	return awsconfig.SourceKeys
}

func optional(v string, ok bool) *string {
	if !ok {
		return nil
	}
	return &v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func chainText(chain []string) string {
	if len(chain) < 2 {
		return ""
	}
	return strings.Join(chain, " -> ")
}

func printTable(io *iostreams.IOStreams, rows []Row) error {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "PROFILE\tSOURCE\tREGION\tSSO SESSION\tCHAIN")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, r := range rows {
		src := r.Source
		if r.Error != "" {
			src += " (broken)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Name, src, dash(deref(r.Region)), dash(deref(r.SSOSession)), dash(chainText(r.Chain)))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	header, body, _ := strings.Cut(buf.String(), "\n")
	_, err := fmt.Fprintf(io.Out, "%s\n%s", io.Bold(strings.TrimRight(header, " ")), body)
	return err
}

func printTSV(io *iostreams.IOStreams, rows []Row) error {
	var b strings.Builder
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for _, r := range rows {
		fields := []string{r.Name, r.Source, deref(r.Region), deref(r.SSOSession), chainText(r.Chain)}
		for i, f := range fields {
			fields[i] = clean.Replace(f)
		}
		b.WriteString(strings.Join(fields, "\t"))
		b.WriteByte('\n')
	}
	_, err := io.Out.Write([]byte(b.String()))
	return err
}

func warnEmpty(io *iostreams.IOStreams, cfg *awsconfig.Config) {
	if cfg.ConfigFile == nil && cfg.CredentialsFile == nil {
		missing := cfg.Paths.Config
		if _, err := os.Stat(cfg.Paths.Config); err == nil || !errors.Is(err, fs.ErrNotExist) {
			missing = cfg.Paths.Credentials
		}
		io.Warnf("no profiles: %s does not exist", missing)
	} else {
		io.Warnf("no profiles in %s or %s", cfg.Paths.Config, cfg.Paths.Credentials)
	}
	io.Warnf("hint: add a [profile NAME] section to %s, or point AWS_CONFIG_FILE at your config", cfg.Paths.Config)
}
