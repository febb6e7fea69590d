package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pallmall/pallmall/api"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
	"github.com/pallmall/pallmall/web"
)

// openDB opens and migrates a fresh database for one run: SQLite in the
// scratch directory, or (postgres true) a database of its own created on
// the server at cfg.DatabaseURL, dropped by the returned close function.
func (e *Env) openDB(ctx context.Context, postgres bool) (*store.DB, func(), error) {
	cfg := store.Config{DataDir: filepath.Join(e.Dir, "db")}
	drop := func() {}
	if postgres {
		name := "pallmall_bench_" + randomHex(6)
		admin, err := sql.Open("pgx", e.cfg.DatabaseURL)
		if err != nil {
			return nil, nil, err
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			admin.Close()
			return nil, nil, fmt.Errorf("create benchmark database: %w", err)
		}
		drop = func() {
			admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
			admin.Close()
		}
		u, err := url.Parse(e.cfg.DatabaseURL)
		if err != nil {
			drop()
			return nil, nil, err
		}
		u.Path = "/" + name
		cfg.URL = u.String()
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		drop()
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		drop()
		return nil, nil, err
	}
	return db, func() { db.Close(); drop() }, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// site is the platform's web handler served on a loopback port.
type site struct {
	URL    string
	Auth   *auth.Service
	server *http.Server
}

// startSite serves the whole web handler on 127.0.0.1 as serve does, with
// the per-client write limit lifted: every load client shares the
// loopback address, which the limit would otherwise treat as one flood.
func (e *Env) startSite(db *store.DB) (*site, error) {
	keys, err := vault.LoadOrCreate(filepath.Join(e.Dir, "keys"))
	if err != nil {
		return nil, err
	}
	// Cheap password hashing: the demo accounts are never signed in to.
	a := &auth.Service{DB: db, Keys: keys, Password: auth.PasswordParams{Time: 1, Memory: 64, Threads: 1}, Clients: auth.NewLimiter(1<<30, time.Minute)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := "http://" + ln.Addr().String()
	s := &web.Server{DB: db, Auth: a, Logger: slog.New(slog.DiscardHandler), PublicURL: u, Version: "bench",
		Writes: auth.NewLimiter(1<<30, time.Minute),
		API:    (&api.Server{DB: db, Auth: a, Logger: slog.New(slog.DiscardHandler)}).Handler()}
	h, err := s.Handler()
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	go srv.Serve(ln)
	return &site{URL: u, Auth: a, server: srv}, nil
}

func (s *site) Close() { s.server.Close() }

// client returns an HTTP client for clients concurrent connections that
// does not follow redirects (the load generator checks each step).
func client(clients int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Timeout: 2 * time.Minute,
	}
}

// fetch sends a request and reads the whole body, checking the status.
func fetch(c *http.Client, req *http.Request, want int) (*http.Response, error) {
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return res, fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, res.StatusCode, want)
	}
	return res, nil
}

// benchConsultation is an open consultation with one section holding a
// long-text and a Likert question.
type benchConsultation struct {
	ID, SectionID, TextID, ChoiceID int64
}

func createConsultation(ctx context.Context, svc *consult.Service) (benchConsultation, error) {
	now := time.Now()
	c, err := svc.Create(ctx, auth.System, consult.Consultation{TitleEN: "Benchmark consultation", TitleFR: "Consultation de référence",
		SummaryEN: "Generated for the benchmark.", SummaryFR: "Générée pour le banc d’essai.",
		Audiences: []consult.Stakeholder{consult.CivilSociety, consult.State, consult.Industry}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour)})
	if err != nil {
		return benchConsultation{}, err
	}
	sec, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: c.ID, TitleEN: "Views", TitleFR: "Avis"}, "")
	if err != nil {
		return benchConsultation{}, err
	}
	text, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.LongText, TextEN: "Why?", TextFR: "Pourquoi ?"}, "")
	if err != nil {
		return benchConsultation{}, err
	}
	choice, err := svc.SaveQuestion(ctx, auth.System, consult.Question{ConsultationID: c.ID, SectionID: sec.ID, Kind: consult.Likert, TextEN: "Agree?", TextFR: "D’accord ?"}, "")
	if err != nil {
		return benchConsultation{}, err
	}
	if err := svc.SetStatus(ctx, auth.System, c.ID, consult.Open); err != nil {
		return benchConsultation{}, err
	}
	return benchConsultation{ID: c.ID, SectionID: sec.ID, TextID: text.ID, ChoiceID: choice.ID}, nil
}

