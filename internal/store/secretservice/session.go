package secretservice

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/godbus/dbus/v5"

	"github.com/sesamehq/sesame/internal/store"
)

// call is one backend call's view of the connection: the bus, the session
// and the unlocked default collection (noObject when there is none).
type call struct {
	b       *Backend
	conn    *dbus.Conn
	session dbus.ObjectPath
	coll    dbus.ObjectPath
}

func (c *call) object(p dbus.ObjectPath) dbus.BusObject { return c.conn.Object(serviceName, p) }

// open connects (or reuses the connection), finds the default collection,
// creating it when create is set and there is none, and unlocks it.
func (b *Backend) open(ctx context.Context, create bool) (*call, error) {
	conn, session, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	c := &call{b: b, conn: conn, session: session}
	c.coll, err = c.defaultCollection(ctx)
	if err != nil {
		return nil, err
	}
	if c.coll == noObject {
		if !create {
			return c, nil
		}
		if c.coll, err = c.createCollection(ctx); err != nil {
			return nil, err
		}
	}
	if err := c.unlock(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// connect returns the connection and its plain session, making them the
// first time (and again after the connection broke).
func (b *Backend) connect(ctx context.Context) (*dbus.Conn, dbus.ObjectPath, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil && b.conn.Connected() {
		return b.conn, b.session, nil
	}
	if b.conn != nil {
		_ = b.conn.Close()
		b.conn, b.session = nil, ""
	}
	if b.addr == "" {
		// A zero Backend, not made by New.
		_, err := busAddress(func(string) (string, bool) { return "", false })
		return nil, "", err
	}
	conn, err := dial(ctx, b.addr)
	if err != nil {
		return nil, "", err
	}
	var out dbus.Variant
	var session dbus.ObjectPath
	err = conn.Object(serviceName, servicePath).CallWithContext(ctx, ifaceService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session)
	if err != nil {
		_ = conn.Close()
		c := &call{b: b}
		return nil, "", c.fail(ctx, "open a session", err)
	}
	b.conn, b.session = conn, session
	return conn, session, nil
}

// defaultCollection returns the collection behind the alias "default", else
// "login", else noObject.
func (c *call) defaultCollection(ctx context.Context) (dbus.ObjectPath, error) {
	svc := c.object(servicePath)
	for _, alias := range []string{"default", "login"} {
		var p dbus.ObjectPath
		if err := svc.CallWithContext(ctx, ifaceService+".ReadAlias", 0, alias).Store(&p); err != nil {
			return "", c.fail(ctx, "find the default keyring", err)
		}
		if p != noObject && p != "" {
			return p, nil
		}
	}
	return noObject, nil
}

// createCollection creates the default collection (the service normally
// prompts for its password).
func (c *call) createCollection(ctx context.Context) (dbus.ObjectPath, error) {
	props := map[string]dbus.Variant{ifaceCollection + ".Label": dbus.MakeVariant("Default keyring")}
	var coll, prompt dbus.ObjectPath
	err := c.object(servicePath).CallWithContext(ctx, ifaceService+".CreateCollection", 0, props, "default").Store(&coll, &prompt)
	if err != nil {
		return "", c.fail(ctx, "create the default keyring", err)
	}
	if prompt != noPrompt {
		res, err := c.runPrompt(ctx, prompt, "create the default keyring")
		if pe, ok := errors.AsType[*promptError](err); ok {
			return "", fmt.Errorf("secret service: there is no default keyring, and creating one needs a password prompt (%s): "+
				"create a keyring (for example with Seahorse, or log in to the desktop once), or use --backend file: %w", pe.why, store.ErrUnavailable)
		}
		if err != nil {
			return "", err
		}
		coll, _ = res.Value().(dbus.ObjectPath)
	}
	if coll == noObject || coll == "" {
		return "", fmt.Errorf("secret service: there is no default keyring and none was created; create one (for example with Seahorse) or use --backend file: %w", store.ErrUnavailable)
	}
	return coll, nil
}

// unlock makes sure the collection is unlocked, prompting if the service
// asks for it and the caller allows it.
func (c *call) unlock(ctx context.Context) error {
	locked, err := c.locked(ctx)
	if err != nil || !locked {
		return err
	}
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = c.object(servicePath).CallWithContext(ctx, ifaceService+".Unlock", 0, []dbus.ObjectPath{c.coll}).Store(&unlocked, &prompt)
	if err != nil {
		return c.fail(ctx, "unlock the keyring", err)
	}
	if slices.Contains(unlocked, c.coll) {
		return nil
	}
	if prompt == noPrompt {
		return lockedError("the service refused to unlock it")
	}
	if !c.b.prompt {
		c.dismiss(ctx, prompt)
		return lockedError("prompting for its password is turned off")
	}
	if _, err := c.prompted(ctx, prompt, "unlock the keyring"); err != nil {
		return err
	}
	if locked, err := c.locked(ctx); err != nil {
		return err
	} else if locked {
		return lockedError("it is still locked after the prompt")
	}
	return nil
}

func (c *call) locked(ctx context.Context) (bool, error) {
	var v dbus.Variant
	err := c.object(c.coll).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, ifaceCollection, "Locked").Store(&v)
	if err != nil {
		return false, c.fail(ctx, "read the keyring's state", err)
	}
	locked, ok := v.Value().(bool)
	if !ok {
		return false, fmt.Errorf("secret service: the keyring's Locked property is not a boolean: %w", store.ErrUnavailable)
	}
	return locked, nil
}

func (c *call) search(ctx context.Context, attrs map[string]string) ([]dbus.ObjectPath, error) {
	var items []dbus.ObjectPath
	if err := c.object(c.coll).CallWithContext(ctx, ifaceCollection+".SearchItems", 0, attrs).Store(&items); err != nil {
		return nil, c.fail(ctx, "search the keyring", err)
	}
	return items, nil
}
