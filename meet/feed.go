package meet

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

// feedKeySetting names the settings row holding the key that derives the
// organisations' calendar feed tokens.
const feedKeySetting = "meet_feed_key"

// feedKey returns the feed key, creating it on first use.
func (s *Service) feedKey(ctx context.Context) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	if _, err := s.DB.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
		feedKeySetting, base64.RawURLEncoding.EncodeToString(b)); err != nil {
		return nil, err
	}
	var v string
	if err := s.DB.Writer().QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, feedKeySetting).Scan(&v); err != nil {
		return nil, err
	}
	return base64.RawURLEncoding.DecodeString(v)
}

func feedToken(key []byte, orgID int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("meet-feed:" + strconv.FormatInt(orgID, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// FeedToken returns the secret token in organisation orgID's calendar feed
// address, which calendar applications fetch without signing in. Anyone
// with it sees the meetings the organisation is invited to, so it is given
// only to those who act for the organisation. Returns ErrForbidden.
func (s *Service) FeedToken(ctx context.Context, actor auth.Actor, orgID int64) (string, error) {
	if !actor.ActsFor(orgID) {
		return "", pallmall.ErrForbidden
	}
	key, err := s.feedKey(ctx)
	if err != nil {
		return "", err
	}
	return feedToken(key, orgID), nil
}

// FeedMeetings returns every meeting organisation orgID is invited to, by
// start time, if token is its feed token. Returns ErrNotFound otherwise.
func (s *Service) FeedMeetings(ctx context.Context, orgID int64, token string) ([]Meeting, error) {
	key, err := s.feedKey(ctx)
	if err != nil {
		return nil, err
	}
	if orgID <= 0 || !hmac.Equal([]byte(token), []byte(feedToken(key, orgID))) {
		return nil, pallmall.ErrNotFound
	}
	// As the organisation's delegates see them.
	return s.list(ctx, false, orgID, Filter{OrganisationID: orgID})
}
