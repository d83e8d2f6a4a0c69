package secretservice

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/sesamehq/sesame/internal/store"
)

// promptError is a prompt that was dismissed, could not be shown or was not
// answered before the context ended.
type promptError struct{ why string }

func (e *promptError) Error() string { return e.why }

// prompted runs the prompt and turns a prompt that got no answer into a
// locked-keyring error.
func (c *call) prompted(ctx context.Context, prompt dbus.ObjectPath, what string) (dbus.Variant, error) {
	res, err := c.runPrompt(ctx, prompt, what)
	if pe, ok := errors.AsType[*promptError](err); ok {
		return res, lockedError(pe.why)
	}
	return res, err
}

// runPrompt shows the prompt and waits for its Completed signal until ctx
// ends. It returns the prompt's result, or a *promptError when the prompt
// was dismissed or not answered in time (it is then left to the person).
func (c *call) runPrompt(ctx context.Context, prompt dbus.ObjectPath, what string) (dbus.Variant, error) {
	if err := ctx.Err(); err != nil {
		c.dismiss(ctx, prompt)
		return dbus.Variant{}, &promptError{"no time was left to show a password prompt"}
	}
	match := []dbus.MatchOption{
		dbus.WithMatchObjectPath(prompt),
		dbus.WithMatchInterface(ifacePrompt),
		dbus.WithMatchMember("Completed"),
	}
	if err := c.conn.AddMatchSignalContext(ctx, match...); err != nil {
		return dbus.Variant{}, c.fail(ctx, what, err)
	}
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		_ = c.conn.RemoveMatchSignalContext(cctx, match...)
	}()
	signals := make(chan *dbus.Signal, 8)
	c.conn.Signal(signals)
	defer c.conn.RemoveSignal(signals)

	// From here on the prompt is not dismissed: gnome-keyring 42 aborts
	// (an assertion in gkd-secret-unlock.c) when an unlock prompt is
	// dismissed while it is being shown. A prompt nobody answered in time
	// stays on screen; answering it unlocks the keyring for the next try.
	if err := c.object(prompt).CallWithContext(ctx, ifacePrompt+".Prompt", 0, "").Err; err != nil {
		if ctx.Err() != nil {
			return dbus.Variant{}, &promptError{"nobody answered the password prompt in time"}
		}
		return dbus.Variant{}, c.fail(ctx, what, err)
	}
	for {
		select {
		case sig, ok := <-signals:
			if !ok {
				return dbus.Variant{}, fmt.Errorf("secret service: %s: the D-Bus connection closed during a prompt: %w", what, store.ErrUnavailable)
			}
			if sig.Path != prompt || sig.Name != ifacePrompt+".Completed" || len(sig.Body) < 2 {
				continue
			}
			if dismissed, _ := sig.Body[0].(bool); dismissed {
				return dbus.Variant{}, &promptError{"the password prompt was dismissed or could not be shown"}
			}
			res, _ := sig.Body[1].(dbus.Variant)
			return res, nil
		case <-ctx.Done():
			return dbus.Variant{}, &promptError{"nobody answered the password prompt in time"}
		}
	}
}

// dismiss dismisses a prompt, best effort, even after ctx has ended.
func (c *call) dismiss(ctx context.Context, prompt dbus.ObjectPath) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := c.object(prompt).CallWithContext(cctx, ifacePrompt+".Dismiss", 0).Err; err != nil {
		c.b.log.DebugContext(ctx, "secret service: dismiss prompt", "prompt", string(prompt), "error", err)
	}
}

func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}
