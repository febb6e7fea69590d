package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
)

// submitClients is how many respondents answer at once.
const submitClients = 50

func submitCase() Case {
	return Case{
		Name: "submit", Title: "Response submission over HTTP on loopback", Unit: "responses",
		Baseline: fmt.Sprintf("plain inserts of the rows a submitted response leaves (the ledger outbox row with its entry; the response row with its consent, its copy of the answers, its receipt's salt, canonical document and commitment, and its outbox link; its two answer rows), one transaction per response, straight into the same database with the same durability settings, from the same %d concurrent goroutines; nothing is hashed, sealed or checked, and the audit event a submission also writes is left out", submitClients),
		Target:   "at least 0.5× the baseline's responses/s",
		Cost:     "time to submit N responses",
		Base:     1000, Min: 100, Max: 50_000, MaxWhy: "a run this long adds little; raise --size knowingly",
		run: runSubmit,
	}
}

func runSubmit(ctx context.Context, env *Env, n int) error {
	dbs := []bool{false}
	if isPostgresURL(env.cfg.DatabaseURL) {
		dbs = append(dbs, true)
	} else {
		env.Result.Notes = append(env.Result.Notes, "PostgreSQL not measured: run with --database postgres://...")
	}
	for _, pg := range dbs {
		if err := submitOn(ctx, env, n, pg); err != nil {
			return err
		}
	}
	return nil
}

