package genprofile

import (
	"testing"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

func TestProcessLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ command, backend, profile, want string }{
		{"sesame", "", "dev", "sesame export --format json -- dev"},
		{"sesame", "file", "team/prod-1", "sesame --backend file export --format json -- team/prod-1"},
		{"/opt/my tools/sesame", "", "my dev", "'/opt/my tools/sesame' export --format json -- 'my dev'"},
		{"sesame", "", "it's", `sesame export --format json -- 'it'\''s'`},
		{"sesame", "", "-x", "sesame export --format json -- -x"},
		{"sesame", "", "", "sesame export --format json -- ''"},
	}
	for _, tt := range tests {
		if got := ProcessLine(tt.command, tt.backend, tt.profile); got != tt.want {
			t.Errorf("ProcessLine(%q, %q, %q) = %q, want %q", tt.command, tt.backend, tt.profile, got, tt.want)
		}
	}
}

// TestKeys: the marker, the command, then only the settings that shape how
// clients work (not mfa_serial), empty and multi-line values left out.
func TestKeys(t *testing.T) {
	t.Parallel()
	f, err := awsconfig.Parse("config", []byte("[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::1:mfa/x\noutput = json\ncli_pager =\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Build(awsconfig.Paths{}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfg.Resolve("dev")
	if err != nil {
		t.Fatal(err)
	}
	got := Keys(r, "sesame export --format json -- dev")
	want := [][2]string{{"sesame_generated", "use"}, {"credential_process", "sesame export --format json -- dev"}, {"region", "eu-west-1"}, {"output", "json"}}
	if len(got) != len(want) {
		t.Fatalf("Keys = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Keys[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}
