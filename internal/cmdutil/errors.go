package cmdutil

import (
	"errors"
	"fmt"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
	// ExitCanceled is the status of a run the person at the terminal
	// cancelled (Esc or Ctrl-C in a picker or prompt): 128+SIGINT, as a
	// shell reports an interrupted command.
	ExitCanceled = 130
)

// ErrCanceled is returned when the person at the terminal cancels a picker
// or prompt; it maps to exit status 130. It is prompt's error, so that
// packages below cmdutil (picker) can return it.
var ErrCanceled = prompt.ErrCanceled

// UsageError is a command line that cannot be run as written (exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCodeError ends the run with a given exit code and no message, as exec
// does with its child's code.
type ExitCodeError struct{ Code int }

func (e *ExitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// HintError carries the next command or step to suggest.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches a hint, shown as a "hint:" line under the error.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// NextStepper is an error that knows the next step to suggest; packages
// below cmdutil implement it instead of importing cmdutil.
type NextStepper interface {
	NextStep() string
}

// Hint returns the innermost hint attached to err, if any.
func Hint(err error) string {
	var h *HintError
	if errors.As(err, &h) {
		if inner := Hint(h.Err); inner != "" {
			return inner
		}
		return h.Hint
	}
	var ns NextStepper
	if errors.As(err, &ns) {
		return ns.NextStep()
	}
	return ""
}

// ExitCode is the exit status for err.
func ExitCode(err error) int {
	var ec *ExitCodeError
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ec):
		return ec.Code
	case errors.Is(err, ErrCanceled):
		return ExitCanceled
	case errors.As(err, &ue):
		return ExitUsage
	}
	return ExitError
}

// ConfigError adds the next step to an error from loading the AWS files.
func ConfigError(err error) error {
	var pe *awsconfig.ParseError
	if errors.As(err, &pe) {
		return WithHint(err, fmt.Sprintf("the AWS CLI cannot read this file either; fix line %d of %s", pe.Line, pe.File))
	}
	return WithHint(err, "check the file's permissions, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere")
}

// StoreHint is the next step for an error of the secret store: one that
// wraps store.ErrWrongPassphrase, store.ErrLocked or store.ErrUnavailable.
// It is "" for any other error. This is the one place these hints are
// written: PrintError adds it under a store error that has no hint of its
// own (ErrorHint), so commands return store errors as they are.
func StoreHint(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, store.ErrWrongPassphrase):
		return "check SESAME_FILE_PASSPHRASE or SESAME_FILE_PASSPHRASE_COMMAND, or type it again"
	case errors.Is(err, store.ErrLocked):
		return "unlock your keyring (log in to the desktop session), or choose another backend with --backend or SESAME_BACKEND"
	case errors.Is(err, store.ErrUnavailable):
		return "run: sesame setup (it can keep secrets in an encrypted file and remembers the choice); for one command: --backend file"
	}
	return ""
}

// ErrorHint is the hint shown under err: its own (Hint), else the secret
// store's (StoreHint), else "".
func ErrorHint(err error) string {
	if h := Hint(err); h != "" {
		return h
	}
	return StoreHint(err)
}

// StoreError attaches the store's hint (StoreHint) to err now, when it has
// no hint of its own. Only code that adds hints of its own further up needs
// it (the innermost hint wins); elsewhere, return the error as it is.
func StoreError(err error) error {
	if err == nil || Hint(err) != "" {
		return err
	}
	if h := StoreHint(err); h != "" {
		return WithHint(err, h)
	}
	return err
}
