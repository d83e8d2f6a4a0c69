package cmdutil

import "github.com/spf13/cobra"

// ProfileArg is a command's PROFILE: the positional argument, or the same
// given as --profile NAME or -p NAME, as the AWS CLI spells it.
type ProfileArg struct {
	flag     string
	required string // the usage to show when it is missing; "" when optional
}

// AddProfileArg gives cmd --profile/-p and completes profile names for it
// and for the argument. required is the usage line shown when no profile is
// given ("sesame add PROFILE"); "" makes the profile optional. With dst set,
// the profile is resolved (Get) into *dst before RunE runs, so the command's
// Args must allow one positional argument at most; a command with other
// positional arguments passes nil and calls Get itself.
func AddProfileArg(cmd *cobra.Command, f *Factory, required string, dst *string) *ProfileArg {
	p := &ProfileArg{required: required}
	if dst != nil {
		cmd.PreRunE = func(_ *cobra.Command, args []string) (err error) {
			*dst, err = p.Get(args)
			return err
		}
	}
	cmd.Flags().StringVarP(&p.flag, "profile", "p", "", "the profile, as the PROFILE argument")
	complete := CompleteProfiles(f)
	cmd.ValidArgsFunction = complete
	_ = cmd.RegisterFlagCompletionFunc("profile", complete)
	return p
}

// Flag is the value of --profile ("" when not given).
func (p *ProfileArg) Flag() string { return p.flag }

// Get returns the profile named by args (the positional arguments, at most
// one) or by --profile: "" when neither names one and it is optional. Both
// given and different is a usage error.
func (p *ProfileArg) Get(args []string) (string, error) {
	var arg string
	if len(args) > 0 {
		arg = args[0]
	}
	switch {
	case arg != "" && p.flag != "" && arg != p.flag:
		return "", Usagef("two profiles given, %q and --profile %q: give one", arg, p.flag)
	case arg == "":
		arg = p.flag
	}
	if arg == "" && p.required != "" {
		return "", Usagef("a profile name is needed: %s (or --profile PROFILE)", p.required)
	}
	return arg, nil
}