// seedChunk is how many responses one seeding transaction inserts.
const seedChunk = 500_000

// seedResponses adds n submitted responses to c straight through the store
// (generated in SQL, in transactions of seedChunk), each with a text and a
// choice answer, as a consultation that has run would hold: the response
// row with its copy of the answers (the JSON Submit writes), and the two
// consult_answers rows (with their full-text index entries). Response i
// has reference PM-Bi, and its text answer names it.
func seedResponses(ctx context.Context, db *store.DB, c benchConsultation, n int) error {
	ts := store.Now()
	// The copy of the answers, as Submit's json.Marshal of a map writes it:
	// keys in string order.
	text := fmt.Sprintf(`'"%d":{"text":"Licensing and transparency matter, says respondent ' || i || '"}'`, c.TextID)
	choice := fmt.Sprintf(`'"%d":{"choices":["' || (1 + i %% 5) || '"]}'`, c.ChoiceID)
	if strconv.FormatInt(c.ChoiceID, 10) < strconv.FormatInt(c.TextID, 10) {
		text, choice = choice, text
	}
	answers := `'{' || ` + text + ` || ',' || ` + choice + ` || '}'`
	for from := 1; from <= n; from += seedChunk {
		to := min(n, from+seedChunk-1)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var last int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM consult_responses`).Scan(&last); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, fmt.Sprintf(`WITH RECURSIVE seq(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM seq WHERE i < %d)
			INSERT INTO consult_responses (consultation_id, token_hash, reference, status, respondent_kind, stakeholder, name, email,
				consent_set, consent_share, consent_publish, consent_contact, consent_wording, consent_at, created_at, updated_at, submitted_at, salt, submitted_json, commitment, answers)
			SELECT $1, 'bench-' || i, 'PM-B' || i, 'submitted', 'individual', CASE i %% 3 WHEN 0 THEN 'state' WHEN 1 THEN 'industry' ELSE 'civil_society' END,
				'', '', TRUE, i %% 2 = 0, 'anonymous', FALSE, '{}', $2, $2, $2, $2, '', '', '', %s
			FROM seq`, from, to, answers), c.ID, ts)
			if err != nil {
				return err
			}
			// i again, from the reference.
			i := `CAST(substr(reference, 5) AS INTEGER)`
			_, err = tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body)
			SELECT id, $2, '{"text":"Licensing and transparency matter, says respondent ' || `+i+` || '"}', 'Licensing and transparency matter, says respondent ' || `+i+`
			FROM consult_responses WHERE consultation_id = $1 AND id > $3`, c.ID, c.TextID, last)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO consult_answers (response_id, question_id, value, body)
			SELECT id, $2, '{"choices":["' || (1 + `+i+` % 5) || '"]}', '' FROM consult_responses WHERE consultation_id = $1 AND id > $3`, c.ID, c.ChoiceID, last)
			return err
		})
		if err != nil {
			return fmt.Errorf("seed responses: %w", err)
		}
	}
	return nil
}

// publish publishes c, as if its closing time had passed.
func publish(ctx context.Context, svc *consult.Service, id int64) error {
	later := *svc
	later.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	if err := later.SetStatus(ctx, auth.System, id, consult.Published); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

var errStatus = errors.New("unexpected response")

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}
