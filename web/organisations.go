package web

import (
	"net/http"
	"strconv"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

type orgGroup struct {
	Kind auth.OrgKind
	Orgs []auth.Organisation
}

func (s *Server) organisations(w http.ResponseWriter, r *http.Request) error {
	all, err := s.Auth.Organisations(r.Context(), "", 0, 0)
	if err != nil {
		return err
	}
	lang := info(r).lang
	var groups []orgGroup
	for _, k := range auth.OrgKinds {
		g := orgGroup{Kind: k}
		for _, o := range all {
			if o.Kind == k {
				g.Orgs = append(g.Orgs, o)
			}
		}
		sortOrgs(g.Orgs, lang)
		if len(g.Orgs) > 0 {
			groups = append(groups, g)
		}
	}
	return s.render(w, r, http.StatusOK, "organisations", "organisations.title", nil, groups)
}

func (s *Server) organisation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.Auth.Organisation(r.Context(), id)
	if err != nil {
		return err
	}
	data := map[string]any{"Org": o}
	// Members are shown to those the domain layer allows: the secretariat
	// and the organisation's own delegates.
	actor := Actor(r)
	if members, err := s.Auth.Users(r.Context(), actor, o.ID); err == nil {
		data["Members"] = members
	}
	return s.render(w, r, http.StatusOK, "organisation", "organisation.title", nil, data)
}

// pathID parses a numeric path value; anything else is simply not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, pallmall.ErrNotFound
	}
	return id, nil
}
