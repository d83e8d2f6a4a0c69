package configure

import (
	"context"

	"github.com/sesamehq/sesame/internal/picker"
)

// Choice is a table to choose one row of (picker.Choice).
type Choice = picker.Choice

// Chooser lets a person choose one row of a table.
type Chooser interface {
	// Choose shows the choice and returns the index of the chosen row.
	// Cancelling returns cmdutil.ErrCanceled; no terminal,
	// prompt.ErrNoTerminal; the end of ctx, its error.
	Choose(ctx context.Context, c Choice) (int, error)
}

// TTYChooser is the profile picker's fuzzy, filterable list
// (picker.Choose) on the controlling terminal; the chosen row is left on
// the terminal as "Title: cells".
type TTYChooser struct {
	// Path is the terminal device; "" means /dev/tty.
	Path string
	// Color reports whether colour and other styling may be used; nil
	// means yes.
	Color func() bool
}

var _ Chooser = (*TTYChooser)(nil)

// Choose implements Chooser.
func (c *TTYChooser) Choose(ctx context.Context, ch Choice) (int, error) {
	return picker.Choose(ctx, c.Path, c.Color, ch)
}
