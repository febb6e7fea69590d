package consult

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// ResealResponses seals every respondent's identity (name, organisation,
// email) that is not sealed with keys' current key again with it, so the
// key before a rotation can be retired. A value written in clear (none
// should be) is sealed too. It runs in pages of rows, each row updated
// only if it did not change meanwhile, and returns how many rows it
// re-sealed. Returns the first value no key opens (vault.ErrUndecryptable)
// as an error, leaving the rest for a later run.
func ResealResponses(ctx context.Context, db *store.DB, keys *vault.Keyring) (int, error) {
	type row struct {
		id             int64
		name, org, eml string
	}
	n := 0
	var last int64
	for {
		rows, err := db.Query(ctx, `SELECT id, name, organisation_name, email FROM consult_responses
			WHERE id > $1 AND (name <> '' OR organisation_name <> '' OR email <> '') ORDER BY id LIMIT 500`, last)
		page, err := store.ScanAll(rows, err, func(r *sql.Rows) (row, error) {
			var x row
			err := r.Scan(&x.id, &x.name, &x.org, &x.eml)
			return x, err
		})
		if err != nil || len(page) == 0 {
			return n, err
		}
		for _, x := range page {
			last = x.id
			current := func(v string) bool { return keys.Current(v) && (v == "" || vault.IsSealed(v)) }
			if current(x.name) && current(x.org) && current(x.eml) {
				continue
			}
			name, org, eml := x.name, x.org, x.eml
			for _, f := range []struct {
				ctx string
				p   *string
			}{{sealName, &name}, {sealOrganisation, &org}, {sealEmail, &eml}} {
				if !vault.IsSealed(*f.p) {
					continue // written in clear: seal it as it is
				}
				var err error
				if *f.p, err = keys.Open(f.ctx, *f.p); err != nil {
					return n, fmt.Errorf("response %d: %w", x.id, err)
				}
			}
			res, err := db.Exec(ctx, `UPDATE consult_responses SET name = $1, organisation_name = $2, email = $3
				WHERE id = $4 AND name = $5 AND organisation_name = $6 AND email = $7`,
				keys.Seal(sealName, name), keys.Seal(sealOrganisation, org), keys.Seal(sealEmail, eml), x.id, x.name, x.org, x.eml)
			if err != nil {
				return n, err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				n++
			}
		}
	}
}
