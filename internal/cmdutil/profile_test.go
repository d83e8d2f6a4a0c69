package cmdutil

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
)

type fakePicker struct {
	pick   string
	called bool
}

func (p *fakePicker) PickProfile(ctx context.Context, cfg *awsconfig.Config) (string, error) {
	p.called = true
	return p.pick, nil
}

func newFactory(t *testing.T, config string, env map[string]string, tty bool, picker Picker) *Factory {
	t.Helper()
	home := t.TempDir()
	if config != "" {
		if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ios, _, _, _ := iostreams.Test()
	ios.SetTTY(tty, tty, tty)
	return &Factory{
		IOStreams: ios,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		HomeDir:   func() (string, error) { return home, nil },
		Picker:    picker,
	}
}

func TestSelectProfile(t *testing.T) {
	t.Parallel()
	const withDefault = "[default]\nregion = us-east-1\n[profile dev]\n[profile prod]\n"
	const noDefault = "[profile dev]\n[profile prod]\n[profile staging]\n"
	tests := []struct {
		name       string
		config     string
		arg        string
		env        map[string]string
		tty        bool
		picker     *fakePicker
		want       string
		wantErr    []string // substrings of the error
		wantHint   string
		wantPicked bool
	}{
		{name: "argument wins", config: withDefault, arg: "prod", env: map[string]string{"AWS_PROFILE": "dev"}, want: "prod"},
		{name: "AWS_PROFILE next", config: withDefault, env: map[string]string{"AWS_PROFILE": "dev"}, want: "dev"},
		{name: "default next", config: withDefault, want: "default"},
		{name: "empty AWS_PROFILE is unset", config: withDefault, env: map[string]string{"AWS_PROFILE": ""}, want: "default"},
		{name: "picker on a terminal", config: noDefault, tty: true, picker: &fakePicker{pick: "staging"}, want: "staging", wantPicked: true},
		{name: "no picker off a terminal", config: noDefault, picker: &fakePicker{pick: "staging"},
			wantErr: []string{"no profile selected", "profiles: dev, prod, staging"}, wantHint: "export AWS_PROFILE=dev"},
		{name: "terminal without a picker yet", config: noDefault, tty: true,
			wantErr: []string{"no profile selected", "profiles: dev, prod, staging"}},
		{name: "no profiles at all", config: "", wantErr: []string{"defines no profiles"}, wantHint: "add a [profile NAME] section"},
		{name: "typo in argument never falls back to default", config: withDefault, arg: "prdo",
			wantErr: []string{`profile "prdo" does not exist`, `did you mean "prod"?`}, wantHint: "run: sesame list"},
		{name: "typo in AWS_PROFILE", config: withDefault, env: map[string]string{"AWS_PROFILE": "Dev"},
			wantErr: []string{"AWS_PROFILE=Dev: profile \"Dev\" does not exist", `did you mean "dev"?`}, wantHint: "unset it"},
		{name: "unknown name with nothing near", config: withDefault, arg: "zzzzzzzz", wantErr: []string{`profile "zzzzzzzz" does not exist`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var picker Picker
			if tt.picker != nil {
				picker = tt.picker
			}
			f := newFactory(t, tt.config, tt.env, tt.tty, picker)
			got, err := SelectProfile(context.Background(), f, tt.arg)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("SelectProfile = %q, %v; want %q", got, err, tt.want)
				}
			} else {
				if err == nil {
					t.Fatalf("SelectProfile = %q, want an error", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if !strings.Contains(Hint(err), tt.wantHint) {
					t.Errorf("hint %q does not contain %q", Hint(err), tt.wantHint)
				}
				if strings.Contains(err.Error(), "Unable to locate credentials") {
					t.Errorf("error repeats the SDK's bare message: %q", err)
				}
			}
			if tt.picker != nil && tt.picker.called != tt.wantPicked {
				t.Errorf("picker called = %v, want %v", tt.picker.called, tt.wantPicked)
			}
		})
	}
}

func TestSelectProfileListsAtMostTwenty(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 25 {
		b.WriteString("[profile p" + string(rune('a'+i)) + "]\n")
	}
	f := newFactory(t, b.String(), nil, false, nil)
	_, err := SelectProfile(context.Background(), f, "")
	if err == nil || !strings.Contains(err.Error(), "(and 5 more)") {
		t.Fatalf("error = %v, want the list cut at 20 with (and 5 more)", err)
	}
}

func TestConfigErrorHints(t *testing.T) {
	t.Parallel()
	f := newFactory(t, "[default]\nregion = x\nregion = y\n", nil, false, nil)
	_, err := f.Config()
	var pe *awsconfig.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Fatalf("Config() error = %v, want a parse error at line 3", err)
	}
	if !strings.Contains(Hint(err), "fix line 3 of") {
		t.Errorf("hint = %q", Hint(err))
	}
	if ExitCode(err) != ExitError {
		t.Errorf("exit code = %d", ExitCode(err))
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("x"), 1},
		{Usagef("bad"), 2},
		{WithHint(Usagef("bad"), "h"), 2},
		{&ExitCodeError{Code: 42}, 42},
	} {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
