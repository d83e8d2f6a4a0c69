package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
)

// CompletionFunc completes a positional argument or a flag's value.
type CompletionFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// CompleteProfiles completes the [PROFILE] argument of a command that takes
// one: the names of the profiles of the config and shared credentials
// files that start with what has been typed, each with its credential
// source as the description. Nothing is offered once the argument is
// given, nor when the files cannot be read (completion never prints an
// error); a command that takes more arguments after it (exec's command
// line) gets the shell's usual completion there. It reads the files only,
// never the secret store.
func CompleteProfiles(f *Factory) CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			if cmd.ValidateArgs(append(args[:len(args):len(args)], toComplete)) == nil {
				return nil, cobra.ShellCompDirectiveDefault
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg, err := f.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, name := range cfg.ProfileNames() {
			if !strings.HasPrefix(name, toComplete) {
				continue
			}
			desc := ""
			if p, ok := cfg.Profile(name); ok {
				desc = string(p.Source())
			}
			out = append(out, cobra.CompletionWithDesc(name, desc))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteSSOSessions completes an --sso-session flag: the names of the
// config file's [sso-session NAME] sections, each with its start URL as the
// description.
func CompleteSSOSessions(f *Factory) CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		cfg, err := f.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, name := range cfg.SSOSessionNames() {
			if !strings.HasPrefix(name, toComplete) {
				continue
			}
			desc := ""
			if s, ok := cfg.SSOSession(name); ok {
				desc, _ = s.Get("sso_start_url")
			}
			out = append(out, cobra.CompletionWithDesc(name, desc))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