func submitOn(ctx context.Context, env *Env, n int, postgres bool) error {
	name := "SQLite"
	if postgres {
		name = "PostgreSQL"
	}
	db, closeDB, err := env.openDB(ctx, postgres)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer closeDB()
	svc := &consult.Service{DB: db}
	s, err := env.startSite(db)
	if err != nil {
		return err
	}
	defer s.Close()
	svc.Keys = s.Auth.Keys
	c, err := createConsultation(ctx, svc)
	if err != nil {
		return err
	}
	hc := client(submitClients)
	var submitMu sync.Mutex
	var submitLat Latencies
	var res Load
	if _, err := env.Measure(strings.ToLower(name), func() error {
		res = load(ctx, submitClients, n, 0, func(ctx context.Context, i int) error {
			d, err := respond(ctx, hc, s.URL, c, i)
			if err == nil {
				submitMu.Lock()
				submitLat = append(submitLat, d)
				submitMu.Unlock()
			}
			return err
		})
		return res.FirstErr
	}); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := countSubmitted(ctx, db, c.ID, n); err != nil {
		return fmt.Errorf("%s forms: %w", name, err)
	}

	// The one-request path organisations' systems use: the whole response
	// in one POST with a bearer token, acknowledged once submitted.
	token, err := delegateToken(ctx, s.Auth)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	ca, err := createConsultation(ctx, svc)
	if err != nil {
		return err
	}
	var apiRes Load
	if _, err := env.Measure(strings.ToLower(name)+"-api", func() error {
		apiRes = load(ctx, submitClients, n, 0, func(ctx context.Context, i int) error {
			return respondAPI(ctx, hc, s.URL, token, ca, i)
		})
		return apiRes.FirstErr
	}); err != nil {
		return fmt.Errorf("%s API: %w", name, err)
	}
	if err := countSubmitted(ctx, db, ca.ID, n); err != nil {
		return fmt.Errorf("%s API: %w", name, err)
	}

	base := load(ctx, submitClients, n, 0, func(ctx context.Context, i int) error {
		return insertResponse(ctx, db, c, i)
	})
	if base.FirstErr != nil {
		return fmt.Errorf("%s baseline: %w", name, base.FirstErr)
	}
	// The forms' own baseline: the same rows written by plain SQL in the
	// same four transactions the journey commits, so the ratio is the
	// platform's overhead per durable step. Against the one-transaction
	// baseline the forms can never pass 0.25×: four commits to its one.
	steps := load(ctx, submitClients, n, 0, func(ctx context.Context, i int) error {
		return insertResponseInSteps(ctx, db, c, i)
	})
	if steps.FirstErr != nil {
		return fmt.Errorf("%s four-step baseline: %w", name, steps.FirstErr)
	}
	rate := figure(name+": responses/s (forms, 4 requests)", "responses/s", res.Rate(), true, base.Rate())
	rate = rate.withTarget("≥ 0.5× baseline", res.Rate() >= 0.5*base.Rate())
	stepRate := figure(name+": responses/s (forms, 4 requests) against the same 4 transactions in plain SQL", "responses/s", res.Rate(), true, steps.Rate())
	stepRate = stepRate.withTarget("≥ 0.5× four-step baseline", res.Rate() >= 0.5*steps.Rate())
	apiRate := figure(name+": responses/s (API, 1 request)", "responses/s", apiRes.Rate(), true, base.Rate())
	apiRate = apiRate.withTarget("≥ 0.5× baseline", apiRes.Rate() >= 0.5*base.Rate())
	env.Result.Figures = append(env.Result.Figures, rate, stepRate,
		figure(name+": CPU per response (forms) against the same 4 transactions in plain SQL", "ms", res.CPUPerOp(), false, steps.CPUPerOp()),
		figure(name+": p50 whole response (forms, 4 requests)", "ms", ms(res.Latencies.Percentile(50)), false, ms(base.Latencies.Percentile(50))),
		figure(name+": p99 whole response (forms, 4 requests)", "ms", ms(res.Latencies.Percentile(99)), false, ms(base.Latencies.Percentile(99))),
		figure(name+": CPU per response (forms; server, client and, on SQLite, the database)", "ms", res.CPUPerOp(), false, base.CPUPerOp()),
		figure(name+": p50 submit request (forms)", "ms", ms(submitLat.Percentile(50)), false, ms(base.Latencies.Percentile(50))),
		figure(name+": p99 submit request (forms)", "ms", ms(submitLat.Percentile(99)), false, ms(base.Latencies.Percentile(99))),
		apiRate,
		figure(name+": p50 API response", "ms", ms(apiRes.Latencies.Percentile(50)), false, ms(base.Latencies.Percentile(50))),
		figure(name+": p99 API response", "ms", ms(apiRes.Latencies.Percentile(99)), false, ms(base.Latencies.Percentile(99))),
		figure(name+": CPU per response (API; server, client and, on SQLite, the database)", "ms", apiRes.CPUPerOp(), false, base.CPUPerOp()),
	)
	if len(env.Result.Notes) == 0 || !strings.HasPrefix(env.Result.Notes[len(env.Result.Notes)-1], "forms:") {
		env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("forms: each response is the real respondent path, %d clients at once: POST start (about you), POST the section's answers, POST consent, POST submit; each step is committed before its reply. API: each response is one POST /api/v1/consultations/{id}/responses with a delegate's bearer token (answers, consent and submission; committed before the 201 and its receipt). The baseline's latency is one insert transaction of the rows a submission leaves. The forms are also compared with a four-step baseline: the same rows written by plain SQL in the four transactions the journey commits (insert the draft; its two answers; its consent; its outbox row and submission), from the same clients", submitClients))
	}
	return nil
}

