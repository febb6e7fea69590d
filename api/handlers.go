package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
)

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	doc, err := OpenAPI()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(doc)
	return err
}

// User is an account as the API shows it.
type User struct {
	ID               int64     `json:"id"`
	Email            string    `json:"email"`
	Name             string    `json:"name"`
	Role             auth.Role `json:"role"`
	OrganisationID   *int64    `json:"organisation_id"`
	SigningAuthority bool      `json:"signing_authority"`
	TwoFactor        bool      `json:"two_factor"`
	CreatedAt        time.Time `json:"created_at"`
}

func userJSON(u auth.User) User {
	out := User{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, SigningAuthority: u.SigningAuthority, TwoFactor: u.TwoFactor, CreatedAt: u.CreatedAt.UTC()}
	if u.OrganisationID != 0 {
		id := u.OrganisationID
		out.OrganisationID = &id
	}
	return out
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	u, err := s.Auth.User(r.Context(), actor.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userJSON(u))
	return nil
}

// Organisation is an organisation as the API shows it.
type Organisation struct {
	ID        int64        `json:"id"`
	NameEN    string       `json:"name_en"`
	NameFR    string       `json:"name_fr"`
	Kind      auth.OrgKind `json:"kind"`
	Country   string       `json:"country,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
}

func orgJSON(o auth.Organisation) Organisation {
	return Organisation{ID: o.ID, NameEN: o.NameEN, NameFR: o.NameFR, Kind: o.Kind, Country: o.Country, CreatedAt: o.CreatedAt.UTC()}
}

func (s *Server) listOrganisations(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	limit, err := parseLimit(r, 100, 1000)
	if err != nil {
		return err
	}
	after, err := parseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	kind := auth.OrgKind(r.URL.Query().Get("kind"))
	if kind != "" && !kind.Valid() {
		ve := &pallmall.ValidationError{}
		ve.Add("kind", "error.choose_one")
		return ve
	}
	orgs, err := s.Auth.Organisations(r.Context(), kind, after, limit+1)
	if err != nil {
		return err
	}
	page := Page[Organisation]{Data: []Organisation{}}
	if len(orgs) > limit {
		orgs = orgs[:limit]
		page.NextCursor = cursor(orgs[len(orgs)-1].ID)
	}
	for _, o := range orgs {
		page.Data = append(page.Data, orgJSON(o))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getOrganisation(w http.ResponseWriter, r *http.Request, _ auth.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.Auth.Organisation(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, orgJSON(o))
	return nil
}

// NewOrganisation is the body of POST /api/v1/organisations.
type NewOrganisation struct {
	NameEN  string       `json:"name_en"`
	NameFR  string       `json:"name_fr"`
	Kind    auth.OrgKind `json:"kind"`
	Country string       `json:"country"`
}

func (s *Server) createOrganisation(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	var in NewOrganisation
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := s.Auth.CreateOrganisation(r.Context(), actor, auth.Organisation{NameEN: in.NameEN, NameFR: in.NameFR, Kind: in.Kind, Country: in.Country})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organisations/"+strconv.FormatInt(o.ID, 10))
	writeJSON(w, http.StatusCreated, orgJSON(o))
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	var org int64
	if v := r.URL.Query().Get("organisation_id"); v != "" {
		org, _ = strconv.ParseInt(v, 10, 64)
	}
	users, err := s.Auth.Users(r.Context(), actor, org)
	if err != nil {
		return err
	}
	page := Page[User]{Data: []User{}}
	for _, u := range users {
		page.Data = append(page.Data, userJSON(u))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// AuditEvent is an audit log entry as the API shows it.
type AuditEvent struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	ActorUserID *int64    `json:"actor_user_id"`
	Action      string    `json:"action"`
	ObjectType  string    `json:"object_type"`
	ObjectID    string    `json:"object_id"`
	Detail      string    `json:"detail,omitempty"`
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	if !actor.SignedIn() {
		return pallmall.ErrUnauthenticated
	}
	if !actor.Can(auth.ReadAuditLog) {
		return pallmall.ErrForbidden
	}
	limit, err := parseLimit(r, 100, 500)
	if err != nil {
		return err
	}
	before, err := parseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Before: before, Limit: limit + 1}
	f.ActorUserID, _ = strconv.ParseInt(q.Get("actor_user_id"), 10, 64)
	events, err := audit.List(r.Context(), s.DB, f)
	if err != nil {
		return err
	}
	page := Page[AuditEvent]{Data: []AuditEvent{}}
	if len(events) > limit {
		events = events[:limit]
		page.NextCursor = cursor(events[len(events)-1].ID)
	}
	for _, e := range events {
		ae := AuditEvent{ID: e.ID, At: e.At, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Detail: e.Detail}
		if e.ActorUserID != 0 {
			id := e.ActorUserID
			ae.ActorUserID = &id
		}
		page.Data = append(page.Data, ae)
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
