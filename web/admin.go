package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
)

// requirePermission returns the actor if it holds p: the public is sent to
// sign in, others get 403.
func requirePermission(r *http.Request, p auth.Permission) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	if !a.Can(p) {
		return a, pallmall.ErrForbidden
	}
	return a, nil
}

type usersData struct {
	Users []auth.User
	Orgs  map[int64]auth.Organisation
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	actor, err := requirePermission(r, auth.ManageUsers)
	if err != nil {
		return err
	}
	users, err := s.Auth.Users(r.Context(), actor, 0)
	if err != nil {
		return err
	}
	orgs, err := s.orgIndex(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin-users", "admin_users.title", nil, usersData{Users: users, Orgs: orgs})
}

func (s *Server) orgIndex(r *http.Request) (map[int64]auth.Organisation, error) {
	all, err := s.Auth.Organisations(r.Context(), "", 0, 0)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]auth.Organisation, len(all))
	for _, o := range all {
		m[o.ID] = o
	}
	return m, nil
}

type newUserData struct {
	Orgs    []auth.Organisation
	Roles   []auth.Role
	Created *auth.User
	Link    string
}

func (s *Server) newUserData(r *http.Request) (newUserData, error) {
	orgs, err := s.Auth.Organisations(r.Context(), "", 0, 0)
	sortOrgs(orgs, info(r).lang)
	return newUserData{Orgs: orgs, Roles: auth.Roles}, err
}

func (s *Server) newUserForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requirePermission(r, auth.ManageUsers); err != nil {
		return err
	}
	d, err := s.newUserData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin-user-new", "admin_user_new.title", &Form{Errors: map[string]string{}}, d)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	actor, err := requirePermission(r, auth.ManageUsers)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "name", "email", "role", "organisation", "signing_authority")
	d, err := s.newUserData(r)
	if err != nil {
		return err
	}
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	n := auth.NewUser{
		Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Role: auth.Role(r.PostForm.Get("role")),
		OrganisationID: orgID, SigningAuthority: r.PostForm.Get("signing_authority") == "yes",
	}
	u, token, err := s.Auth.CreateUser(r.Context(), actor, n, 72*time.Hour)
	if form.AddErrors(err) {
		return s.render(w, r, http.StatusUnprocessableEntity, "admin-user-new", "admin_user_new.title", form, d)
	}
	if err != nil {
		return err
	}
	d.Created, d.Link = &u, s.PublicURL+"/account/set-password/"+token
	return s.render(w, r, http.StatusCreated, "admin-user-created", "admin_user_created.title", nil, d)
}

func (s *Server) newOrganisationForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requirePermission(r, auth.ManageOrganisations); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin-org-new", "admin_org_new.title", &Form{Errors: map[string]string{}}, auth.OrgKinds)
}

func (s *Server) createOrganisation(w http.ResponseWriter, r *http.Request) error {
	actor, err := requirePermission(r, auth.ManageOrganisations)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return pallmall.ErrInvalid
	}
	form := NewForm(r, "name_en", "name_fr", "kind", "country")
	o, err := s.Auth.CreateOrganisation(r.Context(), actor, auth.Organisation{
		NameEN: r.PostForm.Get("name_en"), NameFR: r.PostForm.Get("name_fr"),
		Kind: auth.OrgKind(r.PostForm.Get("kind")), Country: r.PostForm.Get("country"),
	})
	if form.AddErrors(err) {
		return s.render(w, r, http.StatusUnprocessableEntity, "admin-org-new", "admin_org_new.title", form, auth.OrgKinds)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/organisations/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
	return nil
}

type auditData struct {
	Events []audit.Event
	Users  map[int64]auth.User
	Next   string // query string of the next page, if any
}

const auditPageSize = 50

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	actor, err := requirePermission(r, auth.ReadAuditLog)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Limit: auditPageSize + 1}
	f.ActorUserID, _ = strconv.ParseInt(q.Get("actor"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	events, err := audit.List(r.Context(), s.DB, f)
	if err != nil {
		return err
	}
	d := auditData{Users: map[int64]auth.User{}}
	if len(events) > auditPageSize {
		events = events[:auditPageSize]
		next := r.URL.Query()
		next.Set("before", strconv.FormatInt(events[len(events)-1].ID, 10))
		d.Next = next.Encode()
	}
	d.Events = events
	users, err := s.Auth.Users(r.Context(), actor, 0)
	if err != nil {
		return err
	}
	for _, u := range users {
		d.Users[u.ID] = u
	}
	form := &Form{Values: q, Errors: map[string]string{}}
	return s.render(w, r, http.StatusOK, "admin-audit", "admin_audit.title", form, d)
}
