package creds

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/creds/plan"
	"github.com/sesamehq/sesame/internal/store"
)

// Prober is a provider that can tell, from what is stored and without
// calling AWS or asking anyone, whether Retrieve would need a person: an MFA
// code, a sign-in, a key pair to add. Need returns "" when it would not,
// else what is needed ("an MFA code for arn:...").
type Prober interface {
	Need(ctx context.Context) (string, error)
}

// need asks p, when it can tell; a provider that cannot (credential_process,
// environment variables, a web identity token file) needs no person.
func need(ctx context.Context, p aws.CredentialsProvider) (string, error) {
	if pr, ok := p.(Prober); ok {
		return pr.Need(ctx)
	}
	return "", nil
}

// Need is "" when a cached session has more than MinRemaining left, else
// what Inner needs.
func (c *Cached) Need(ctx context.Context) (string, error) {
	st, err := c.Store(ctx)
	if err != nil {
		return "", err
	}
	if _, ok, err := c.lookup(ctx, st); err != nil || ok {
		return "", err
	}
	return need(ctx, c.Inner)
}

// Need is an MFA code when a serial is set, else what the keys need.
func (p *SessionToken) Need(ctx context.Context) (string, error) {
	if p.Serial != "" {
		return "an MFA code for " + p.Serial, nil
	}
	return need(ctx, p.Source)
}

// Need is an MFA code when the role asks for one, else what its source
// needs.
func (p *AssumeRole) Need(ctx context.Context) (string, error) {
	if p.Input.SerialNumber != nil {
		return "an MFA code for " + aws.ToString(p.Input.SerialNumber), nil
	}
	return need(ctx, p.Source)
}

// Need is a key pair to add when neither the store nor the credentials
// file has one.
func (p *StoredKeys) Need(ctx context.Context) (string, error) {
	st, err := p.Store(ctx)
	if err != nil {
		return "", err
	}
	_, err = st.Keys(ctx, p.Profile)
	switch {
	case err == nil:
		return "", nil
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	case p.FileID != "" && p.FileSecret != "":
		return "", nil
	}
	return fmt.Sprintf("a key pair (sesame add %s)", p.Profile), nil
}

// Need says whether a person is needed to get req's credentials now: ""
// when sesame can hand them out by itself (cached, or made from stored keys
// without MFA, or from a sign-in it can refresh), else what is needed. It
// calls no AWS API and asks nothing.
func (b *Builder) Need(ctx context.Context, req Request) (string, error) {
	n, _, err := b.buildRequest(req)
	if err != nil {
		return "", err
	}
	return need(ctx, n.p)
}

// SessionKind is the kind of credentials a cached session with this ID
// holds (store.SessionInfo.ID), from the step that made it.
func SessionKind(id string) Kind { return plan.SessionKind(id) }
