package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestBuilderRenamesAndMovesSections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		svc := &consult.Service{DB: db}
		res := st.post(st.sec, st.admin("/sections"), url.Values{"title_en": {"Industry"}, "title_fr": {"Industrie"}})
		wantStatus(t, "add section", res, http.StatusSeeOther)
		qn, _ := svc.Questionnaire(context.Background(), auth.System, st.id)
		first := strconv.FormatInt(qn.Sections[0].ID, 10)
		second := strconv.FormatInt(qn.Sections[1].ID, 10)

		res = st.get(st.sec, st.admin("/sections/"+second))
		wantStatus(t, "section form", res, http.StatusOK)
		if !strings.Contains(res.Body, `value="Industrie"`) {
			t.Errorf("section form does not show the French title: %s", excerpt(res.Body))
		}
		if res := st.get(st.client(), st.admin("/sections/"+second)); res.StatusCode == http.StatusOK {
			t.Errorf("section form open to the public")
		}
		st.respondDirect(consult.About{Kind: consult.AsIndividual, Stakeholder: consult.Individual, Name: "X"}, map[int64]consult.Answer{st.q["short"].ID: {Text: "x"}}, false, consult.PublishNone)
		res = st.post(st.sec, st.admin("/sections/"+second), url.Values{"title_en": {"Vendors"}, "title_fr": {""}})
		wantStatus(t, "rename without French title or reason", res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `value="Vendors"`) {
			t.Errorf("the typed title is not kept: %s", excerpt(res.Body))
		}
		res = st.post(st.sec, st.admin("/sections/"+second), url.Values{"title_en": {"Vendors"}, "title_fr": {"Fournisseurs"}, "reason": {"Clearer title"}})
		wantStatus(t, "rename", res, http.StatusSeeOther)
		res = st.post(st.sec, st.admin("/sections/"+second+"/move"), url.Values{"by": {"-1"}})
		wantStatus(t, "move without reason", res, http.StatusUnprocessableEntity)
		res = st.post(st.sec, st.admin("/sections/"+second+"/move"), url.Values{"by": {"-1"}, "reason": {"Vendors first"}})
		wantStatus(t, "move", res, http.StatusSeeOther)
		qn, _ = svc.Questionnaire(context.Background(), auth.System, st.id)
		if strconv.FormatInt(qn.Sections[0].ID, 10) != second || strconv.FormatInt(qn.Sections[1].ID, 10) != first || qn.Sections[0].TitleFR != "Fournisseurs" {
			t.Errorf("sections after rename and move = %+v", qn.Sections)
		}
		page := st.get(st.client(), st.path("?lang=fr")).Body
		if !strings.Contains(page, "Clearer title") || !strings.Contains(page, "Vendors first") {
			t.Errorf("public page does not list the section changes")
		}
	})
}
