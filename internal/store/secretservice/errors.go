package secretservice

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/sesamehq/sesame/internal/store"
)

// lockedError is the error for a keyring that stayed locked.
func lockedError(why string) error {
	return fmt.Errorf("secret service: the keyring is locked (%s): unlock it in your desktop's keyring manager (for example Seahorse) or by logging in to the desktop, "+
		"then try again; where nobody can unlock it, use --backend file or pass: %w", why, store.ErrLocked)
}

// fail turns an error from a Secret Service call into one of the store
// errors. The D-Bus error's message is logged at debug level, not returned:
// only its name is part of the error.
func (c *call) fail(ctx context.Context, what string, err error) error {
	name := dbusErrorName(err)
	c.b.log.DebugContext(ctx, "secret service call failed", "what", what, "dbus_error", name, "error", err)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("secret service: %s: no answer in time: %w: %w", what, ctx.Err(), store.ErrUnavailable)
	case name == errIsLocked:
		return lockedError("the service reports it locked")
	case name == errAccessDenied:
		return fmt.Errorf("secret service: %s: access denied (%s): %w", what, name, store.ErrLocked)
	case name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner":
		return fmt.Errorf("secret service: %s: no Secret Service is running on the D-Bus session bus "+
			"(start gnome-keyring-daemon or another keyring, or use --backend file): %w", what, store.ErrUnavailable)
	case name != "":
		return fmt.Errorf("secret service: %s: %s: %w", what, name, store.ErrUnavailable)
	default:
		return fmt.Errorf("secret service: %s: %w", what, unavailable(ctx, err))
	}
}

// unavailable wraps a connection-level error (or the context's, when it
// has ended) so that it matches both store.ErrUnavailable and the cause.
func unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return store.Unavailable(err)
}

// dbusErrorName returns the D-Bus error name of err, "" if it is not a
// D-Bus error reply.
func dbusErrorName(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[dbus.Error](err); ok {
		return e.Name
	}
	if e, ok := errors.AsType[*dbus.Error](err); ok && e != nil {
		return e.Name
	}
	return ""
}
