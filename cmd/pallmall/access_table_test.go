package main

import (
	"fmt"
	"strings"
)

// at builds the paths of one route: for each owner, the values of the
// pattern's parameters in order, separated by "|".
func at(pattern string, ownerValues ...string) map[string]string {
	out := map[string]string{}
	if len(ownerValues) == 0 {
		out[ownNone] = pattern
		return out
	}
	for i := 0; i+1 < len(ownerValues); i += 2 {
		vals := strings.Split(ownerValues[i+1], "|")
		k := 0
		out[ownerValues[i]] = pathParam.ReplaceAllStringFunc(pattern, func(string) string {
			v := vals[k%len(vals)]
			k++
			return v
		})
	}
	return out
}

const none = "999999"

func d(n int64) string { return fmt.Sprint(n) }

// accessTable says, for every route, which objects to ask for and who may.
func accessTable(id ids) map[string]entry {
	c, dr := d(id.consultation), d(id.draft)
	// consultation: the open one, a draft, none.
	cons := func(p string) map[string]string { return at(p, ownNone, c, hidden, dr, missing, none) }
	question := func(p string) map[string]string {
		return at(p, ownNone, c+"|"+d(id.questionOwn), cross, c+"|"+d(id.questionOther), missing, c+"|"+none)
	}
	section := func(p string) map[string]string {
		return at(p, ownNone, c+"|"+d(id.sectionOwn), cross, c+"|"+d(id.sectionOther), missing, c+"|"+none)
	}
	// child: a child object of the open consultation, asked for under it
	// and under the draft, and a missing one.
	child := func(p string, n int64) map[string]string {
		if n == 0 {
			return at(p, missing, c+"|"+none)
		}
		return at(p, ownNone, c+"|"+d(n), cross, dr+"|"+d(n), missing, c+"|"+none)
	}
	job := func(p string) map[string]string {
		return at(p, ownA, c+"|"+id.jobA, ownB, c+"|"+id.jobB, missing, c+"|"+strings.Repeat("0", 32))
	}
	meeting := func(p string) map[string]string {
		return at(p, ownNone, d(id.meeting), ownA, d(id.meetingA), ownB, d(id.meetingB), missing, none)
	}
	delib := func(p string) map[string]string {
		return at(p, ownNone, d(id.deliberation), hidden, d(id.delibHidden), missing, none)
	}
	fw := func(p string) map[string]string { return at(p, ownNone, id.frameworkA, missing, "no-such-framework") }
	endorsement := func(p string) map[string]string {
		return at(p, ownA, id.frameworkA+"|"+d(id.endorsementA), ownB, id.frameworkB+"|"+d(id.endorsementB), cross, "code-of-practice-states|"+d(id.endorsementA), missing, id.frameworkA+"|"+none)
	}
	report := func(p string) map[string]string {
		other := "code-of-practice-states"
		if id.frameworkA == other {
			other = "declaration"
		}
		return at(p, ownA, id.frameworkA+"|"+d(id.reportA), ownB, id.frameworkA+"|"+d(id.reportB), cross, other+"|"+d(id.reportA), missing, id.frameworkA+"|"+none)
	}
	proposal := func(p string) map[string]string {
		return at(p, ownA, d(id.proposalA), ownB, d(id.proposalB), missing, none)
	}
	org := func(p string) map[string]string { return at(p, ownA, d(id.orgA), ownB, d(id.orgB), missing, none) }
	respond := func(p string) map[string]string { return cons(p) }
	// The secretariat sees draft consultations and deliberations, so may
	// be told apart from missing ones.
	seesDrafts := visible(secretariat)

	respondentOnly := func(actor, own string) bool { return actor == respondent && own == ownNone }
	// analysis: the secretariat on every consultation, analysts on open
	// ones (a draft has no responses).
	analysis := func(actor, own string) bool {
		return exists(own) && (actor == secretariat || actor == analyst && own == ownNone)
	}
	partnerPackage := func(actor, own string) bool {
		return exists(own) && (actor == secretariat || actor == partner && own == ownNone)
	}
	// registration: each delegate for their own organisation, on the
	// public meeting (both are invited) and on the one inviting them.
	registration := func(actor, own string) bool {
		return (actor == delegateA && (own == ownA || own == ownNone)) || (actor == delegateB && (own == ownB || own == ownNone))
	}
	proposers := roles(delegateA, delegateB, secretariat)

	return map[string]entry{
		"GET /{$}":                {paths: at("/"), allow: anyone},
		"GET /privacy":            {paths: at("/privacy"), allow: anyone},
		"GET /accessibility":      {paths: at("/accessibility"), allow: anyone},
		"GET /organisations":      {paths: at("/organisations"), allow: anyone},
		"GET /organisations/{id}": {paths: org("/organisations/{id}"), allow: anyone},

		"GET /sign-in":                       {paths: at("/sign-in"), allow: anyone},
		"POST /sign-in":                      {paths: at("/sign-in"), allow: anyone},
		"GET /sign-in/code":                  {paths: at("/sign-in/code"), allow: nobody},
		"POST /sign-in/code":                 {paths: at("/sign-in/code"), allow: nobody},
		"POST /sign-out":                     {paths: at("/sign-out"), allow: anyone, mutates: true},
		"POST /sign-in/passkey/options":      {paths: at("/sign-in/passkey/options"), allow: anyone},
		"POST /sign-in/passkey":              {paths: at("/sign-in/passkey"), allow: anyone},
		"POST /account/passkeys/options":     {paths: at("/account/passkeys/options"), allow: signedIn},
		"POST /account/passkeys":             {paths: at("/account/passkeys"), allow: signedIn},
		"POST /account/passkeys/{id}/delete": {paths: at("/account/passkeys/{id}/delete", ownA, d(id.passkeyA), ownB, d(id.passkeyB), missing, none), allow: owner(), mutates: true},
		"POST /account/recovery-codes":       {paths: at("/account/recovery-codes"), allow: signedIn, mutates: true},
		"GET /account/set-password/{token}":  {paths: at("/account/set-password/{token}", ownNone, id.setPassword, missing, strings.Repeat("x", 43)), allow: anyone},
		"POST /account/set-password/{token}": {paths: at("/account/set-password/{token}", ownNone, id.setPassword, missing, strings.Repeat("x", 43)), allow: anyone},
		"GET /account":                       {paths: at("/account"), allow: signedIn},
		"POST /account/tokens":               {paths: at("/account/tokens"), allow: signedIn, mutates: true}, // the name is optional
		"POST /account/tokens/{id}/revoke":   {paths: at("/account/tokens/{id}/revoke", ownA, d(id.tokenA), ownB, d(id.tokenB), missing, none), allow: owner(secretariat), mutates: true},
		"GET /account/two-step":              {paths: at("/account/two-step"), allow: signedIn},
		"POST /account/two-step":             {paths: at("/account/two-step"), allow: signedIn},
		"POST /account/two-step/remove":      {paths: at("/account/two-step/remove"), allow: roles(delegateA, delegateB, analyst, partner), mutates: true},
		"GET /admin/users":                   {paths: at("/admin/users"), allow: staff},
		"GET /admin/users/new":               {paths: at("/admin/users/new"), allow: staff},
		"POST /admin/users/new":              {paths: at("/admin/users/new"), allow: staff},
		"GET /admin/organisations/new":       {paths: at("/admin/organisations/new"), allow: staff},
		"POST /admin/organisations/new":      {paths: at("/admin/organisations/new"), allow: staff},
		"GET /admin/audit":                   {paths: at("/admin/audit"), allow: staff},

		"GET /admin/consultations":                                  {paths: at("/admin/consultations"), allow: analysts},
		"GET /admin/consultations/new":                              {paths: at("/admin/consultations/new"), allow: staff},
		"POST /admin/consultations/new":                             {paths: at("/admin/consultations/new"), allow: staff},
		"GET /admin/consultations/{id}":                             {paths: cons("/admin/consultations/{id}"), allow: staff},
		"GET /admin/consultations/{id}/edit":                        {paths: cons("/admin/consultations/{id}/edit"), allow: staff},
		"POST /admin/consultations/{id}/edit":                       {paths: cons("/admin/consultations/{id}/edit"), allow: staff},
		"POST /admin/consultations/{id}/status":                     {paths: cons("/admin/consultations/{id}/status"), allow: staff},
		"POST /admin/consultations/{id}/sections":                   {paths: cons("/admin/consultations/{id}/sections"), allow: staff},
		"GET /admin/consultations/{id}/questions/new":               {paths: cons("/admin/consultations/{id}/questions/new"), allow: staff},
		"POST /admin/consultations/{id}/questions/new":              {paths: cons("/admin/consultations/{id}/questions/new"), allow: staff},
		"GET /admin/consultations/{id}/questions/{qid}":             {paths: question("/admin/consultations/{id}/questions/{qid}"), allow: staff},
		"POST /admin/consultations/{id}/questions/{qid}":            {paths: question("/admin/consultations/{id}/questions/{qid}"), allow: staff, validatesFirst: true},
		"POST /admin/consultations/{id}/questions/{qid}/delete":     {paths: question("/admin/consultations/{id}/questions/{qid}/delete"), allow: staff, validatesFirst: true},
		"POST /admin/consultations/{id}/questions/{qid}/move":       {paths: question("/admin/consultations/{id}/questions/{qid}/move"), allow: staff, validatesFirst: true},
		"POST /admin/consultations/{id}/sections/{sid}/delete":      {paths: section("/admin/consultations/{id}/sections/{sid}/delete"), allow: staff, validatesFirst: true},
		"GET /admin/consultations/{id}/sections/{sid}":              {paths: section("/admin/consultations/{id}/sections/{sid}"), allow: staff},
		"POST /admin/consultations/{id}/sections/{sid}":             {paths: section("/admin/consultations/{id}/sections/{sid}"), allow: staff, validatesFirst: true},
		"POST /admin/consultations/{id}/sections/{sid}/move":        {paths: section("/admin/consultations/{id}/sections/{sid}/move"), allow: staff, validatesFirst: true},
		"GET /admin/consultations/{id}/preview":                     {paths: cons("/admin/consultations/{id}/preview"), allow: staff},
		"GET /consultations":                                        {paths: at("/consultations"), allow: anyone},
		"GET /consultations/{id}":                                   {paths: cons("/consultations/{id}"), allow: visible(secretariat)},
		"GET /consultations/{id}/start":                             {paths: cons("/consultations/{id}/start"), allow: visible(secretariat)},
		"POST /consultations/{id}/start":                            {paths: cons("/consultations/{id}/start"), allow: visible()},
		"GET /consultations/{id}/resume/{token}":                    {scratch: true, paths: at("/consultations/{id}/resume/{token}", ownA, c+"|"+strings.TrimPrefix(id.resumeB, "/consultations/"+c+"/resume/"), missing, c+"|"+strings.Repeat("x", 43)), allow: anyone},
		"POST /consultations/{id}/forget":                           {paths: cons("/consultations/{id}/forget"), allow: visible(secretariat), mutates: true},
		"GET /consultations/{id}/respond":                           {paths: respond("/consultations/{id}/respond"), allow: respondentOnly, sees: seesDrafts},
		"GET /consultations/{id}/respond/about":                     {paths: respond("/consultations/{id}/respond/about"), allow: respondentOnly, sees: seesDrafts},
		"POST /consultations/{id}/respond/about":                    {paths: respond("/consultations/{id}/respond/about"), allow: respondentOnly, sees: seesDrafts},
		"GET /consultations/{id}/respond/section/{sid}":             {paths: section("/consultations/{id}/respond/section/{sid}"), allow: respondentOnly, sees: seesDrafts},
		"POST /consultations/{id}/respond/section/{sid}":            {paths: section("/consultations/{id}/respond/section/{sid}"), allow: respondentOnly, sees: seesDrafts},
		"GET /consultations/{id}/respond/email-link":                {paths: respond("/consultations/{id}/respond/email-link"), allow: respondentOnly, sees: seesDrafts},
		"POST /consultations/{id}/respond/email-link":               {paths: respond("/consultations/{id}/respond/email-link"), allow: respondentOnly, sees: seesDrafts},
		"GET /consultations/{id}/respond/consent":                   {paths: respond("/consultations/{id}/respond/consent"), allow: respondentOnly, sees: seesDrafts},
		"POST /consultations/{id}/respond/consent":                  {paths: respond("/consultations/{id}/respond/consent"), allow: respondentOnly, sees: seesDrafts},
		"GET /consultations/{id}/respond/check":                     {paths: respond("/consultations/{id}/respond/check"), allow: respondentOnly, sees: seesDrafts},
		"POST /consultations/{id}/respond/submit":                   {paths: respond("/consultations/{id}/respond/submit"), allow: respondentOnly, sees: seesDrafts},
		"GET /consultations/{id}/respond/receipt":                   {paths: respond("/consultations/{id}/respond/receipt"), allow: nobody, sees: seesDrafts},
		"GET /consultations/{id}/respond/receipt.json":              {paths: respond("/consultations/{id}/respond/receipt.json"), allow: nobody, sees: seesDrafts},
		"POST /consultations/{id}/respond/withdraw":                 {paths: respond("/consultations/{id}/respond/withdraw"), allow: respondentOnly, sees: seesDrafts},
		"GET /admin/consultations/{id}/analysis":                    {paths: cons("/admin/consultations/{id}/analysis"), allow: analysis},
		"GET /admin/consultations/{id}/analysis/texts":              {paths: cons("/admin/consultations/{id}/analysis/texts"), allow: analysis},
		"GET /admin/consultations/{id}/analysis/attachments":        {paths: cons("/admin/consultations/{id}/analysis/attachments"), allow: analysis},
		"GET /admin/consultations/{id}/analysis/attachments/{file}": {paths: child("/admin/consultations/{id}/analysis/attachments/{file}", id.attachment), allow: analysis},
		"POST /admin/consultations/{id}/analysis/redact":            {paths: cons("/admin/consultations/{id}/analysis/redact"), allow: analysis},
		"GET /admin/consultations/{id}/analysis/coding":             {paths: cons("/admin/consultations/{id}/analysis/coding"), allow: analysis},
		"POST /admin/consultations/{id}/analysis/coding":            {paths: cons("/admin/consultations/{id}/analysis/coding"), allow: analysis},
		"POST /admin/consultations/{id}/analysis/coding/answer":     {paths: cons("/admin/consultations/{id}/analysis/coding/answer"), allow: analysis, emptyForm: 404}, // no such answer
		"POST /admin/consultations/{id}/analysis/coding/passage":    {paths: cons("/admin/consultations/{id}/analysis/coding/passage"), allow: analysis},
		// Campaign detection (issue 8): runs, campaigns, flags and themes.
		"GET /admin/consultations/{id}/analysis/campaigns":            {paths: cons("/admin/consultations/{id}/analysis/campaigns"), allow: analysis},
		"POST /admin/consultations/{id}/analysis/campaigns/run":       {paths: cons("/admin/consultations/{id}/analysis/campaigns/run"), allow: analysis, mutates: true}, // a button
		"GET /admin/consultations/{id}/analysis/campaigns/runs/{run}": {paths: child("/admin/consultations/{id}/analysis/campaigns/runs/{run}", id.campaignRun), allow: analysis},
		"POST /admin/consultations/{id}/analysis/campaigns/{cid}":     {paths: child("/admin/consultations/{id}/analysis/campaigns/{cid}", id.campaign), allow: analysis, validatesFirst: true},
		"GET /admin/consultations/{id}/analysis/flags":                {paths: cons("/admin/consultations/{id}/analysis/flags"), allow: analysis},
		"POST /admin/consultations/{id}/analysis/flags/{fid}":         {paths: child("/admin/consultations/{id}/analysis/flags/{fid}", id.flag), allow: analysis, validatesFirst: true},
		"GET /admin/consultations/{id}/analysis/themes":               {paths: cons("/admin/consultations/{id}/analysis/themes"), allow: analysis},
		"POST /admin/consultations/{id}/analysis/themes/{tid}":        {paths: child("/admin/consultations/{id}/analysis/themes/{tid}", id.theme), allow: analysis, validatesFirst: true},
		"GET /admin/consultations/{id}/export":                        {paths: cons("/admin/consultations/{id}/export"), allow: analysis},
		"GET /consultations/{id}/summary":                             {paths: cons("/consultations/{id}/summary"), allow: staff}, // the public's once closed
		"GET /consultations/manifest-key":                             {paths: at("/consultations/manifest-key"), allow: anyone},
		"GET /partner/consultations":                                  {paths: at("/partner/consultations"), allow: roles(partner, secretariat)},
		"GET /partner/consultations/{id}/package":                     {paths: cons("/partner/consultations/{id}/package"), allow: partnerPackage},
		"POST /admin/consultations/{id}/exports":                      {paths: cons("/admin/consultations/{id}/exports"), allow: analysis},
		"GET /admin/consultations/{id}/exports/{job}":                 {paths: job("/admin/consultations/{id}/exports/{job}"), allow: jobOwner},
		"GET /admin/consultations/{id}/exports/{job}/download":        {paths: job("/admin/consultations/{id}/exports/{job}/download"), allow: jobOwner},

		"GET /register":                                 {paths: at("/register"), allow: anyone},
		"GET /register/records/{id}":                    {paths: at("/register/records/{id}", ownNone, d(id.record), missing, none), allow: anyone},
		"GET /register/records/{id}/versions/{version}": {paths: at("/register/records/{id}/versions/{version}", ownNone, d(id.record)+"|"+d(id.recordVersion), missing, d(id.record)+"|"+none), allow: anyone},
		"GET /register/stats":                           {paths: at("/register/stats"), allow: anyone},
		"GET /register/changes":                         {paths: at("/register/changes"), allow: anyone},
		"GET /register/export.csv":                      {paths: at("/register/export.csv"), allow: anyone},
		"GET /register/export.json":                     {paths: at("/register/export.json"), allow: anyone},
		"GET /register/incidents.stix.json":             {paths: at("/register/incidents.stix.json"), allow: anyone},
		"GET /register/propose":                         {paths: at("/register/propose"), allow: proposers},
		"POST /register/propose":                        {paths: at("/register/propose"), allow: proposers},
		"GET /register/proposals":                       {paths: at("/register/proposals"), allow: proposers},
		"GET /register/proposals/{id}":                  {paths: proposal("/register/proposals/{id}"), allow: owner(secretariat)},
		"POST /register/proposals/{id}/decide":          {paths: proposal("/register/proposals/{id}/decide"), allow: staff},
		"GET /register/proposals/{id}/revise":           {paths: proposal("/register/proposals/{id}/revise"), allow: owner(secretariat)},
		"POST /register/proposals/{id}/revise":          {paths: proposal("/register/proposals/{id}/revise"), allow: owner(secretariat)},
		"GET /register/import":                          {paths: at("/register/import"), allow: staff},
		"POST /register/import":                         {paths: at("/register/import"), allow: staff},

		"GET /transparency":                                    {paths: at("/transparency"), allow: anyone},
		"GET /transparency/verifier.key":                       {paths: at("/transparency/verifier.key"), allow: anyone},
		"GET /transparency/entries/{id}":                       {paths: at("/transparency/entries/{id}", ownNone, d(id.logEntry), missing, none), allow: anyone},
		"GET /transparency/entries/{id}/receipt.json":          {paths: at("/transparency/entries/{id}/receipt.json", ownNone, d(id.logEntry), missing, none), allow: anyone},
		"GET /frameworks":                                      {paths: at("/frameworks"), allow: anyone},
		"GET /frameworks/signing-key":                          {paths: at("/frameworks/signing-key"), allow: roles(delegateA, delegateB, secretariat)},
		"POST /frameworks/signing-key":                         {paths: at("/frameworks/signing-key"), allow: roles(delegateA, delegateB, secretariat)},
		"GET /frameworks/{id}":                                 {paths: fw("/frameworks/{id}"), allow: anyone},
		"GET /frameworks/{id}/endorse":                         {paths: fw("/frameworks/{id}/endorse"), allow: delegates},
		"POST /frameworks/{id}/endorse":                        {paths: fw("/frameworks/{id}/endorse"), allow: delegates},
		"GET /frameworks/{id}/signatories":                     {paths: fw("/frameworks/{id}/signatories"), allow: anyone},
		"GET /frameworks/{id}/signatories.csv":                 {paths: fw("/frameworks/{id}/signatories.csv"), allow: anyone},
		"GET /frameworks/{id}/signatories.json":                {paths: fw("/frameworks/{id}/signatories.json"), allow: anyone},
		"GET /frameworks/{id}/signatories.atom":                {paths: fw("/frameworks/{id}/signatories.atom"), allow: anyone},
		"GET /frameworks/{id}/endorsements/{eid}":              {paths: endorsement("/frameworks/{id}/endorsements/{eid}"), allow: anyone},
		"GET /frameworks/{id}/endorsements/{eid}/receipt.json": {paths: endorsement("/frameworks/{id}/endorsements/{eid}/receipt.json"), allow: anyone},
		"GET /frameworks/{id}/endorsements/{eid}/withdraw":     {paths: endorsement("/frameworks/{id}/endorsements/{eid}/withdraw"), allow: owner(secretariat), public: true},
		"POST /frameworks/{id}/endorsements/{eid}/withdraw":    {paths: endorsement("/frameworks/{id}/endorsements/{eid}/withdraw"), allow: owner(secretariat), public: true, mutates: true}, // the reason is optional
		"GET /frameworks/{id}/reports":                         {paths: fw("/frameworks/{id}/reports"), allow: anyone},
		"GET /frameworks/{id}/reports/{rid}":                   {paths: report("/frameworks/{id}/reports/{rid}"), allow: anyone},
		"GET /frameworks/{id}/report":                          {paths: fw("/frameworks/{id}/report"), allow: delegates, public: true},
		"POST /frameworks/{id}/report":                         {paths: fw("/frameworks/{id}/report"), allow: delegates, public: true},
		"GET /admin/endorsements/paper":                        {paths: at("/admin/endorsements/paper"), allow: staff},
		"POST /admin/endorsements/paper":                       {paths: at("/admin/endorsements/paper"), allow: staff},
		"GET /admin/frameworks/publish":                        {paths: at("/admin/frameworks/publish"), allow: staff},
		"POST /admin/frameworks/publish":                       {paths: at("/admin/frameworks/publish"), allow: staff},
		"GET /admin/reporting-rounds":                          {paths: at("/admin/reporting-rounds"), allow: staff},
		"POST /admin/reporting-rounds":                         {paths: at("/admin/reporting-rounds"), allow: staff},
		"GET /admin/reporting-rounds/{id}":                     {paths: at("/admin/reporting-rounds/{id}", ownNone, d(id.round), missing, none), allow: staff},

		"GET /deliberations":                                       {paths: at("/deliberations"), allow: anyone},
		"GET /deliberations/{id}":                                  {paths: delib("/deliberations/{id}"), allow: visible(secretariat)},
		"POST /deliberations/{id}/join":                            {paths: delib("/deliberations/{id}/join"), allow: visible(secretariat)},
		"POST /deliberations/{id}/votes":                           {paths: delib("/deliberations/{id}/votes"), allow: visible(secretariat)},
		"POST /deliberations/{id}/statements":                      {paths: delib("/deliberations/{id}/statements"), allow: visible(secretariat)},
		"POST /deliberations/{id}/forget":                          {paths: delib("/deliberations/{id}/forget"), allow: visible(secretariat), mutates: true},
		"GET /deliberations/{id}/report":                           {paths: delib("/deliberations/{id}/report"), allow: visible(secretariat)},
		"GET /deliberations/{id}/analysis.json":                    {paths: delib("/deliberations/{id}/analysis.json"), allow: visible()},
		"GET /deliberations/{id}/analysis.csv":                     {paths: delib("/deliberations/{id}/analysis.csv"), allow: visible()},
		"GET /admin/deliberations":                                 {paths: at("/admin/deliberations"), allow: staff},
		"GET /admin/deliberations/new":                             {paths: at("/admin/deliberations/new"), allow: staff},
		"POST /admin/deliberations/new":                            {paths: at("/admin/deliberations/new"), allow: staff},
		"GET /admin/deliberations/{id}":                            {paths: delib("/admin/deliberations/{id}"), allow: staff},
		"POST /admin/deliberations/{id}":                           {paths: delib("/admin/deliberations/{id}"), allow: staff},
		"POST /admin/deliberations/{id}/statements":                {paths: delib("/admin/deliberations/{id}/statements"), allow: staff},
		"GET /admin/deliberations/{id}/queue":                      {paths: delib("/admin/deliberations/{id}/queue"), allow: staff},
		"POST /admin/deliberations/{id}/statements/{sid}/moderate": {paths: at("/admin/deliberations/{id}/statements/{sid}/moderate", ownNone, d(id.deliberation)+"|"+d(id.statement), cross, d(id.delibHidden)+"|"+d(id.statement), missing, d(id.deliberation)+"|"+none), allow: staff, validatesFirst: true},

		"GET /favicon.ico":                               {paths: at("/favicon.ico"), allow: anyone},
		"GET /meetings":                                  {paths: at("/meetings"), allow: anyone},
		"GET /meetings/new":                              {paths: at("/meetings/new"), allow: staff},
		"POST /meetings/new":                             {paths: at("/meetings/new"), allow: staff},
		"GET /meetings/{id}":                             {paths: meeting("/meetings/{id}"), allow: invitees},
		"GET /meetings/{id}/calendar.ics":                {paths: meeting("/meetings/{id}/calendar.ics"), allow: invitees},
		"GET /meetings/{id}/edit":                        {paths: meeting("/meetings/{id}/edit"), allow: staff},
		"POST /meetings/{id}/edit":                       {paths: meeting("/meetings/{id}/edit"), allow: staff, validatesFirst: true},
		"POST /meetings/{id}/cancel":                     {paths: meeting("/meetings/{id}/cancel"), allow: staff, mutates: true}, // a button
		"GET /meetings/{id}/delegations":                 {paths: meeting("/meetings/{id}/delegations"), allow: staff},
		"POST /meetings/{id}/invitations":                {paths: meeting("/meetings/{id}/invitations"), allow: staff},
		"POST /meetings/{id}/invitations/{org}/withdraw": {paths: at("/meetings/{id}/invitations/{org}/withdraw", ownA, d(id.meetingA)+"|"+d(id.orgA), ownB, d(id.meetingB)+"|"+d(id.orgB), missing, none+"|"+d(id.orgA)), allow: staff},
		"GET /meetings/{id}/participants.csv":            {paths: meeting("/meetings/{id}/participants.csv"), allow: staff},
		"GET /meetings/{id}/participants.xlsx":           {paths: meeting("/meetings/{id}/participants.xlsx"), allow: staff},
		"GET /meetings/{id}/registration":                {paths: meeting("/meetings/{id}/registration"), allow: registration},
		"POST /meetings/{id}/registration":               {paths: meeting("/meetings/{id}/registration"), allow: registration},
		"POST /meetings/{id}/registration/cancel":        {paths: meeting("/meetings/{id}/registration/cancel"), allow: registration, mutates: true},
		"GET /meetings/{id}/sessions/new":                {paths: meeting("/meetings/{id}/sessions/new"), allow: staff},
		"POST /meetings/{id}/sessions/new":               {paths: meeting("/meetings/{id}/sessions/new"), allow: staff},
		"POST /meetings/{id}/sessions/{session}/delete":  {paths: at("/meetings/{id}/sessions/{session}/delete", ownA, d(id.meetingA)+"|"+d(id.sessionA), cross, d(id.meetingA)+"|"+d(id.sessionB), missing, d(id.meetingA)+"|"+none), allow: staff, mutates: true},
		"GET /meetings/{id}/outcome":                     {paths: meeting("/meetings/{id}/outcome"), allow: staff},
		"POST /meetings/{id}/outcome":                    {paths: meeting("/meetings/{id}/outcome"), allow: staff},
		"GET /organisations/{id}/meetings.ics":           {paths: org("/organisations/{id}/meetings.ics"), allow: owner(secretariat)},
		"GET /meetings/feed/{org}/{token}/calendar.ics":  {paths: at("/meetings/feed/{org}/{token}/calendar.ics", ownA, d(id.orgA)+"|"+id.feedA, cross, d(id.orgA)+"|"+id.feedB, missing, d(id.orgA)+"|"+strings.Repeat("x", 43)), allow: anyone},
		"GET /admin/outbox":                              {paths: at("/admin/outbox"), allow: staff},
		"GET /admin/outbox/{id}":                         {paths: at("/admin/outbox/{id}", ownNone, d(id.outbox), missing, none), allow: staff},

		"GET /healthz": {paths: at("/healthz"), allow: anyone},
		"GET /readyz":  {paths: at("/readyz"), allow: anyone},
		"GET /assets/": {paths: at("/assets/", ownNone, "no-such-asset.css"), allow: nobody},
		"ANY /api/":    {paths: at("/api/v2/nothing"), allow: nobody},
		"GET /log/":    {paths: at("/log/checkpoint"), allow: anyone},
		"ANY /":        {paths: at("/no/such/page"), allow: nobody},

		"GET /api/v1/openapi.json":                                 {paths: at("/api/v1/openapi.json"), allow: anyone},
		"GET /api/v1/me":                                           {paths: at("/api/v1/me"), allow: signedIn},
		"GET /api/v1/organisations":                                {paths: at("/api/v1/organisations"), allow: anyone},
		"POST /api/v1/organisations":                               {paths: at("/api/v1/organisations"), allow: staff},
		"GET /api/v1/organisations/{id}":                           {paths: org("/api/v1/organisations/{id}"), allow: anyone},
		"GET /api/v1/users":                                        {paths: at("/api/v1/users"), allow: staff},
		"GET /api/v1/audit":                                        {paths: at("/api/v1/audit"), allow: staff},
		"GET /api/v1/consultations":                                {paths: at("/api/v1/consultations"), allow: anyone},
		"POST /api/v1/consultations":                               {paths: at("/api/v1/consultations"), allow: staff},
		"GET /api/v1/consultations/{id}":                           {paths: cons("/api/v1/consultations/{id}"), allow: visible(secretariat)},
		"POST /api/v1/consultations/{id}/responses":                {paths: cons("/api/v1/consultations/{id}/responses"), allow: func(actor, own string) bool { return delegates(actor, own) && own == ownNone }},
		"GET /api/v1/consultations/{id}/export":                    {paths: cons("/api/v1/consultations/{id}/export?format=csv"), allow: analysis},
		"GET /api/v1/consultations/{id}/summary":                   {paths: cons("/api/v1/consultations/{id}/summary"), allow: staff},
		"GET /api/v1/consultations/{id}/campaigns":                 {paths: cons("/api/v1/consultations/{id}/campaigns"), allow: analysis},
		"POST /api/v1/consultations/{id}/campaigns/{cid}/decision": {paths: child("/api/v1/consultations/{id}/campaigns/{cid}/decision", id.campaign), allow: analysis, validatesFirst: true},
		"GET /api/v1/consultations/{id}/flags":                     {paths: cons("/api/v1/consultations/{id}/flags"), allow: analysis},
		"POST /api/v1/consultations/{id}/flags/{fid}/decision":     {paths: child("/api/v1/consultations/{id}/flags/{fid}/decision", id.flag), allow: analysis, validatesFirst: true},
		"GET /api/v1/frameworks":                                   {paths: at("/api/v1/frameworks"), allow: anyone},
		"GET /api/v1/frameworks/{id}":                              {paths: fw("/api/v1/frameworks/{id}"), allow: anyone},
		"GET /api/v1/frameworks/{id}/endorsements":                 {paths: fw("/api/v1/frameworks/{id}/endorsements"), allow: anyone},
		"POST /api/v1/frameworks/{id}/endorsements":                {paths: fw("/api/v1/frameworks/{id}/endorsements"), allow: delegates, validatesFirst: true},
		"GET /api/v1/frameworks/{id}/reports":                      {paths: fw("/api/v1/frameworks/{id}/reports"), allow: anyone},
		"GET /api/v1/meetings":                                     {paths: at("/api/v1/meetings"), allow: anyone},
		"GET /api/v1/meetings/{id}":                                {paths: meeting("/api/v1/meetings/{id}"), allow: invitees},
		"POST /api/v1/meetings/{id}/registrations":                 {paths: meeting("/api/v1/meetings/{id}/registrations"), allow: func(actor, own string) bool { return registration(actor, own) || staff(actor, own) }},
		"GET /api/v1/register/entities":                            {paths: at("/api/v1/register/entities"), allow: anyone},
		"GET /api/v1/register/entities/{id}":                       {paths: at("/api/v1/register/entities/{id}", ownNone, d(id.record), missing, none), allow: anyone},
		"GET /api/v1/register/incidents":                           {paths: at("/api/v1/register/incidents"), allow: anyone},
		"POST /api/v1/register/proposals":                          {paths: at("/api/v1/register/proposals"), allow: proposers},
		"GET /api/v1/deliberations":                                {paths: at("/api/v1/deliberations"), allow: anyone},
		"GET /api/v1/deliberations/{id}":                           {paths: delib("/api/v1/deliberations/{id}"), allow: visible(secretariat)},
		"POST /api/v1/deliberations/{id}/participants":             {paths: delib("/api/v1/deliberations/{id}/participants"), allow: visible(), mutates: true},
		"POST /api/v1/deliberations/{id}/votes":                    {paths: delib("/api/v1/deliberations/{id}/votes"), allow: nobody}, // needs a participant's token
		"GET /api/v1/deliberations/{id}/analysis":                  {paths: delib("/api/v1/deliberations/{id}/analysis"), allow: visible()},
	}
}

// jobOwner allows an export job's requester only: the secretariat
// started A's job and the analyst B's.
func jobOwner(actor, own string) bool {
	return (actor == secretariat && own == ownA) || (actor == analyst && own == ownB)
}

// invitees may see a meeting: everyone a public one, the invited
// organisation's delegate and the secretariat an invitation-only one.
func invitees(actor, own string) bool {
	return own == ownNone || owner(secretariat)(actor, own)
}
