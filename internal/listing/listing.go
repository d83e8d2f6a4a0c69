// Package listing makes what `sesame list` prints: one row per profile of
// the config and shared credentials files, named exactly as botocore names
// them, as a table, tab-separated text or JSON. Both sesame programs print
// it: the full one (internal/cmd/list) and the front (internal/front),
// which answers `sesame list` itself when it can.
package listing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/safetext"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// Options are the inputs of `sesame list`.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*awsconfig.Config, error)
	// Store opens the secret store; nil lists without the stored-key and
	// session columns filled in.
	Store func(context.Context) (*store.Store, error)
	Now   func() time.Time
	JSON  bool
	// StoreError is told when the store cannot be read. nil, or a nil
	// answer, lists on without the stored-key and session columns (with a
	// warning); an error ends Run with it before anything is written.
	StoreError func(error) error
	// Hint gives an error's next step, for that warning; nil: none.
	Hint func(error) string
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
	// Note says something else worth knowing, such as a stored key pair
	// that no profile uses.
	Note string `json:"note,omitempty"`

	// resolved is the profile's chain, for the table and the TSV, which
	// show a long one shortened; nil when it cannot be resolved.
	resolved *awsconfig.Resolved
}

// Run lists the profiles.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	rows := Rows(cfg, opts.JSON)
	if opts.Store != nil {
		rows, err = addStored(ctx, opts, rows)
		if err != nil && opts.StoreError != nil {
			if err := opts.StoreError(err); err != nil {
				return err
			}
		}
		if err != nil {
			opts.IO.Warnf("cannot read the store, so the stored-key and session columns are unknown: %v", err)
			if opts.Hint != nil {
				if h := opts.Hint(err); h != "" {
					opts.IO.Warnf("hint: %s", h)
				}
			}
		}
	}
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
		// The values stay exact; no control character is sent raw.
		_, err = opts.IO.Out.Write(append(safetext.JSON(appendJSON(nil, rows)), '\n'))
		return err
	case opts.IO.IsStdoutTTY():
		return printTable(opts.IO, rows, opts.now(), newChains(len(rows)))
	default:
		return printTSV(opts.IO, rows, newChains(len(rows)))
	}
}

// Rows resolves every profile into a row, sorted by name. A profile that
// cannot be resolved still gets a row, with Error set. Chain holds the
// whole source_profile chain only with fullChains (for --json): a config of
// deep chains has as many names in them as the square of its profiles.
func Rows(cfg *awsconfig.Config, fullChains bool) []Row {
	names := cfg.ProfileNames()
	rows := make([]Row, 0, len(names))
	for _, name := range names {
		row := Row{Name: name, Chain: []string{name}}
		p, _ := cfg.Profile(name)
		r, err := cfg.Resolve(name)
		if err != nil {
			row.Error = fmt.Sprintf("profile %q: %v", name, strings.TrimPrefix(err.Error(), fmt.Sprintf("profile %q: ", name)))
			row.Source = string(p.Source())
			row.Region = optional(p.Get("region"))
			row.SSOSession = optional(p.Get("sso_session"))
		} else {
			row.Source = string(r.Source)
			row.resolved = r
			if fullChains {
				row.Chain = r.Chain()
			}
			row.Region = optional(r.Get("region"))
			row.SSOSession = optional(r.Get("sso_session"))
		}
		rows = append(rows, row)
	}
	return rows
}

