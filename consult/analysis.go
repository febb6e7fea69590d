package consult

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/vault"
)

// Submitted is a submitted response as analysis and exports read it.
// Identity fields are filled only for those allowed to see them (see
// identityFor); everyone else gets them empty.
type Submitted struct {
	ID               int64
	Reference        string
	Kind             string
	Stakeholder      Stakeholder
	Country          string
	Name             string
	OrganisationName string
	Email            string
	Consent          Consent
	SubmittedAt      time.Time
	Answers          map[int64]Answer
}

// Identity says which respondents' identities an actor may see.
type Identity int

// The identity scopes.
const (
	// NoIdentity: no names, organisations or addresses (analysts; the
	// public summary uses the publication choice instead).
	NoIdentity Identity = iota
	// SharedIdentity: only of respondents who consented to sharing with
	// the partner government (the partner role and partner exports).
	SharedIdentity
	// FullIdentity: everyone's (the secretariat).
	FullIdentity
)

// identityFor returns the widest identity scope the actor holds.
func identityFor(a auth.Actor) Identity {
	switch {
	case a.Is(auth.Secretariat):
		return FullIdentity
	case a.Is(auth.Partner):
		return SharedIdentity
	}
	return NoIdentity
}

// eachSubmitted streams the submitted responses of a consultation in id
// order with their answers, one at a time, so memory does not grow with
// the number of responses. Identity fields are kept only as scope allows,
// and redacted passages are replaced unless scope is FullIdentity.
func eachSubmitted(ctx context.Context, q store.Querier, keys *vault.Keyring, consultationID int64, scope Identity, fn func(*Submitted) error) error {
	redactions, err := loadRedactions(ctx, q, consultationID)
	if err != nil {
		return err
	}
	rows, err := q.Query(ctx, `SELECT r.id, r.reference, r.respondent_kind, r.stakeholder, r.country, r.name, r.organisation_name, r.email,
			r.consent_share, r.consent_publish, r.consent_contact, r.consent_wording, r.consent_at, r.submitted_at, a.question_id, a.value
		FROM consult_responses r LEFT JOIN consult_answers a ON a.response_id = r.id
		WHERE r.consultation_id = $1 AND r.status = 'submitted' ORDER BY r.id, a.question_id`, consultationID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur *Submitted
	flush := func() error {
		if cur == nil {
			return nil
		}
		err := fn(cur)
		cur = nil
		return err
	}
	for rows.Next() {
		var x Submitted
		var consentAt, submittedAt sql.NullTime
		var qid sql.NullInt64
		var value sql.NullString
		if err := rows.Scan(&x.ID, &x.Reference, &x.Kind, &x.Stakeholder, &x.Country, &x.Name, &x.OrganisationName, &x.Email,
			&x.Consent.Share, &x.Consent.Publish, &x.Consent.Contact, &x.Consent.Wording, &consentAt, &submittedAt, &qid, &value); err != nil {
			return err
		}
		if cur == nil || cur.ID != x.ID {
			if err := flush(); err != nil {
				return err
			}
			x.Consent.Set, x.Consent.At, x.SubmittedAt = true, consentAt.Time.UTC(), submittedAt.Time.UTC()
			if scope == NoIdentity || (scope == SharedIdentity && !x.Consent.Share) {
				x.Name, x.OrganisationName, x.Email = "", "", ""
			} else if err := openIdentity(keys, &x.Name, &x.OrganisationName, &x.Email); err != nil {
				return err
			}
			x.Answers = map[int64]Answer{}
			cur = &x
		}
		if qid.Valid {
			var a Answer
			if err := json.Unmarshal([]byte(value.String), &a); err != nil {
				return fmt.Errorf("answer %d/%d: %w", cur.ID, qid.Int64, err)
			}
			if scope != FullIdentity {
				a = redact(a, redactions[answerKey{cur.ID, qid.Int64}])
			}
			cur.Answers[qid.Int64] = a
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// Bucket is a labelled count.
type Bucket struct {
	Key string
	N   int
}

// OptionStat counts one option of a choice question.
type OptionStat struct {
	Option
	N             int
	ByStakeholder map[Stakeholder]int
	// RankSum adds the ranks given to the option (ranking questions), so
	// the mean rank is RankSum / Answered.
	RankSum int
}

// QuestionStat is one question's figures.
type QuestionStat struct {
	Q Question
	// Shown counts the responses to which the question applied, Answered
	// those that answered it, overall and by stakeholder type.
	Shown, Answered    int
	AnsweredBy         map[Stakeholder]int
	Options            []OptionStat
	Other              int // "other, please specify"
	OtherByStakeholder map[Stakeholder]int
}

// Dashboard is the analysis of a consultation's submitted responses.
type Dashboard struct {
	Counts        Counts
	ByDay         []Bucket // UTC dates, oldest first
	ByStakeholder []Bucket // in Stakeholders order, zero counts included
	ByCountry     []Bucket // states' country codes, largest first
	Questions     []QuestionStat
}

// Analyse computes the dashboard of a consultation for the secretariat and
// analysts. It reads each response once, in constant memory.
func (s *Service) Analyse(ctx context.Context, actor auth.Actor, id int64) (Dashboard, error) {
	if !actor.Can(auth.ReadResponses) {
		return Dashboard{}, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, id); err != nil {
		return Dashboard{}, err
	}
	return analyse(ctx, s.DB, id)
}

// analyse never reads identities, so it needs no keys.
func analyse(ctx context.Context, q store.Querier, id int64) (Dashboard, error) {
	var d Dashboard
	var err error
	if d.Counts, err = counts(ctx, q, id); err != nil {
		return d, err
	}
	qn, err := loadQuestionnaire(ctx, q, id)
	if err != nil {
		return d, err
	}
	stats := map[int64]*QuestionStat{}
	for _, qu := range qn.Questions() {
		st := &QuestionStat{Q: qu, AnsweredBy: map[Stakeholder]int{}, OtherByStakeholder: map[Stakeholder]int{}}
		for _, o := range qu.Choices() {
			st.Options = append(st.Options, OptionStat{Option: o, ByStakeholder: map[Stakeholder]int{}})
		}
		stats[qu.ID] = st
	}
	days, kinds, countries := map[string]int{}, map[Stakeholder]int{}, map[string]int{}
	err = eachSubmitted(ctx, q, nil, id, NoIdentity, func(r *Submitted) error {
		days[r.SubmittedAt.Format("2006-01-02")]++
		kinds[r.Stakeholder]++
		if r.Stakeholder == State && r.Country != "" {
			countries[r.Country]++
		}
		for _, qu := range qn.Questions() {
			if !qn.Visible(qu, r.Stakeholder, r.Answers) {
				continue
			}
			st := stats[qu.ID]
			st.Shown++
			a, ok := r.Answers[qu.ID]
			if !ok || a.Empty() {
				continue
			}
			st.Answered++
			st.AnsweredBy[r.Stakeholder]++
			for rank, c := range a.Choices {
				if c == OtherValue {
					st.Other++
					st.OtherByStakeholder[r.Stakeholder]++
					continue
				}
				for i := range st.Options {
					if st.Options[i].Value != c {
						continue
					}
					if qu.Kind == Ranking {
						st.Options[i].RankSum += rank + 1
						if rank > 0 {
							break // the chart counts first places
						}
					}
					st.Options[i].N++
					st.Options[i].ByStakeholder[r.Stakeholder]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	for k, n := range days {
		d.ByDay = append(d.ByDay, Bucket{k, n})
	}
	sort.Slice(d.ByDay, func(i, j int) bool { return d.ByDay[i].Key < d.ByDay[j].Key })
	for _, k := range Stakeholders {
		d.ByStakeholder = append(d.ByStakeholder, Bucket{string(k), kinds[k]})
	}
	for k, n := range countries {
		d.ByCountry = append(d.ByCountry, Bucket{k, n})
	}
	sort.Slice(d.ByCountry, func(i, j int) bool {
		if d.ByCountry[i].N != d.ByCountry[j].N {
			return d.ByCountry[i].N > d.ByCountry[j].N
		}
		return d.ByCountry[i].Key < d.ByCountry[j].Key
	})
	for _, qu := range qn.Questions() {
		d.Questions = append(d.Questions, *stats[qu.ID])
	}
	return d, nil
}

// LikertSplit divides a Likert scale's options into the negative side, the
// neutral middle (for an odd number of points) and the positive side.
func LikertSplit(n int) (neg, neutral, pos []int) {
	for i := 0; i < n; i++ {
		switch {
		case n%2 == 1 && i == n/2:
			neutral = append(neutral, i)
		case i < n/2:
			neg = append(neg, i)
		default:
			pos = append(pos, i)
		}
	}
	return
}

// answerKey names one answer.
type answerKey struct{ response, question int64 }

// Redaction removes a passage of an answer from everything but the
// secretariat's view.
type Redaction struct {
	ID         int64
	ResponseID int64
	QuestionID int64
	Passage    string
	Reason     string
	At         time.Time
}

// Redacted replaces each redacted passage.
const Redacted = "[redacted]"

func redact(a Answer, rs []Redaction) Answer {
	for _, r := range rs {
		a.Text = strings.ReplaceAll(a.Text, r.Passage, Redacted)
		a.Other = strings.ReplaceAll(a.Other, r.Passage, Redacted)
	}
	return a
}

func loadRedactions(ctx context.Context, q store.Querier, consultationID int64) (map[answerKey][]Redaction, error) {
	rows, err := q.Query(ctx, `SELECT x.id, x.response_id, x.question_id, x.passage, x.reason, x.at FROM consult_redactions x
		JOIN consult_responses r ON r.id = x.response_id WHERE r.consultation_id = $1 ORDER BY x.id`, consultationID)
	list, err := store.ScanAll(rows, err, func(r *sql.Rows) (Redaction, error) {
		var x Redaction
		err := r.Scan(&x.ID, &x.ResponseID, &x.QuestionID, &x.Passage, &x.Reason, &x.At)
		x.At = x.At.UTC()
		return x, err
	})
	if err != nil {
		return nil, err
	}
	out := map[answerKey][]Redaction{}
	for _, x := range list {
		k := answerKey{x.ResponseID, x.QuestionID}
		out[k] = append(out[k], x)
	}
	return out, nil
}
