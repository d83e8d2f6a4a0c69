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
	return store.Unavailable(fmt.Errorf("secret service: no Secret Service on the D-Bus session bus (no keyring daemon such as gnome-keyring owns or can start %s)",
		serviceName))
}

// busAddress returns DBUS_SESSION_BUS_ADDRESS, or the no-session error.
func busAddress(lookupEnv func(string) (string, bool)) (string, error) {
	addr, _ := lookupEnv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" || addr == "autolaunch:" {
		return "", store.Unavailable(fmt.Errorf("secret service: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so the Secret Service keyring cannot be reached"))
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
