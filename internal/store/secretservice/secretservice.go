// Package secretservice is sesame's store.Backend over the freedesktop.org
// Secret Service API (GNOME Keyring, KeePassXC, KWallet and others), spoken
// over D-Bus with github.com/godbus/dbus/v5.
//
// # Connecting
//
// The backend connects only to the session bus named by
// DBUS_SESSION_BUS_ADDRESS. It never starts a bus itself (godbus's
// SessionBus and ConnectSessionBus would autolaunch a dbus-daemon when
// dbus-x11 is installed), and without that variable it fails at once with an
// error wrapping store.ErrUnavailable. The connection is made on the first
// call, not by New, and is kept until Close.
//
// # Items
//
// Items live in the default collection (the alias "default", else
// "login"). Each has the attributes {"application": "sesame",
// "sesame-item": NAME} and the label "sesame: NAME"; the secret is sent in a
// "plain" session, so it travels only over the private bus socket. Names are
// sesame's opaque item names, so neither attributes nor labels reveal
// profiles.
//
// # Locked keyrings and prompts
//
// Every call first makes sure the collection is unlocked, so a locked keyring
// is always an error, never a missing item. When the service needs a prompt
// to unlock it (a password dialog), the backend shows it only while the
// caller's context allows (and not at all with [WithoutPrompt]) and waits
// for it with that context. A dismissed prompt, or one nobody answers before
// the context ends, is an error wrapping store.ErrLocked; an unanswered
// prompt stays on screen (dismissing a prompt that is being shown crashes
// gnome-keyring 42), so answering it later unlocks the keyring for the next
// call. No call blocks past its context, but for short clean-up calls.
//
// Errors never contain secret values nor messages from the service (they
// are logged at debug level instead).
//
// A Backend is safe for concurrent use.
package secretservice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sesamehq/sesame/internal/store"
)

// Name is the backend's name, as --backend and SESAME_BACKEND take it.
const Name = "secret-service"

// D-Bus names of the Secret Service API.
const (
	serviceName     = "org.freedesktop.secrets"
	servicePath     = dbus.ObjectPath("/org/freedesktop/secrets")
	ifaceService    = "org.freedesktop.Secret.Service"
	ifaceCollection = "org.freedesktop.Secret.Collection"
	ifaceItem       = "org.freedesktop.Secret.Item"
	ifacePrompt     = "org.freedesktop.Secret.Prompt"
	propLabel       = ifaceItem + ".Label"
	propAttributes  = ifaceItem + ".Attributes"
	noPrompt        = dbus.ObjectPath("/")
	noObject        = dbus.ObjectPath("/")

	errIsLocked     = "org.freedesktop.Secret.Error.IsLocked"
	errNoSuchObject = "org.freedesktop.Secret.Error.NoSuchObject"
	errAccessDenied = "org.freedesktop.DBus.Error.AccessDenied"
	errUnknownObj   = "org.freedesktop.DBus.Error.UnknownObject"
)

// Item attributes.
const (
	attrApplication = "application"
	attrItem        = "sesame-item"
	application     = "sesame"
)

// availableTimeout bounds Available when the caller's context allows more.
const availableTimeout = 2 * time.Second

// cleanupTimeout bounds the calls that tidy up after a failure (dismissing a
// prompt, removing a signal match) once the caller's context has ended.
const cleanupTimeout = 2 * time.Second

// secret is the Secret Service's Secret struct, (oayays).
type secret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// Backend is the Secret Service backend. Create it with [New].
type Backend struct {
	addr   string
	prompt bool
	log    *slog.Logger

	mu      sync.Mutex
	conn    *dbus.Conn
	session dbus.ObjectPath
}

var _ store.Backend = (*Backend)(nil)

// Option configures a Backend.
type Option func(*Backend)

// WithoutPrompt makes a locked keyring an error at once (wrapping
// store.ErrLocked) instead of asking the service to prompt for its password.
// Use it where nobody can answer a prompt.
func WithoutPrompt() Option { return func(b *Backend) { b.prompt = false } }

// WithLogger sets the logger for debug messages (D-Bus error details). The
// default discards them.
func WithLogger(l *slog.Logger) Option {
	return func(b *Backend) {
		if l != nil {
			b.log = l
		}
	}
}

// New returns a backend for the session bus named by DBUS_SESSION_BUS_ADDRESS
// in lookupEnv (os.LookupEnv in production). It does not connect yet. When
// there is no bus address it returns an error wrapping store.ErrUnavailable
// that says to use another backend.
func New(lookupEnv func(string) (string, bool), opts ...Option) (*Backend, error) {
	addr, err := busAddress(lookupEnv)
	if err != nil {
		return nil, err
	}
	b := &Backend{addr: addr, prompt: true, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(b)
	}
	return b, nil
}

// Available reports quickly whether a Secret Service can be used: the
// session bus address is set, the bus answers, and some program owns
// org.freedesktop.secrets or the bus can start one. It returns nil or an
// error wrapping store.ErrUnavailable that says why not. It is how sesame
// picks its default backend; it never starts a bus, and the check is bounded
// by ctx and by a short timeout of its own.
func Available(ctx context.Context, lookupEnv func(string) (string, bool)) error {
	addr, err := busAddress(lookupEnv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, availableTimeout)
	defer cancel()
	conn, err := dial(ctx, addr)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	bus := conn.BusObject()
	var owned bool
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, serviceName).Store(&owned); err != nil {
		return fmt.Errorf("secret service: the D-Bus session bus did not answer: %w", unavailable(ctx, err))
	}
	if owned {
		return nil
	}
	var names []string
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&names); err != nil {
		return fmt.Errorf("secret service: the D-Bus session bus did not answer: %w", unavailable(ctx, err))
	}
	if slices.Contains(names, serviceName) {
		return nil
	}
	return fmt.Errorf("secret service: no Secret Service on the D-Bus session bus (no keyring daemon such as gnome-keyring owns or can start %s): %w",
		serviceName, store.ErrUnavailable)
}

