package meet

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/store"
)

// NeedsRetention is how long after a meeting ends its delegation members'
// dietary and access needs are kept. They are health data, collected for
// the meeting's catering and access only; the registration form says so.
// Names and job titles stay: they are the record of who attended.
const NeedsRetention = 30 * 24 * time.Hour

// NeedsErasure is what one run of EraseExpiredNeeds erased.
type NeedsErasure struct {
	Meetings []int64 // the meetings whose members' needs were erased
	Members  int     // the delegation members whose needs fields were erased
}

// EraseExpiredNeeds erases the dietary and access needs of every member of
// every delegation to a meeting that ended NeedsRetention ago or more, one
// audited transaction per meeting. Run it under the retention lease (see
// cmd/pallmall's retention job); a meeting already erased is skipped, so
// two runs never erase twice.
func (s *Service) EraseExpiredNeeds(ctx context.Context) (NeedsErasure, error) {
	now := s.now()
	rows, err := s.DB.Query(ctx, `SELECT id FROM meetings WHERE needs_erased_at IS NULL AND ends_at <= $1 ORDER BY id`, now.Add(-NeedsRetention))
	due, err := store.ScanAll(rows, err, func(r *sql.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return NeedsErasure{}, err
	}
	var out NeedsErasure
	for _, id := range due {
		n, done, err := s.eraseNeeds(ctx, id, now)
		if err != nil {
			return out, fmt.Errorf("meeting %d: %w", id, err)
		}
		if done {
			out.Meetings = append(out.Meetings, id)
			out.Members += n
		}
	}
	return out, nil
}

func (s *Service) eraseNeeds(ctx context.Context, id int64, now time.Time) (members int, done bool, err error) {
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var erased sql.NullTime
		if err := tx.QueryRow(ctx, `SELECT needs_erased_at FROM meetings WHERE id = $1`, id).Scan(&erased); err != nil {
			return err
		}
		if erased.Valid {
			return nil // another instance got here first
		}
		res, err := tx.Exec(ctx, `UPDATE meeting_participants SET dietary = '', access_needs = ''
			WHERE registration_id IN (SELECT id FROM meeting_registrations WHERE meeting_id = $1) AND (dietary <> '' OR access_needs <> '')`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE meetings SET needs_erased_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		members, done = int(n), true
		return audit.Record(ctx, tx, 0, "meeting.needs_erased", "meeting", id, fmt.Sprintf("%d members", n))
	})
	return members, done, err
}
