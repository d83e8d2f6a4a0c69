package cmdutil

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestProfileArg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		required string
		args     []string
		want     string
		wantErr  string
	}{
		{name: "argument", args: []string{"dev"}, want: "dev"},
		{name: "long flag", args: []string{"--profile", "dev"}, want: "dev"},
		{name: "short flag", args: []string{"-p", "dev"}, want: "dev"},
		{name: "flag with =", args: []string{"--profile=dev"}, want: "dev"},
		{name: "both, the same", args: []string{"dev", "-p", "dev"}, want: "dev"},
		{name: "both, different", args: []string{"dev", "--profile", "prod"}, wantErr: `two profiles given, "dev" and --profile "prod": give one`},
		{name: "neither, optional", args: nil, want: ""},
		{name: "neither, required", required: "sesame add PROFILE", wantErr: "a profile name is needed: sesame add PROFILE (or --profile PROFILE)"},
		{name: "flag, required", required: "sesame add PROFILE", args: []string{"-p", "x"}, want: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got string
			cmd := &cobra.Command{Use: "x", Args: MaximumNArgs(1), SilenceErrors: true, SilenceUsage: true}
			AddProfileArg(cmd, &Factory{}, tt.required, &got)
			cmd.RunE = func(*cobra.Command, []string) error { return nil }
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ExitCode(err) != ExitUsage {
					t.Fatalf("err = %v (exit %d), want usage error %q", err, ExitCode(err), tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("profile = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
