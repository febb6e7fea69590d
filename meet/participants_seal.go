package meet

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// A delegation's members are people, some of them spyware targets: their
// names and job titles, and their dietary and access needs (health data),
// are sealed with vault like accounts' names (issue 9, control 3). Only
// the delegation's own delegates and the secretariat see them opened.
const (
	sealMemberName    = "meeting_participants.name"
	sealMemberJob     = "meeting_participants.job_title"
	sealMemberDietary = "meeting_participants.dietary"
	sealMemberAccess  = "meeting_participants.access_needs"
)

// memberFields lists p's sealed fields with their contexts.
func memberFields(p *Participant) []struct {
	ctx string
	p   *string
} {
	return []struct {
		ctx string
		p   *string
	}{{sealMemberName, &p.Name}, {sealMemberJob, &p.JobTitle}, {sealMemberDietary, &p.Dietary}, {sealMemberAccess, &p.AccessNeeds}}
}

// sealParticipant returns p with its identity fields sealed.
func sealParticipant(k *vault.Keyring, p Participant) Participant {
	for _, f := range memberFields(&p) {
		*f.p = k.Seal(f.ctx, *f.p)
	}
	return p
}

// openParticipant opens p's sealed fields in place. A value stored in
// clear (written before sealing, and not yet sealed by SealParticipants)
// is returned as it is.
func openParticipant(k *vault.Keyring, p *Participant) error {
	for _, f := range memberFields(p) {
		if !vault.IsSealed(*f.p) {
			continue
		}
		v, err := k.Open(f.ctx, *f.p)
		if err != nil {
			return fmt.Errorf("open delegation member: %w", err)
		}
		*f.p = v
	}
	return nil
}

// ResealParticipants seals, with keys' current key, every delegation
// member's fields stored in clear or sealed with an older key, and returns
// how many members it changed. `pallmall keys rotate` runs it after adding
// a key. Each row is updated only if it did not change meanwhile. Returns
// the first value no key opens (vault.ErrUndecryptable) as an error.
func ResealParticipants(ctx context.Context, db *store.DB, keys *vault.Keyring) (int, error) {
	return resealParticipants(ctx, db, keys, false)
}

// SealClearParticipants seals the delegation members stored in clear
// (registered before members were sealed) and leaves sealed ones alone,
// so an instance started before it has a newer key file still starts.
// `pallmall serve` runs it at start-up: vault needs the keys, so a
// migration cannot seal them. Returns how many members it sealed.
func SealClearParticipants(ctx context.Context, db *store.DB, keys *vault.Keyring) (int, error) {
	return resealParticipants(ctx, db, keys, true)
}

func resealParticipants(ctx context.Context, db *store.DB, keys *vault.Keyring, clearOnly bool) (int, error) {
	type row struct {
		reg      int64
		position int
		stored   Participant
	}
	n := 0
	var lastReg int64
	lastPos := -1
	for {
		rows, err := db.Query(ctx, `SELECT registration_id, position, name, job_title, dietary, access_needs FROM meeting_participants
			WHERE registration_id > $1 OR (registration_id = $1 AND position > $2) ORDER BY registration_id, position LIMIT 500`, lastReg, lastPos)
		page, err := store.ScanAll(rows, err, func(r *sql.Rows) (row, error) {
			var x row
			err := r.Scan(&x.reg, &x.position, &x.stored.Name, &x.stored.JobTitle, &x.stored.Dietary, &x.stored.AccessNeeds)
			return x, err
		})
		if err != nil || len(page) == 0 {
			return n, err
		}
		for _, x := range page {
			lastReg, lastPos = x.reg, x.position
			done := true
			for _, f := range memberFields(&x.stored) {
				sealed := *f.p == "" || vault.IsSealed(*f.p)
				done = done && sealed && (clearOnly || keys.Current(*f.p))
			}
			if done {
				continue
			}
			p := x.stored
			if err := openParticipant(keys, &p); err != nil {
				return n, fmt.Errorf("registration %d: %w", x.reg, err)
			}
			p = sealParticipant(keys, p)
			res, err := db.Exec(ctx, `UPDATE meeting_participants SET name = $1, job_title = $2, dietary = $3, access_needs = $4
				WHERE registration_id = $5 AND position = $6 AND name = $7 AND job_title = $8 AND dietary = $9 AND access_needs = $10`,
				p.Name, p.JobTitle, p.Dietary, p.AccessNeeds, x.reg, x.position,
				x.stored.Name, x.stored.JobTitle, x.stored.Dietary, x.stored.AccessNeeds)
			if err != nil {
				return n, err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				n++
			}
		}
	}
}
