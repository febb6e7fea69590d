package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestResumeLinkEmailForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		c := st.client()
		res := st.post(c, st.path("/start"), url.Values{"kind": {"individual"}, "stakeholder": {"civil_society"}, "name": {"Ada"}})
		wantStatus(t, "start", res, http.StatusCreated)
		if !strings.Contains(res.Body, st.path("/respond/email-link")) {
			t.Errorf("started page does not offer to email the link")
		}
		res = st.get(c, st.path("/respond?saved=1"))
		wantStatus(t, "saved page", res, http.StatusOK)
		if !strings.Contains(res.Body, "Your answers are saved") || !strings.Contains(res.Body, `name="email"`) {
			t.Errorf("the save page lacks its banner or the email field: %s", excerpt(res.Body))
		}
		res = st.get(c, st.path("/respond"))
		if !strings.Contains(res.Body, `href="`+st.path("/respond/email-link")+`"`) {
			t.Errorf("the response page does not link to the email form")
		}
		res = st.get(c, st.path("/respond/email-link"))
		wantStatus(t, "email form", res, http.StatusOK)
		res = st.post(c, st.path("/respond/email-link"), url.Values{"email": {"ada at example"}})
		wantStatus(t, "bad address", res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `value="ada at example"`) || !strings.Contains(res.Body, `href="#email"`) {
			t.Errorf("bad address not reported with the typed value: %s", excerpt(res.Body))
		}
		res = st.post(c, st.path("/respond/email-link?lang=fr"), url.Values{"email": {"ada@example.org"}})
		wantStatus(t, "email the link", res, http.StatusSeeOther)
		res = st.get(c, res.Header.Get("Location"))
		if !strings.Contains(res.Body, "Nous supprimons l’adresse dès l’envoi") {
			t.Errorf("no confirmation after queueing the email: %s", excerpt(res.Body))
		}
		var n int
		var to, body string
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*), MAX(to_address), MAX(body) FROM consult_mail_outbox`).Scan(&n, &to, &body); err != nil {
			t.Fatal(err)
		}
		if n != 1 || strings.Contains(to, "ada@example.org") || strings.Contains(body, "resume") {
			t.Errorf("outbox = %d rows, address %q; want one sealed row", n, to)
		}
		// Without a response, the form leads to the start.
		if res := st.post(st.client(), st.path("/respond/email-link"), url.Values{"email": {"x@example.org"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != st.path("/start") {
			t.Errorf("email-link without a response: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