// addStored fills in the stored-key and session columns, and adds rows for
// key pairs that no profile uses.
func addStored(ctx context.Context, opts *Options, rows []Row) ([]Row, error) {
	st, err := opts.Store(ctx)
	if err != nil {
		return rows, err
	}
	known := make([]string, len(rows))
	for i, r := range rows {
		known[i] = r.Name
	}
	now := opts.now()
	inv, err := st.Inventory(ctx, known, now)
	if err != nil {
		return rows, err
	}
	seen := map[string]bool{}
	for i := range rows {
		r := &rows[i]
		seen[r.Name] = true
		r.StoredKey = inv.Keys[r.Name]
		if exp, ok := inv.Sessions[r.Name]; ok {
			s := exp.UTC().Format(time.RFC3339)
			r.SessionExpiration = &s
		}
	}
	for _, p := range inv.Profiles() {
		if !seen[p] {
			rows = append(rows, Row{Name: p, Source: string(awsconfig.SourceKeys), Chain: []string{p}, StoredKey: true,
				Note: "a stored key pair that no profile in the AWS files uses"})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows, nil
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

// chainShown is how many names of a long source_profile chain the table and
// the TSV show: its first names, how many are left out, and its last two. A
// chain of up to chainShown+1 names is shown whole.
const chainShown = 8

// chains writes chains for the table and the TSV. It remembers each
// profile's depth and last two names, so that rows whose chains share
// profiles cost as much as the profiles, not the square of them.
type chains struct {
	tails map[*awsconfig.Resolved]chainTail
}

type chainTail struct {
	depth int
	last  [2]string // the root's child (or "") and the root
}

func newChains(n int) *chains { return &chains{tails: make(map[*awsconfig.Resolved]chainTail, n)} }

// tail returns r's depth and last two names, filling in every profile of
// the chain on the way (iteratively: a chain may be thousands deep).
func (c *chains) tail(r *awsconfig.Resolved) chainTail {
	var path []*awsconfig.Resolved
	p := r
	for ; p != nil; p = p.Parent {
		if _, ok := c.tails[p]; ok {
			break
		}
		path = append(path, p)
	}
	for i := len(path) - 1; i >= 0; i-- {
		q := path[i]
		t := chainTail{depth: 1, last: [2]string{"", q.Name}}
		if q.Parent != nil {
			pt := c.tails[q.Parent]
			t.depth = pt.depth + 1
			t.last = pt.last
			if pt.depth == 1 {
				t.last = [2]string{q.Name, q.Parent.Name}
			}
		}
		c.tails[q] = t
	}
	return c.tails[r]
}

// text writes row's chain, names joined by " -> ", shortened past
// chainShown names: "a -> b -> c -> d -> e -> f -> … 3992 more … -> y -> z".
// A profile that is its own root has no chain ("").
func (c *chains) text(row Row) string {
	if row.resolved == nil {
		return chainText(row.Chain)
	}
	t := c.tail(row.resolved)
	if t.depth < 2 {
		return ""
	}
	if t.depth <= chainShown+1 { // leaving out one name would save nothing
		return chainText(row.resolved.Chain())
	}
	head := make([]string, 0, chainShown)
	p := row.resolved
	for range chainShown - 2 {
		head = append(head, p.Name)
		p = p.Parent
	}
	return fmt.Sprintf("%s -> … %d more … -> %s -> %s", strings.Join(head, " -> "), t.depth-chainShown, t.last[0], t.last[1])
}

func chainText(chain []string) string {
	if len(chain) < 2 {
		return ""
	}
	return strings.Join(chain, " -> ")
}

func yesDash(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

// timeLeft shows an expiration as the time left, such as "42m left" or
// "7h5m left" (see timefmt), or "expired".
func timeLeft(exp *string, now time.Time) string {
	if exp == nil {
		return ""
	}
	t, err := time.Parse(time.RFC3339, *exp)
	if err != nil {
		return ""
	}
	if left := timefmt.Left(t, now); left != "" {
		return left
	}
	return "expired"
}

func printTable(io *iostreams.IOStreams, rows []Row, now time.Time, c *chains) error {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "PROFILE\tSOURCE\tREGION\tSSO SESSION\tCHAIN\tSTORED KEY\tSESSION")
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
		if r.Note != "" {
			src = "(no profile)"
		}
		cells := []string{r.Name, src, dash(deref(r.Region)), dash(deref(r.SSOSession)), dash(c.text(r)),
			yesDash(r.StoredKey), dash(timeLeft(r.SessionExpiration, now))}
		for i, c := range cells {
			cells[i] = safetext.Escape(c)
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	header, body, _ := strings.Cut(buf.String(), "\n")
	_, err := fmt.Fprintf(io.Out, "%s\n%s", io.Bold(strings.TrimRight(header, " ")), body)
	return err
}

func printTSV(io *iostreams.IOStreams, rows []Row, c *chains) error {
	var b strings.Builder
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	var fields [7]string
	for _, r := range rows {
		stored := "no"
		if r.StoredKey {
			stored = "yes"
		}
		fields = [7]string{r.Name, r.Source, deref(r.Region), deref(r.SSOSession), c.text(r), stored, deref(r.SessionExpiration)}
		for i, f := range fields {
			if i > 0 {
				b.WriteByte('\t')
			}
			if strings.ContainsAny(f, "\t\n\r") {
				f = clean.Replace(f)
			}
			b.WriteString(safetext.Escape(f))
		}
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

func (o *Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}
