package web

import "net/http"

// routes lists every route of the site in one place.
func (s *Server) routes(mux *http.ServeMux) {
	page := s.page

	mux.Handle("GET /{$}", page(s.home))
	mux.Handle("GET /privacy", page(s.staticPage("privacy")))
	mux.Handle("GET /organisations", page(s.organisations))
	mux.Handle("GET /organisations/{id}", page(s.organisation))

	mux.Handle("GET /sign-in", page(s.signInForm))
	mux.Handle("POST /sign-in", page(s.signIn))
	mux.Handle("GET /sign-in/code", page(s.secondFactorForm))
	mux.Handle("POST /sign-in/code", page(s.secondFactor))
	mux.Handle("POST /sign-out", page(s.signOut))
	mux.Handle("GET /account/set-password/{token}", page(s.setPasswordForm))
	mux.Handle("POST /account/set-password/{token}", page(s.setPassword))

	mux.Handle("GET /account", page(s.account))
	mux.Handle("POST /account/tokens", page(s.createToken))
	mux.Handle("POST /account/tokens/{id}/revoke", page(s.revokeToken))
	mux.Handle("GET /account/two-step", page(s.twoStepForm))
	mux.Handle("POST /account/two-step", page(s.setTwoStep))
	mux.Handle("POST /account/two-step/remove", page(s.removeTwoStep))

	mux.Handle("GET /admin/users", page(s.adminUsers))
	mux.Handle("GET /admin/users/new", page(s.newUserForm))
	mux.Handle("POST /admin/users/new", page(s.createUser))
	mux.Handle("GET /admin/organisations/new", page(s.newOrganisationForm))
	mux.Handle("POST /admin/organisations/new", page(s.createOrganisation))
	mux.Handle("GET /admin/audit", page(s.auditLog))

	mux.HandleFunc("GET /favicon.ico", s.favicon)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /assets/", s.assets)
	if s.API != nil {
		mux.Handle("/api/", s.API)
	}
	if s.Log != nil {
		mux.Handle("GET /log/", http.StripPrefix("/log", s.Log))
	}
	mux.Handle("/", page(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
}
