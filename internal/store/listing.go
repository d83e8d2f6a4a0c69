package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// listingPrefix names the cached account listings of sso-sessions.
const listingPrefix = prefix + "sso-listing:"

// AccountListing is what an IAM Identity Center sign-in could reach when it
// was listed: every account and, in each, the roles assigned to the user.
// `sesame sso populate` caches it so that a re-run does not list hundreds of
// accounts again. It holds no secret, but account names and ids are worth
// keeping out of plain files, so it lives in the store like the rest.
type AccountListing struct {
	// Session is the sso-session name (the key it is stored under).
	Session string `json:"session"`
	// StartURL is the session's start URL at listing time; a listing made
	// for another start URL is not the session's any more.
	StartURL string `json:"start_url"`
	// Listed is when the listing was made.
	Listed time.Time `json:"listed"`
	// Accounts are in the order the caller chose.
	Accounts []ListedAccount `json:"accounts"`
}

// ListedAccount is one account of an AccountListing.
type ListedAccount struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Email string   `json:"email,omitempty"`
	Roles []string `json:"roles"`
}

func (s *Store) listingName(key []byte, session string) string {
	return listingPrefix + tag(key, "sso-listing", session)
}

// AccountListing returns the cached listing of an sso-session, or
// ErrNotFound. Whether it is recent enough is the caller's call.
func (s *Store) AccountListing(ctx context.Context, session string) (AccountListing, error) {
	var l AccountListing
	key, err := s.key(ctx, false)
	if err != nil {
		return l, err
	}
	name := s.listingName(key, session)
	data, err := s.b.Get(ctx, name)
	if err != nil {
		return l, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err == nil {
		data, err = io.ReadAll(zr)
	}
	if err != nil || json.Unmarshal(data, &l) != nil {
		return AccountListing{}, fmt.Errorf("store item %s is damaged; run sesame sso populate --refresh", name)
	}
	return l, nil
}

// SetAccountListing caches an sso-session's listing, replacing any. The
// item is gzip-compressed JSON: a thousand accounts take a few kilobytes,
// which keeps keyrings with small items (and chunking) fast.
func (s *Store) SetAccountListing(ctx context.Context, l AccountListing) error {
	key, err := s.key(ctx, true)
	if err != nil {
		return err
	}
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return s.b.Set(ctx, s.listingName(key, l.Session), buf.Bytes())
}

// RemoveAccountListing deletes an sso-session's cached listing;
// ErrNotFound when there is none.
func (s *Store) RemoveAccountListing(ctx context.Context, session string) error {
	key, err := s.key(ctx, false)
	if err != nil {
		return err
	}
	return s.b.Remove(ctx, s.listingName(key, session))
}