// respond answers consultation c as respondent i through the pages, and
// returns how long the final submission took.
func respond(ctx context.Context, hc *http.Client, base string, c benchConsultation, i int) (time.Duration, error) {
	id := strconv.FormatInt(c.ID, 10)
	post := func(path string, form url.Values, cookie string, want int) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		return fetch(hc, req, want)
	}
	res, err := post("/consultations/"+id+"/start", url.Values{"kind": {consult.AsIndividual}, "stakeholder": {string(consult.CivilSociety)},
		"name": {"Respondent " + strconv.Itoa(i)}}, "", http.StatusCreated)
	if err != nil {
		return 0, err
	}
	var cookie string
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-pallmall_response_"+id {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	if cookie == "" {
		return 0, fmt.Errorf("start: no response cookie: %w", errStatus)
	}
	answers := url.Values{
		"q" + strconv.FormatInt(c.TextID, 10):   {"Licensing and transparency matter, says respondent " + strconv.Itoa(i)},
		"q" + strconv.FormatInt(c.ChoiceID, 10): {strconv.Itoa(1 + i%5)},
	}
	if _, err := post("/consultations/"+id+"/respond/section/"+strconv.FormatInt(c.SectionID, 10), answers, cookie, http.StatusSeeOther); err != nil {
		return 0, err
	}
	if _, err := post("/consultations/"+id+"/respond/consent", url.Values{"share": {"yes"}, "contact": {"no"}, "publish": {"anonymous"}}, cookie, http.StatusSeeOther); err != nil {
		return 0, err
	}
	t0 := time.Now()
	res, err = post("/consultations/"+id+"/respond/submit", url.Values{}, cookie, http.StatusSeeOther)
	if err != nil {
		return 0, err
	}
	if loc := res.Header.Get("Location"); !strings.HasSuffix(loc, "/respond/receipt") {
		return 0, fmt.Errorf("submit redirected to %q: %w", loc, errStatus)
	}
	return time.Since(t0), nil
}

