// Package audit keeps the append-only record of every state-changing action
// by a signed-in user: who, what, which object and when. It never holds
// response content or personal data beyond the actor's id; the database
// refuses updates and deletes of its rows.
package audit

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall/store"
)

// Event is one entry of the audit log.
type Event struct {
	ID          int64
	At          time.Time
	ActorUserID int64 // 0 for the command line or the system itself
	Action      string
	ObjectType  string
	ObjectID    string
	Detail      string // a short, non-personal note, such as a reason
}

// Record appends e to the audit log, normally inside the transaction that
// made the change, so the change and its record commit together.
func Record(ctx context.Context, q store.Querier, actorUserID int64, action, objectType string, objectID any, detail string) error {
	var actor any
	if actorUserID != 0 {
		actor = actorUserID
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_events (at, actor_user_id, action, object_type, object_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		store.Now(), actor, action, objectType, fmt.Sprint(objectID), detail)
	if err != nil {
		return fmt.Errorf("record audit event %s: %w", action, err)
	}
	return nil
}

// Filter narrows a listing of the audit log. Zero fields match everything.
type Filter struct {
	ActorUserID int64
	Action      string // a prefix, such as "user." for every user action
	ObjectType  string
	ObjectID    string
	Before      int64 // cursor: only events with a smaller id
	Limit       int
}

// List returns events newest first. Callers check that the actor may read
// the audit log (see auth.Actor.Can).
func List(ctx context.Context, q store.Querier, f Filter) ([]Event, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.ActorUserID != 0 {
		where = append(where, "actor_user_id = "+arg(f.ActorUserID))
	}
	if f.Action != "" {
		where = append(where, "action LIKE "+arg(escapeLike(f.Action)+"%")+" ESCAPE '\\'")
	}
	if f.ObjectType != "" {
		where = append(where, "object_type = "+arg(f.ObjectType))
	}
	if f.ObjectID != "" {
		where = append(where, "object_id = "+arg(f.ObjectID))
	}
	if f.Before > 0 {
		where = append(where, "id < "+arg(f.Before))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	query := `SELECT id, at, actor_user_id, action, object_type, object_id, detail FROM audit_events`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT " + arg(limit)
	rows, err := q.Query(ctx, query, args...)
	return store.ScanAll(rows, err, func(r *sql.Rows) (Event, error) {
		var e Event
		var actor sql.NullInt64
		err := r.Scan(&e.ID, &e.At, &actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Detail)
		e.ActorUserID = actor.Int64
		e.At = e.At.UTC()
		return e, err
	})
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
