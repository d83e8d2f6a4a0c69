package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// The environment variables the passphrase comes from.
const (
	EnvPassphrase        = "SESAME_FILE_PASSPHRASE"
	EnvPassphraseCommand = "SESAME_FILE_PASSPHRASE_COMMAND"
)

// op is the state of one Get, Set, Remove or List: the passphrase, once
// it has been obtained, so that no operation asks twice.
type op struct {
	pass []byte
}

func (o *op) wipe() { clear(o.pass) }

// passphrase returns the vault passphrase, from the first source that has
// one: SESAME_FILE_PASSPHRASE, SESAME_FILE_PASSPHRASE_COMMAND, the
// terminal. For a new vault (create) the terminal is asked twice.
func (v *Vault) passphrase(ctx context.Context, o *op, create bool) ([]byte, error) {
	if o.pass != nil {
		return o.pass, nil
	}
	var (
		p   []byte
		err error
	)
	if s, ok := v.lookupEnv(EnvPassphrase); ok && s != "" {
		p = []byte(s)
	} else if c, ok := v.lookupEnv(EnvPassphraseCommand); ok && strings.TrimSpace(c) != "" {
		p, err = v.runPassphraseCommand(ctx, c)
	} else {
		p, err = v.askPassphrase(ctx, create)
	}
	if err != nil {
		return nil, err
	}
	o.pass = p
	return p, nil
}

// runPassphraseCommand runs command with sh -c (on Windows with cmd /c,
// see passphraseShell). Its standard output, less
// one trailing newline, is the passphrase; its standard error goes to the
// user's; its standard input is empty. Neither its output nor the
// command line is put in an error.
func (v *Vault) runPassphraseCommand(ctx context.Context, command string) ([]byte, error) {
	var out bytes.Buffer
	cmd := passphraseShell(ctx, command, v.lookupEnv)
	cmd.Stdout = &out
	cmd.Stderr = v.stderr
	// When ctx ends sh is killed, but a child of it may hold stdout open:
	// stop waiting for it soon after. (The command keeps sesame's process
	// group, so that it can still prompt on the terminal.)
	cmd.WaitDelay = 200 * time.Millisecond
	err := cmd.Run()
	defer clear(out.Bytes())
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("passphrase command (%s): %w", EnvPassphraseCommand, ctxErr)
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("passphrase command (%s) failed: %s", EnvPassphraseCommand, exit.ProcessState)
		}
		return nil, fmt.Errorf("cannot run the passphrase command (%s): %w", EnvPassphraseCommand, err)
	}
	p := out.Bytes()
	p = bytes.TrimSuffix(p, []byte("\n"))
	p = bytes.TrimSuffix(p, []byte("\r"))
	if len(p) == 0 {
		return nil, fmt.Errorf("the passphrase command (%s) printed no passphrase", EnvPassphraseCommand)
	}
	return bytes.Clone(p), nil
}

// askPassphrase asks on the terminal.
func (v *Vault) askPassphrase(ctx context.Context, create bool) ([]byte, error) {
	noSource := func(err error) error { return &NoPassphraseError{Path: v.path, Err: err} }
	if v.prompter == nil {
		return nil, noSource(prompt.ErrNoTerminal)
	}
	label := "Passphrase of the sesame vault: "
	if create {
		label = "New passphrase for the sesame vault " + v.path + ": "
	}
	p, err := v.prompter.Secret(ctx, label)
	if errors.Is(err, prompt.ErrNoTerminal) {
		return nil, noSource(err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the vault passphrase: %w", err)
	}
	if p == "" {
		return nil, errors.New("the vault passphrase must not be empty")
	}
	if create {
		again, err := v.prompter.Secret(ctx, "Repeat the passphrase: ")
		if err != nil {
			return nil, fmt.Errorf("reading the vault passphrase: %w", err)
		}
		if again != p {
			return nil, errors.New("the passphrases do not match; nothing was changed")
		}
	}
	return []byte(p), nil
}

// NoPassphraseError is a vault that needs its passphrase when nothing can
// give it: neither variable is set and there is no terminal to ask on. It
// wraps store.ErrLocked and says once what happened and what to set.
type NoPassphraseError struct {
	Path string
	Err  error // why no prompt: prompt.ErrNoTerminal
}

func (e *NoPassphraseError) Error() string {
	return "no passphrase for vault " + e.Path + " and no terminal to ask for it on"
}

func (e *NoPassphraseError) Unwrap() []error { return []error{store.ErrLocked, e.Err} }

// NextStep is the hint shown under the error.
func (e *NoPassphraseError) NextStep() string {
	return "set " + EnvPassphraseCommand + " (a command that prints the passphrase, e.g. from a password manager) or " +
		EnvPassphrase + ", or run sesame on a terminal"
}
