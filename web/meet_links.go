package web

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/deliberate"
	"github.com/pallmall/pallmall/meet"
)

// meetDoc is a document in another capability that a meeting refers to,
// with its name in both languages and where it is.
type meetDoc struct {
	Href   string
	EN, FR string
}

// Title returns the document's name in lang.
func (d meetDoc) Title(lang string) string {
	if lang == "fr" && d.FR != "" {
		return d.FR
	}
	return d.EN
}

// meetEndorsement is an endorsement recorded in the frameworks capability.
type meetEndorsement struct {
	Method string
	At     time.Time
	Href   string
}

// meetLinks resolves the ids a meeting's agenda and outcome hold. Ids that
// do not resolve (a draft consultation, say) are left out, and the page
// shows the bare number.
type meetLinks struct {
	Versions      map[int64]*meetDoc
	Consultations map[int64]*meetDoc
	Deliberations map[int64]*meetDoc
	Endorsements  map[int64]*meetEndorsement
}

func (s *Server) meetResolve(ctx context.Context, actor auth.Actor, m meet.Meeting, agenda []meet.Session, es []meet.Endorsement) meetLinks {
	l := meetLinks{Versions: map[int64]*meetDoc{}, Consultations: map[int64]*meetDoc{}, Deliberations: map[int64]*meetDoc{}, Endorsements: map[int64]*meetEndorsement{}}
	fw := &declare.Service{DB: s.DB}
	version := func(id int64) {
		if id == 0 || l.Versions[id] != nil {
			return
		}
		if d, ok := s.meetVersion(ctx, fw, id); ok {
			l.Versions[id] = &d
		}
	}
	version(m.Outcome.FrameworkVersionID)
	for _, sess := range agenda {
		if id := sess.DeliberationID; id != 0 {
			if d, err := (&deliberate.Service{DB: s.DB}).Get(ctx, actor, id); err == nil {
				l.Deliberations[id] = &meetDoc{Href: "/deliberations/" + strconv.FormatInt(id, 10), EN: d.TitleEN, FR: d.TitleFR}
			}
		}
		for _, link := range sess.Links {
			switch link.Kind {
			case meet.LinkFrameworkVersion:
				version(link.RefID)
			case meet.LinkConsultation:
				if c, err := (&consult.Service{DB: s.DB}).Get(ctx, actor, link.RefID); err == nil {
					l.Consultations[link.RefID] = &meetDoc{Href: "/consultations/" + strconv.FormatInt(c.ID, 10), EN: c.TitleEN, FR: c.TitleFR}
				}
			}
		}
	}
	for _, e := range es {
		if e.EndorsementID == 0 {
			continue
		}
		if x, err := fw.Endorsement(ctx, e.EndorsementID); err == nil {
			l.Endorsements[e.EndorsementID] = &meetEndorsement{Method: x.Method, At: x.EndorsedAt, Href: "/frameworks/" + url.PathEscape(x.FrameworkID) + "/signatories"}
		}
	}
	return l
}

// meetVersion names a framework version: the framework's title and the
// version's label.
func (s *Server) meetVersion(ctx context.Context, fw *declare.Service, id int64) (meetDoc, bool) {
	v, err := fw.VersionByID(ctx, id)
	if err != nil {
		return meetDoc{}, false
	}
	f, err := fw.Framework(ctx, v.FrameworkID)
	if err != nil {
		return meetDoc{}, false
	}
	return meetDoc{Href: "/frameworks/" + url.PathEscape(v.FrameworkID), EN: f.Title.EN + ", version " + v.Version, FR: f.Title.FR + ", version " + v.Version}, true
}

// meetVersionChoice is a framework version offered in a select.
type meetVersionChoice struct {
	ID    int64
	Title meetDoc
}

// meetVersionChoices lists every published framework version, newest of
// each framework first.
func (s *Server) meetVersionChoices(ctx context.Context) ([]meetVersionChoice, error) {
	fs, err := (&declare.Service{DB: s.DB}).Frameworks(ctx)
	if err != nil {
		return nil, err
	}
	var out []meetVersionChoice
	for _, f := range fs {
		for _, v := range f.Versions {
			out = append(out, meetVersionChoice{ID: v.ID, Title: meetDoc{EN: f.Title.EN + ", version " + v.Version, FR: f.Title.FR + ", version " + v.Version}})
		}
	}
	return out, nil
}

// meetLinkEndorsements fills in, for each organisation that endorsed at
// the meeting, its endorsement of the adopted framework version as
// recorded in the frameworks capability, when there is one.
func (s *Server) meetLinkEndorsements(ctx context.Context, versionID int64, es []meet.Endorsement) ([]meet.Endorsement, error) {
	if versionID == 0 || len(es) == 0 {
		return es, nil
	}
	fw := &declare.Service{DB: s.DB}
	v, err := fw.VersionByID(ctx, versionID)
	if err != nil {
		return es, err
	}
	all, err := fw.Endorsements(ctx, declare.Filter{FrameworkID: v.FrameworkID, Version: v.Version})
	if err != nil {
		return es, err
	}
	for i := range es {
		for _, x := range all {
			if x.Organisation.ID == es[i].OrganisationID {
				es[i].EndorsementID = x.ID
			}
		}
	}
	return es, nil
}
