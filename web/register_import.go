package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/register"
)

type regImportData struct {
	Report  *register.ImportReport
	Columns []string
	SkipBad bool
	DryRun  bool
}

func regRequireSecretariat(r *http.Request) (auth.Actor, error) {
	a := Actor(r)
	if !a.SignedIn() {
		return a, pallmall.ErrUnauthenticated
	}
	if !a.Is(auth.Secretariat) {
		return a, pallmall.ErrForbidden
	}
	return a, nil
}

func (s *Server) registerImportForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := regRequireSecretariat(r); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "register-import", "register_import.title", &Form{Errors: map[string]string{}}, regImportData{Columns: register.CSVColumns(1)})
}

func (s *Server) registerImport(w http.ResponseWriter, r *http.Request) error {
	actor, err := regRequireSecretariat(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, register.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return pallmall.ErrInvalid
	}
	form := &Form{Values: r.PostForm, Errors: map[string]string{}, Order: []string{"file"}}
	d := regImportData{Columns: register.CSVColumns(1), SkipBad: r.PostForm.Get("skip_bad") == "yes", DryRun: r.PostForm.Get("dry_run") == "yes"}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		form.Errors["file"] = "register.import.choose_file"
		return s.render(w, r, http.StatusUnprocessableEntity, "register-import", "register_import.title", form, d)
	}
	defer file.Close()
	format := "csv"
	if strings.HasSuffix(strings.ToLower(hdr.Filename), ".json") {
		format = "json"
	}
	rep, err := s.registerSvc().Import(r.Context(), actor, file, register.ImportOptions{Format: format, SkipBad: d.SkipBad, DryRun: d.DryRun})
	var v *pallmall.ValidationError
	if errors.As(err, &v) {
		form.Errors["file"] = "register.import.choose_file"
		return s.render(w, r, http.StatusUnprocessableEntity, "register-import", "register_import.title", form, d)
	}
	if err != nil {
		return err
	}
	d.Report = &rep
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, status, "register-import", "register_import.title", form, d)
}
