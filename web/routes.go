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

	// Consultations (issue 3): the secretariat's builder, the respondent's
	// journey (keyed by the resume token's cookie), analysis and summary.
	mux.Handle("GET /admin/consultations", page(s.consultAdminList))
	mux.Handle("GET /admin/consultations/new", page(s.consultNewForm))
	mux.Handle("POST /admin/consultations/new", page(s.consultCreate))
	mux.Handle("GET /admin/consultations/{id}", page(s.consultAdmin))
	mux.Handle("GET /admin/consultations/{id}/edit", page(s.consultEditForm))
	mux.Handle("POST /admin/consultations/{id}/edit", page(s.consultUpdate))
	mux.Handle("POST /admin/consultations/{id}/status", page(s.consultSetStatus))
	mux.Handle("POST /admin/consultations/{id}/sections", page(s.consultAddSection))
	mux.Handle("GET /admin/consultations/{id}/questions/new", page(s.consultQuestionForm))
	mux.Handle("POST /admin/consultations/{id}/questions/new", page(s.consultSaveQuestion))
	mux.Handle("GET /admin/consultations/{id}/questions/{qid}", page(s.consultQuestionForm))
	mux.Handle("POST /admin/consultations/{id}/questions/{qid}", page(s.consultSaveQuestion))
	mux.Handle("POST /admin/consultations/{id}/questions/{qid}/delete", page(s.consultDeleteQuestion))
	mux.Handle("GET /admin/consultations/{id}/preview", page(s.consultPreview))
	mux.Handle("GET /consultations", page(s.consultPublicList))
	mux.Handle("GET /consultations/{id}", page(s.consultShow))
	mux.Handle("GET /consultations/{id}/start", page(s.consultStartForm))
	mux.Handle("POST /consultations/{id}/start", page(s.consultStart))
	mux.Handle("GET /consultations/{id}/resume/{token}", page(s.consultResume))
	mux.Handle("POST /consultations/{id}/forget", page(s.consultForget))
	mux.Handle("GET /consultations/{id}/respond", page(s.withRespondent(s.consultTasks)))
	mux.Handle("GET /consultations/{id}/respond/about", page(s.withRespondent(s.consultAboutForm)))
	mux.Handle("POST /consultations/{id}/respond/about", page(s.withRespondent(s.consultSaveAbout)))
	mux.Handle("GET /consultations/{id}/respond/section/{sid}", page(s.withRespondent(s.consultSectionForm)))
	mux.Handle("POST /consultations/{id}/respond/section/{sid}", page(s.withRespondent(s.consultSaveSection)))
	mux.Handle("GET /consultations/{id}/respond/consent", page(s.withRespondent(s.consultConsentForm)))
	mux.Handle("POST /consultations/{id}/respond/consent", page(s.withRespondent(s.consultSaveConsent)))
	mux.Handle("GET /consultations/{id}/respond/check", page(s.withRespondent(s.consultCheck)))
	mux.Handle("POST /consultations/{id}/respond/submit", page(s.withRespondent(s.consultSubmit)))
	mux.Handle("GET /consultations/{id}/respond/receipt", page(s.withRespondent(s.consultReceipt)))
	mux.Handle("GET /consultations/{id}/respond/receipt.json", page(s.withRespondent(s.consultReceiptJSON)))
	mux.Handle("POST /consultations/{id}/respond/withdraw", page(s.withRespondent(s.consultWithdraw)))
	// end consultations

	// Market oversight register (issue 6): public browse, records,
	// statistics, changes and exports; proposals, review and import.
	mux.Handle("GET /register", page(s.registerBrowse))
	mux.Handle("GET /register/records/{id}", page(s.registerRecord))
	mux.Handle("GET /register/records/{id}/versions/{version}", page(s.registerCanonical))
	mux.Handle("GET /register/stats", page(s.registerStats))
	mux.Handle("GET /register/changes", page(s.registerChanges))
	mux.Handle("GET /register/export.csv", page(s.registerExport("csv")))
	mux.Handle("GET /register/export.json", page(s.registerExport("json")))
	mux.Handle("GET /register/incidents.stix.json", page(s.registerExport("stix")))
	mux.Handle("GET /register/propose", page(s.registerProposeForm))
	mux.Handle("POST /register/propose", page(s.registerPropose))
	mux.Handle("GET /register/proposals", page(s.registerProposals))
	mux.Handle("GET /register/proposals/{id}", page(s.registerProposal))
	mux.Handle("POST /register/proposals/{id}/decide", page(s.registerDecide))
	mux.Handle("GET /register/proposals/{id}/revise", page(s.registerReviseForm))
	mux.Handle("POST /register/proposals/{id}/revise", page(s.registerRevise))
	mux.Handle("GET /register/import", page(s.registerImportForm))
	mux.Handle("POST /register/import", page(s.registerImport))
	// end register

	// Frameworks, endorsements, reports and the transparency log (issue 4).
	mux.Handle("GET /transparency", page(s.declareTransparency))
	mux.Handle("GET /transparency/verifier.key", page(s.declareVerifierKey))
	mux.Handle("GET /frameworks", page(s.declareFrameworks))
	mux.Handle("GET /frameworks/signing-key", page(s.declareSigningKeyForm))
	mux.Handle("POST /frameworks/signing-key", page(s.declareSaveSigningKey))
	mux.Handle("GET /frameworks/{id}", page(s.declareFramework))
	mux.Handle("GET /frameworks/{id}/endorse", page(s.declareEndorseForm))
	mux.Handle("POST /frameworks/{id}/endorse", page(s.declareEndorse))
	mux.Handle("GET /frameworks/{id}/signatories", page(s.declareSignatories))
	mux.Handle("GET /frameworks/{id}/signatories.csv", page(s.declareSignatoriesCSV))
	mux.Handle("GET /frameworks/{id}/signatories.json", page(s.declareSignatoriesJSON))
	mux.Handle("GET /frameworks/{id}/signatories.atom", page(s.declareSignatoriesAtom))
	mux.Handle("GET /frameworks/{id}/endorsements/{eid}", page(s.declareEndorsement))
	mux.Handle("GET /frameworks/{id}/endorsements/{eid}/receipt.json", page(s.declareEndorsementReceipt))
	mux.Handle("GET /frameworks/{id}/endorsements/{eid}/withdraw", page(s.declareWithdrawForm))
	mux.Handle("POST /frameworks/{id}/endorsements/{eid}/withdraw", page(s.declareWithdraw))
	mux.Handle("GET /frameworks/{id}/reports", page(s.declareMatrix))
	mux.Handle("GET /frameworks/{id}/reports/{rid}", page(s.declareReport))
	mux.Handle("GET /frameworks/{id}/report", page(s.declareReportForm))
	mux.Handle("POST /frameworks/{id}/report", page(s.declarePublishReport))
	mux.Handle("GET /admin/endorsements/paper", page(s.declarePaperForm))
	mux.Handle("POST /admin/endorsements/paper", page(s.declareRecordPaper))
	mux.Handle("GET /admin/reporting-rounds", page(s.declareRounds))
	mux.Handle("POST /admin/reporting-rounds", page(s.declareOpenRound))
	mux.Handle("GET /admin/reporting-rounds/{id}", page(s.declareRound))
	// end frameworks

	mux.HandleFunc("GET /favicon.ico", s.favicon)
	// Meetings (issue 7): public pages and calendars, delegations'
	// registration, and the secretariat's management and outbox.
	mux.Handle("GET /meetings", page(s.meetList))
	mux.Handle("GET /meetings/new", page(s.meetNewForm))
	mux.Handle("POST /meetings/new", page(s.meetCreate))
	mux.Handle("GET /meetings/{id}", page(s.meetPage))
	mux.Handle("GET /meetings/{id}/calendar.ics", page(s.meetICS))
	mux.Handle("GET /meetings/{id}/edit", page(s.meetEditForm))
	mux.Handle("POST /meetings/{id}/edit", page(s.meetUpdate))
	mux.Handle("POST /meetings/{id}/cancel", page(s.meetCancel))
	mux.Handle("GET /meetings/{id}/delegations", page(s.meetDelegations))
	mux.Handle("POST /meetings/{id}/invitations", page(s.meetInvite))
	mux.Handle("GET /meetings/{id}/participants.csv", page(s.meetParticipantsExport("csv")))
	mux.Handle("GET /meetings/{id}/participants.xlsx", page(s.meetParticipantsExport("xlsx")))
	mux.Handle("GET /meetings/{id}/registration", page(s.meetRegistrationForm))
	mux.Handle("POST /meetings/{id}/registration", page(s.meetRegister))
	mux.Handle("POST /meetings/{id}/registration/cancel", page(s.meetCancelRegistration))
	mux.Handle("GET /meetings/{id}/sessions/new", page(s.meetSessionForm))
	mux.Handle("POST /meetings/{id}/sessions/new", page(s.meetAddSession))
	mux.Handle("POST /meetings/{id}/sessions/{session}/delete", page(s.meetDeleteSession))
	mux.Handle("GET /meetings/{id}/outcome", page(s.meetOutcomeForm))
	mux.Handle("POST /meetings/{id}/outcome", page(s.meetPublishOutcome))
	mux.Handle("GET /organisations/{id}/meetings.ics", page(s.meetOrganisationICS))
	mux.Handle("GET /admin/outbox", page(s.meetOutbox))
	mux.Handle("GET /admin/outbox/{id}", page(s.meetOutboxMessage))

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