// busAddress returns DBUS_SESSION_BUS_ADDRESS, or the no-session error.
func busAddress(lookupEnv func(string) (string, bool)) (string, error) {
	addr, _ := lookupEnv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" || addr == "autolaunch:" {
		return "", fmt.Errorf("secret service: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so the Secret Service keyring cannot be reached; "+
			"use --backend file, or set SESAME_BACKEND=file or SESAME_BACKEND=pass: %w", store.ErrUnavailable)
	}
	return addr, nil
}

// dial connects and authenticates to the bus at addr. It is dbus.Connect
// (Dial, Auth, Hello) with the handshake bounded by ctx: a bus that accepts
// the connection but never answers is closed when ctx ends.
func dial(ctx context.Context, addr string) (*dbus.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("secret service: cannot connect to the D-Bus session bus: %w", unavailable(ctx, err))
	}
	conn, err := dbus.Dial(addr)
	if err != nil {
		return nil, fmt.Errorf("secret service: cannot connect to the D-Bus session bus at DBUS_SESSION_BUS_ADDRESS: %w", unavailable(ctx, err))
	}
	done := make(chan error, 1)
	go func() {
		err := conn.Auth(nil)
		if err == nil {
			err = conn.Hello()
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = conn.Close()
		<-done
		err = ctx.Err()
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("secret service: cannot connect to the D-Bus session bus: %w", unavailable(ctx, err))
	}
	return conn, nil
}

// Name implements store.Backend.
func (b *Backend) Name() string { return Name }

// Close closes the D-Bus connection, if any. The backend reconnects on its
// next call.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn == nil {
		return nil
	}
	err := b.conn.Close()
	b.conn, b.session = nil, ""
	return err
}

// Get implements store.Backend.
func (b *Backend) Get(ctx context.Context, name string) ([]byte, error) {
	c, err := b.open(ctx, false)
	if err != nil {
		return nil, err
	}
	if c.coll == noObject {
		return nil, store.ErrNotFound
	}
	items, err := c.search(ctx, itemAttributes(name))
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, store.ErrNotFound
	}
	var s secret
	err = c.object(items[0]).CallWithContext(ctx, ifaceItem+".GetSecret", 0, c.session).Store(&s)
	if dbusErrorName(err) == errNoSuchObject || dbusErrorName(err) == errUnknownObj {
		return nil, store.ErrNotFound // removed meanwhile
	}
	if err != nil {
		return nil, c.fail(ctx, "read item "+name, err)
	}
	return s.Value, nil
}

// Set implements store.Backend.
func (b *Backend) Set(ctx context.Context, name string, data []byte) error {
	c, err := b.open(ctx, true)
	if err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		propLabel:      dbus.MakeVariant("sesame: " + name),
		propAttributes: dbus.MakeVariant(itemAttributes(name)),
	}
	s := secret{Session: c.session, Parameters: []byte{}, Value: data, ContentType: "application/octet-stream"}
	if s.Value == nil {
		s.Value = []byte{}
	}
	var item, prompt dbus.ObjectPath
	err = c.object(c.coll).CallWithContext(ctx, ifaceCollection+".CreateItem", 0, props, s, true).Store(&item, &prompt)
	if err != nil {
		return c.fail(ctx, "store item "+name, err)
	}
	if prompt != noPrompt {
		if _, err := c.prompted(ctx, prompt, "store item "+name); err != nil {
			return err
		}
	}
	return nil
}

// Remove implements store.Backend.
func (b *Backend) Remove(ctx context.Context, name string) error {
	c, err := b.open(ctx, false)
	if err != nil {
		return err
	}
	if c.coll == noObject {
		return store.ErrNotFound
	}
	items, err := c.search(ctx, itemAttributes(name))
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return store.ErrNotFound
	}
	for _, item := range items {
		var prompt dbus.ObjectPath
		err := c.object(item).CallWithContext(ctx, ifaceItem+".Delete", 0).Store(&prompt)
		if n := dbusErrorName(err); n == errNoSuchObject || n == errUnknownObj {
			continue
		}
		if err != nil {
			return c.fail(ctx, "remove item "+name, err)
		}
		if prompt != noPrompt {
			if _, err := c.prompted(ctx, prompt, "remove item "+name); err != nil {
				return err
			}
		}
	}
	return nil
}

// List implements store.Backend.
func (b *Backend) List(ctx context.Context) ([]string, error) {
	c, err := b.open(ctx, false)
	if err != nil {
		return nil, err
	}
	if c.coll == noObject {
		return nil, nil
	}
	items, err := c.search(ctx, map[string]string{attrApplication: application})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, item := range items {
		var v dbus.Variant
		err := c.object(item).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, ifaceItem, "Attributes").Store(&v)
		if n := dbusErrorName(err); n == errNoSuchObject || n == errUnknownObj {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, c.fail(ctx, "list items", err)
		}
		attrs, ok := v.Value().(map[string]string)
		if !ok || attrs[attrApplication] != application || attrs[attrItem] == "" {
			continue
		}
		names = append(names, attrs[attrItem])
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func itemAttributes(name string) map[string]string {
	return map[string]string{attrApplication: application, attrItem: name}
}

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
	return fmt.Errorf("%w: %w", err, store.ErrUnavailable)
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
