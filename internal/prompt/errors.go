package prompt

import "errors"

// ErrCanceled is returned when the person at the terminal cancels a picker
// or prompt (Esc or Ctrl-C); the command line maps it to exit status 130.
var ErrCanceled = errors.New("canceled")
