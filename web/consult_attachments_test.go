package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestAttachmentsDownloadOnlyForAnalysisSandboxed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newConsultSite(t, db)
		ctx := context.Background()
		svc := &consult.Service{DB: db}
		_, token, err := svc.Start(ctx, st.id, consult.About{Kind: consult.AsIndividual, Stakeholder: consult.CivilSociety, Name: "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SaveAnswers(ctx, st.id, token, st.qn.Sections[0].ID, map[int64]consult.Answer{st.q["short"].ID: {Text: "See the file"}}, true); err != nil {
			t.Fatal(err)
		}
		var pic bytes.Buffer
		png.Encode(&pic, image.NewGray(image.Rect(0, 0, 2, 2)))
		info, err := svc.SaveFile(ctx, st.id, token, st.q["file"].ID, `évidence "1".png`, pic.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		no := false
		if err := svc.SetConsent(ctx, st.id, token, "en", &no, &no, consult.PublishNone); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Submit(ctx, st.id, token); err != nil {
			t.Fatal(err)
		}

		list, file := st.admin("/analysis/attachments"), st.admin("/analysis/attachments/"+strconv.FormatInt(info.ID, 10))
		analyst := st.signIn("analyst")
		res := st.get(analyst, list)
		wantStatus(t, "attachments page", res, http.StatusOK)
		if !strings.Contains(res.Body, `href="`+file+`"`) || !strings.Contains(res.Body, info.SHA256) {
			t.Errorf("attachments page lacks the download link or the digest")
		}
		res = st.get(analyst, file)
		wantStatus(t, "download", res, http.StatusOK)
		h := res.Header
		if !strings.HasPrefix(res.Body, "\x89PNG") || int64(len(res.Body)) != info.Size {
			t.Errorf("download is not the stored PNG")
		}
		for name, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
			if got := h.Get(name); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="_vidence 1.png"`) || !strings.Contains(cd, "filename*=UTF-8''%C3%A9vidence") {
			t.Errorf("Content-Disposition = %q, want an attachment with a safe name", cd)
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP = %q, want a sandbox", csp)
		}
		// Nobody else reads it; the refusal does not depend on whether the
		// file exists.
		missing := st.admin("/analysis/attachments/" + strconv.FormatInt(info.ID+99, 10))
		for label, c := range map[string]*http.Client{"partner": st.signIn("partner"), "delegateB": st.signIn("delegateB"), "public": st.client()} {
			a, b := st.get(c, file), st.get(c, missing)
			if a.StatusCode == http.StatusOK || a.StatusCode != b.StatusCode || strings.Contains(a.Body, "PNG") {
				t.Errorf("%s: file %d, missing file %d: want the same refusal", label, a.StatusCode, b.StatusCode)
			}
		}
		wantStatus(t, "missing file as analyst", st.get(analyst, missing), http.StatusNotFound)
	})
}