// countSubmitted checks that consultation id holds n submitted responses.
func countSubmitted(ctx context.Context, db *store.DB, id int64, n int) error {
	var submitted int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM consult_responses WHERE consultation_id = $1 AND status = 'submitted'`, id).Scan(&submitted); err != nil {
		return err
	}
	if submitted != n {
		return fmt.Errorf("%d responses submitted, want %d", submitted, n)
	}
	return nil
}

// delegateToken creates an organisation, a delegate of it and an API
// token acting as them.
func delegateToken(ctx context.Context, a *auth.Service) (string, error) {
	org, err := a.CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Bench Civil Society Network", NameFR: "Réseau de la société civile (banc d’essai)", Kind: auth.CivilSociety})
	if err != nil {
		return "", fmt.Errorf("organisation: %w", err)
	}
	u, _, err := a.CreateUser(ctx, auth.System, auth.NewUser{Email: "delegate-" + randomHex(4) + "@bench.example.org", Name: "Bench Delegate", Role: auth.Delegate, OrganisationID: org.ID}, time.Hour)
	if err != nil {
		return "", fmt.Errorf("delegate: %w", err)
	}
	return a.CreateAPIToken(ctx, auth.System, u.ID, "bench")
}

// respondAPI submits respondent i's whole response to c in one API request.
func respondAPI(ctx context.Context, hc *http.Client, base, token string, c benchConsultation, i int) error {
	body, err := json.Marshal(map[string]any{
		"name": "Respondent " + strconv.Itoa(i),
		"answers": map[string]any{
			strconv.FormatInt(c.TextID, 10):   map[string]any{"text": "Licensing and transparency matter, says respondent " + strconv.Itoa(i)},
			strconv.FormatInt(c.ChoiceID, 10): map[string]any{"choices": []string{strconv.Itoa(1 + i%5)}},
		},
		"consent": map[string]any{"share": true, "contact": false, "publish": "anonymous", "lang": "en"},
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/consultations/"+strconv.FormatInt(c.ID, 10)+"/responses", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	_, err = fetch(hc, req, http.StatusCreated)
	return err
}

// baselineAnswers is respondent i's answers as the baselines store them:
// the text, each answer's JSON, and the response's copy of them.
func baselineAnswers(c benchConsultation, i int) (text, textJSON, choiceJSON, answers string) {
	text = "Licensing and transparency matter, says respondent " + strconv.Itoa(i)
	textJSON = `{"text":"` + text + `"}`
	choiceJSON = `{"choices":["` + strconv.Itoa(1+i%5) + `"]}`
	answers = `{"` + strconv.FormatInt(c.TextID, 10) + `":` + textJSON + `,"` + strconv.FormatInt(c.ChoiceID, 10) + `":` + choiceJSON + `}`
	return text, textJSON, choiceJSON, answers
}

// insertResponse is the baseline: the rows a submitted response leaves
// (its ledger outbox row, the response row with consent, answers copy and
// receipt fields, and its two answers), inserted in one transaction with
// nothing hashed, sealed or checked.
func insertResponse(ctx context.Context, db *store.DB, c benchConsultation, i int) error {
	ts := store.Now()
	text, textJSON, choiceJSON, answers := baselineAnswers(c, i)
	commitment := randomHex(32)
	return db.InTx(ctx, func(tx *store.Tx) error {
		var outboxID int64
		if err := tx.QueryRow(ctx, `INSERT INTO ledger_outbox (entry, created_at) VALUES ($1, $2) RETURNING id`,
			`{"type":"consultation_receipt","consultation":"`+strconv.FormatInt(c.ID, 10)+`","commitment":"`+commitment+`"}`, ts).Scan(&outboxID); err != nil {
			return err
		}
		var rid int64
		err := tx.QueryRow(ctx, `INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, name, email,
				consent_set, consent_share, consent_publish, consent_contact, consent_wording, consent_at, created_at, updated_at, submitted_at, salt, submitted_json, commitment, ledger_outbox_id, answers)
			VALUES ($1, $2, $3, 'submitted', 'individual', 'civil_society', '', '', TRUE, TRUE, 'anonymous', FALSE, '{}', $4, $4, $4, $4, $5, $6, $7, $8, $9) RETURNING id`,
			c.ID, "base-"+strconv.Itoa(i)+"-"+randomHex(8), "PM-X"+strconv.Itoa(i)+randomHex(4), ts,
			randomHex(16), `{"answers":`+answers+`,"consultation":"`+strconv.FormatInt(c.ID, 10)+`"}`, commitment, outboxID, answers).Scan(&rid)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body) VALUES ($1, $2, $3, $4)`,
			rid, c.TextID, textJSON, text); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body) VALUES ($1, $2, $3, '')`,
			rid, c.ChoiceID, choiceJSON)
		return err
	})
}

// insertResponseInSteps is the forms' baseline: the rows of
// insertResponse written as the respondent's journey writes them, in four
// transactions (the draft, its answers, its consent, its submission with
// its outbox row), with nothing hashed, sealed or checked.
func insertResponseInSteps(ctx context.Context, db *store.DB, c benchConsultation, i int) error {
	ts := store.Now()
	text, textJSON, choiceJSON, answers := baselineAnswers(c, i)
	commitment := randomHex(32)
	var rid int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, name, email, created_at, updated_at)
			VALUES ($1, $2, $3, 'draft', 'individual', 'civil_society', '', '', $4, $4) RETURNING id`,
			c.ID, "steps-"+strconv.Itoa(i)+"-"+randomHex(8), "PM-S"+strconv.Itoa(i)+randomHex(4), ts).Scan(&rid)
	})
	if err != nil {
		return err
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body) VALUES ($1, $2, $3, $4)`, rid, c.TextID, textJSON, text); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body) VALUES ($1, $2, $3, '')`, rid, c.ChoiceID, choiceJSON); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE consult_responses SET updated_at = $1 WHERE id = $2`, ts, rid)
		return err
	})
	if err != nil {
		return err
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE consult_responses SET consent_set = TRUE, consent_share = TRUE, consent_publish = 'anonymous', consent_contact = FALSE, consent_wording = '{}',
			consent_at = $1, updated_at = $1 WHERE id = $2`, ts, rid)
		return err
	})
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		var outboxID int64
		if err := tx.QueryRow(ctx, `INSERT INTO ledger_outbox (entry, created_at) VALUES ($1, $2) RETURNING id`,
			`{"type":"consultation_receipt","consultation":"`+strconv.FormatInt(c.ID, 10)+`","commitment":"`+commitment+`"}`, ts).Scan(&outboxID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE consult_responses SET status = 'submitted', submitted_at = $1, updated_at = $1, salt = $2, submitted_json = $3, commitment = $4, ledger_outbox_id = $5, answers = $6
			WHERE id = $7`, ts, randomHex(16), `{"answers":`+answers+`,"consultation":"`+strconv.FormatInt(c.ID, 10)+`"}`, commitment, outboxID, answers, rid)
		return err
	})
}
