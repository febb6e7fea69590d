package consult

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// CampaignSettings are a consultation's campaign detection thresholds,
// kept between runs: the smallest group of near-identical answers reported
// as a campaign, and how many of a campaign's answers within a minute
// raise a burst flag.
type CampaignSettings struct {
	MinSize  int
	BurstMin int
}

// DefaultCampaignSettings are the thresholds of a consultation that has
// none saved: campaign.Find's and campaign.Bursts' defaults.
var DefaultCampaignSettings = CampaignSettings{MinSize: 10, BurstMin: 20}

// Validate checks the thresholds; field names are min_size and burst_min.
func (cs CampaignSettings) Validate() error {
	var v pallmall.ValidationError
	if cs.MinSize < 2 || cs.MinSize > 100000 {
		v.Add("min_size", "campaigns.error.threshold")
	}
	if cs.BurstMin < 2 || cs.BurstMin > 100000 {
		v.Add("burst_min", "campaigns.error.threshold")
	}
	return v.Err()
}

// Options returns the run options the thresholds give.
func (cs CampaignSettings) Options() CampaignOptions {
	o := CampaignOptions{MinSize: cs.MinSize}
	o.Burst.MinCount = cs.BurstMin
	return o
}

// CampaignSettings returns the consultation's thresholds, or the defaults
// when none were saved. Secretariat and analysts only.
func (s *Service) CampaignSettings(ctx context.Context, actor auth.Actor, consultationID int64) (CampaignSettings, error) {
	if !canAnalyse(actor) {
		return CampaignSettings{}, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return CampaignSettings{}, err
	}
	cs := DefaultCampaignSettings
	err := s.DB.QueryRow(ctx, `SELECT min_size, burst_min FROM consult_campaign_settings WHERE consultation_id = $1`, consultationID).Scan(&cs.MinSize, &cs.BurstMin)
	if errors.Is(err, pallmall.ErrNotFound) {
		return DefaultCampaignSettings, nil
	}
	return cs, err
}

// SaveCampaignSettings keeps the consultation's thresholds for its next
// detection runs, audited. Secretariat and analysts only.
func (s *Service) SaveCampaignSettings(ctx context.Context, actor auth.Actor, consultationID int64, cs CampaignSettings) error {
	if !canAnalyse(actor) {
		return pallmall.ErrForbidden
	}
	if err := cs.Validate(); err != nil {
		return err
	}
	by := sql.NullInt64{Int64: actor.UserID, Valid: actor.UserID != 0}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO consult_campaign_settings (consultation_id, min_size, burst_min, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (consultation_id) DO UPDATE SET min_size = excluded.min_size, burst_min = excluded.burst_min, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			consultationID, cs.MinSize, cs.BurstMin, by, s.now())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.campaign_settings", "consultation", consultationID,
			fmt.Sprintf("min_size=%d burst_min=%d", cs.MinSize, cs.BurstMin))
	})
}
