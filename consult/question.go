package consult

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Kind is a question type.
type Kind string

// The question types.
const (
	ShortText Kind = "short_text"
	LongText  Kind = "long_text"
	Single    Kind = "single"
	Multiple  Kind = "multiple"
	Likert    Kind = "likert"
	Ranking   Kind = "ranking"
	YesNo     Kind = "yes_no"
	File      Kind = "file"
)

// Kinds lists every question type in the builder's order.
var Kinds = []Kind{ShortText, LongText, Single, Multiple, Likert, Ranking, YesNo, File}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// HasOptions reports whether questions of this kind list options.
func (k Kind) HasOptions() bool { return k == Single || k == Multiple || k == Ranking || k == Likert }

// Limits on questions and answers.
const (
	ShortTextMax     = 500
	DefaultLongMax   = 5000
	LongTextMaxLimit = 50000
	MaxOptions       = 30
)

// OtherValue is the option value of "other, please specify".
const OtherValue = "other"

// Option is one choice of a question, with labels in both languages.
// Value is the option's key: answers, conditions and exports refer to it,
// it never changes once given (renaming or reordering options keeps it),
// and it is independent of the labels. Keys are short: digits, or a
// lower-case letter followed by letters, digits, '-' or '_' (see
// OptionKey).
type Option struct {
	Value string `json:"value"`
	EN    string `json:"en"`
	FR    string `json:"fr"`
}

// Label returns the option's label in lang.
func (o Option) Label(lang string) string { return pick(lang, o.EN, o.FR) }

// LikertOptions is the five-point scale used when a Likert question names
// no options of its own, from most negative to most positive.
var LikertOptions = []Option{
	{"1", "Strongly disagree", "Pas du tout d’accord"},
	{"2", "Disagree", "Plutôt pas d’accord"},
	{"3", "Neither agree nor disagree", "Ni d’accord ni pas d’accord"},
	{"4", "Agree", "Plutôt d’accord"},
	{"5", "Strongly agree", "Tout à fait d’accord"},
}

// OptionKey matches a valid option key.
var OptionKey = regexp.MustCompile(`^([0-9]{1,6}|[a-z][a-z0-9_-]{0,19})$`)

// YesNoOptions are the options of a yes/no question.
var YesNoOptions = []Option{{"yes", "Yes", "Oui"}, {"no", "No", "Non"}}

// Section groups questions; respondents answer a section at a time.
type Section struct {
	ID               int64
	ConsultationID   int64
	Position         int
	TitleEN, TitleFR string
	IntroEN, IntroFR string
	Questions        []Question
}

// Title returns the section's title in lang.
func (s Section) Title(lang string) string { return pick(lang, s.TitleEN, s.TitleFR) }

// Intro returns the section's introduction in lang.
func (s Section) Intro(lang string) string { return pick(lang, s.IntroEN, s.IntroFR) }

// Question is one question of a questionnaire.
type Question struct {
	ID             int64
	ConsultationID int64
	SectionID      int64
	Position       int
	Kind           Kind
	TextEN, TextFR string
	HintEN, HintFR string
	Required       bool
	// MaxChars limits a long-text answer (in characters).
	MaxChars int
	Options  []Option
	// AllowOther adds "other, please specify" to a multiple or single choice.
	AllowOther bool
	// Audiences, when not empty, are the only stakeholder types shown it.
	Audiences []Stakeholder
	// CondQuestionID, when not 0, names an earlier choice question; this
	// one is shown only if that answer includes one of CondValues.
	CondQuestionID int64
	CondValues     []string
}

// Text returns the question in lang.
func (q Question) Text(lang string) string { return pick(lang, q.TextEN, q.TextFR) }

// Hint returns the hint in lang.
func (q Question) Hint(lang string) string { return pick(lang, q.HintEN, q.HintFR) }

// Choices returns the options a respondent chooses from, including the
// fixed scales of Likert and yes/no questions.
func (q Question) Choices() []Option {
	switch {
	case q.Kind == YesNo:
		return YesNoOptions
	case q.Kind == Likert && len(q.Options) == 0:
		return LikertOptions
	}
	return q.Options
}

// Option returns the option with value v.
func (q Question) Option(v string) (Option, bool) {
	for _, o := range q.Choices() {
		if o.Value == v {
			return o, true
		}
	}
	return Option{}, false
}

// Limit returns the character limit of a text answer.
func (q Question) Limit() int {
	switch q.Kind {
	case ShortText:
		return ShortTextMax
	case LongText:
		if q.MaxChars > 0 {
			return q.MaxChars
		}
		return DefaultLongMax
	}
	return 0
}

// ShownTo reports whether the question applies to stakeholder type k.
func (q Question) ShownTo(k Stakeholder) bool {
	return len(q.Audiences) == 0 || slices.Contains(q.Audiences, k)
}

// Validate checks q's fields and normalises them.
func (q *Question) Validate() error {
	var v pallmall.ValidationError
	q.TextEN, q.TextFR = strings.TrimSpace(q.TextEN), strings.TrimSpace(q.TextFR)
	q.HintEN, q.HintFR = strings.TrimSpace(q.HintEN), strings.TrimSpace(q.HintFR)
	if !q.Kind.Valid() {
		v.Add("kind", "error.choose_one")
	}
	for name, t := range map[string]string{"text_en": q.TextEN, "text_fr": q.TextFR} {
		switch {
		case t == "":
			v.Add(name, "error.required")
		case len(t) > 1000:
			v.Add(name, "error.too_long")
		}
	}
	if len(q.HintEN) > 2000 {
		v.Add("hint_en", "error.too_long")
	}
	if len(q.HintFR) > 2000 {
		v.Add("hint_fr", "error.too_long")
	}
	if q.Kind == LongText && (q.MaxChars < 0 || q.MaxChars > LongTextMaxLimit) {
		v.Add("max_chars", "consult.error.max_chars")
	}
	if q.Kind != LongText {
		q.MaxChars = 0
	}
	if q.Kind != Multiple && q.Kind != Single {
		q.AllowOther = false
	}
	if q.Kind.HasOptions() {
		seen := map[string]bool{}
		for i := range q.Options {
			o := &q.Options[i]
			o.EN, o.FR, o.Value = strings.TrimSpace(o.EN), strings.TrimSpace(o.FR), strings.TrimSpace(o.Value)
			// An option without a key gets one when the question is saved.
			if o.EN == "" || o.FR == "" || o.Value == OtherValue || (o.Value != "" && (seen[o.Value] || !OptionKey.MatchString(o.Value))) {
				v.Add("options", "consult.error.options")
			}
			seen[o.Value] = true
		}
		min := 2
		if q.Kind == Likert {
			min = 0 // the five-point scale
		}
		if len(q.Options) < min || len(q.Options) > MaxOptions {
			v.Add("options", "consult.error.options")
		}
	} else {
		q.Options = nil
	}
	for _, a := range q.Audiences {
		if !a.Valid() {
			v.Add("audiences", "error.choose_one")
		}
	}
	if q.CondQuestionID == 0 {
		q.CondValues = nil
	} else if len(q.CondValues) == 0 {
		v.Add("cond_values", "consult.error.cond_values")
	}
	return v.Err()
}

var keyedLine = regexp.MustCompile(`^([0-9]{1,6}|[a-z][a-z0-9_-]{0,19})\s*=\s*(.*)$`)

// ParseOptions reads options written one per line as "English | Français",
// each optionally preceded by its key and "=" ("2 = Export controls |
// Contrôles à l’export"), as FormatOptions writes them. A line without a
// key is a new option (or, failing that, keeps the key of the option
// with the same English label): it gets its key when the question is
// saved.
func ParseOptions(text string) ([]Option, bool) {
	var out []Option
	ok := true
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var key string
		if m := keyedLine.FindStringSubmatch(line); m != nil {
			key, line = m[1], m[2]
		}
		en, fr, found := strings.Cut(line, "|")
		if !found {
			ok = false
		}
		out = append(out, Option{Value: key, EN: strings.TrimSpace(en), FR: strings.TrimSpace(fr)})
	}
	return out, ok
}

// FormatOptions writes options as ParseOptions reads them, with their keys.
func FormatOptions(opts []Option) string {
	var b strings.Builder
	for _, o := range opts {
		fmt.Fprintf(&b, "%s = %s | %s\n", o.Value, o.EN, o.FR)
	}
	return b.String()
}

// Questionnaire is a consultation's sections with their questions, in order.
type Questionnaire struct {
	Sections []Section
}

// Questions returns every question in order.
func (qn Questionnaire) Questions() []Question {
	var out []Question
	for _, s := range qn.Sections {
		out = append(out, s.Questions...)
	}
	return out
}

// Question returns the question with id.
func (qn Questionnaire) Question(id int64) (Question, bool) {
	for _, s := range qn.Sections {
		for _, q := range s.Questions {
			if q.ID == id {
				return q, true
			}
		}
	}
	return Question{}, false
}

// Visible reports whether q is shown to a respondent of type k with the
// given answers: its audience includes k and, if it depends on an earlier
// answer, that question is itself visible and was answered with one of the
// values that show it.
func (qn Questionnaire) Visible(q Question, k Stakeholder, answers map[int64]Answer) bool {
	if !q.ShownTo(k) {
		return false
	}
	if q.CondQuestionID == 0 {
		return true
	}
	dep, ok := qn.Question(q.CondQuestionID)
	if !ok || dep.ID == q.ID || !qn.Visible(dep, k, answers) {
		return false
	}
	for _, c := range answers[dep.ID].Choices {
		if slices.Contains(q.CondValues, c) {
			return true
		}
	}
	return false
}

const questionCols = `id, consultation_id, section_id, position, kind, text_en, text_fr, hint_en, hint_fr, required, max_chars, options, allow_other, audiences, cond_question_id, cond_values`

func scanQuestion(r interface{ Scan(...any) error }) (Question, error) {
	var q Question
	var opts, aud, cond string
	var condID sql.NullInt64
	err := r.Scan(&q.ID, &q.ConsultationID, &q.SectionID, &q.Position, &q.Kind, &q.TextEN, &q.TextFR, &q.HintEN, &q.HintFR,
		&q.Required, &q.MaxChars, &opts, &q.AllowOther, &aud, &condID, &cond)
	if err != nil {
		return q, err
	}
	q.Audiences = splitStakeholders(aud)
	q.CondQuestionID = condID.Int64
	if cond != "" {
		q.CondValues = strings.Split(cond, ",")
	}
	if err := json.Unmarshal([]byte(opts), &q.Options); err != nil {
		return q, fmt.Errorf("question %d options: %w", q.ID, err)
	}
	return q, nil
}

// Questionnaire returns a consultation's sections and questions. Anyone who
// may see the consultation may see its questions.
func (s *Service) Questionnaire(ctx context.Context, actor auth.Actor, id int64) (Questionnaire, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return Questionnaire{}, err
	}
	return loadQuestionnaire(ctx, s.DB, id)
}

func loadQuestionnaire(ctx context.Context, q store.Querier, id int64) (Questionnaire, error) {
	rows, err := q.Query(ctx, `SELECT id, consultation_id, position, title_en, title_fr, intro_en, intro_fr FROM consult_sections WHERE consultation_id = $1 ORDER BY position, id`, id)
	sections, err := store.ScanAll(rows, err, func(r *sql.Rows) (Section, error) {
		var s Section
		err := r.Scan(&s.ID, &s.ConsultationID, &s.Position, &s.TitleEN, &s.TitleFR, &s.IntroEN, &s.IntroFR)
		return s, err
	})
	if err != nil {
		return Questionnaire{}, err
	}
	rows, err = q.Query(ctx, `SELECT `+questionCols+` FROM consult_questions WHERE consultation_id = $1 ORDER BY position, id`, id)
	questions, err := store.ScanAll(rows, err, func(r *sql.Rows) (Question, error) { return scanQuestion(r) })
	if err != nil {
		return Questionnaire{}, err
	}
	for _, qu := range questions {
		for i := range sections {
			if sections[i].ID == qu.SectionID {
				sections[i].Questions = append(sections[i].Questions, qu)
			}
		}
	}
	return Questionnaire{Sections: sections}, nil
}

// AddSection appends a section. Returns ErrForbidden unless the actor is
// the secretariat.
func (s *Service) AddSection(ctx context.Context, actor auth.Actor, sec Section, reason string) (Section, error) {
	if !canManage(actor) {
		return Section{}, pallmall.ErrForbidden
	}
	if err := sec.Validate(); err != nil {
		return Section{}, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, sec.ConsultationID); err != nil {
			return err
		}
		if err := s.noteChange(ctx, tx, actor, sec.ConsultationID, []string{"sections"}, reason); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO consult_sections (consultation_id, position, title_en, title_fr, intro_en, intro_fr)
			VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM consult_sections WHERE consultation_id = $1), $2, $3, $4, $5) RETURNING id, position`,
			sec.ConsultationID, sec.TitleEN, sec.TitleFR, sec.IntroEN, sec.IntroFR).Scan(&sec.ID, &sec.Position)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.section_add", "consultation", sec.ConsultationID, fmt.Sprintf("section %d", sec.ID))
	})
	return sec, err
}

// checkCondition verifies that a question's condition names an earlier
// choice question of the same consultation with values it can take.
func checkCondition(qn Questionnaire, q Question) error {
	if q.CondQuestionID == 0 {
		return nil
	}
	var v pallmall.ValidationError
	dep, ok := qn.Question(q.CondQuestionID)
	if !ok || dep.ID == q.ID || !(dep.Kind == Single || dep.Kind == Multiple || dep.Kind == YesNo) {
		v.Add("cond_question", "consult.error.cond_question")
		return &v
	}
	for _, val := range q.CondValues {
		if _, ok := dep.Option(val); !ok {
			v.Add("cond_values", "consult.error.cond_values")
		}
	}
	return v.Err()
}

// SaveQuestion adds a question (q.ID == 0) at the end of its section, or
// changes one. Once responses exist, a reason is required and recorded.
func (s *Service) SaveQuestion(ctx context.Context, actor auth.Actor, q Question, reason string) (Question, error) {
	if !canManage(actor) {
		return Question{}, pallmall.ErrForbidden
	}
	if err := q.Validate(); err != nil {
		return Question{}, err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, q.ConsultationID); err != nil {
			return err
		}
		qn, err := loadQuestionnaire(ctx, tx, q.ConsultationID)
		if err != nil {
			return err
		}
		found := false
		for _, sec := range qn.Sections {
			found = found || sec.ID == q.SectionID
		}
		if !found {
			var v pallmall.ValidationError
			v.Add("section", "error.choose_one")
			return &v
		}
		old, _ := qn.Question(q.ID)
		if q.ID == 0 {
			old = Question{}
		}
		assignOptionKeys(old, &q)
		if err := checkCondition(qn, q); err != nil {
			return err
		}
		opts, err := json.Marshal(q.Options)
		if err != nil {
			return err
		}
		if q.Options == nil {
			opts = []byte("[]")
		}
		if err := s.noteChange(ctx, tx, actor, q.ConsultationID, []string{"questions"}, reason); err != nil {
			return err
		}
		var cond any
		if q.CondQuestionID != 0 {
			cond = q.CondQuestionID
		}
		action := "consultation.question_add"
		if q.ID == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO consult_questions (consultation_id, section_id, position, kind, text_en, text_fr, hint_en, hint_fr, required, max_chars, options, allow_other, audiences, cond_question_id, cond_values)
				VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM consult_questions WHERE section_id = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id, position`,
				q.ConsultationID, q.SectionID, q.Kind, q.TextEN, q.TextFR, q.HintEN, q.HintFR, q.Required, q.MaxChars, string(opts), q.AllowOther,
				joinStakeholders(q.Audiences), cond, strings.Join(q.CondValues, ",")).Scan(&q.ID, &q.Position)
		} else {
			action = "consultation.question_update"
			var res sql.Result
			// A question moved to another section goes to its end.
			res, err = tx.Exec(ctx, `UPDATE consult_questions SET
				position = CASE WHEN section_id = $1 THEN position ELSE (SELECT COALESCE(MAX(position), 0) + 1 FROM consult_questions WHERE section_id = $1) END,
				section_id = $1, kind = $2, text_en = $3, text_fr = $4, hint_en = $5, hint_fr = $6, required = $7, max_chars = $8,
				options = $9, allow_other = $10, audiences = $11, cond_question_id = $12, cond_values = $13 WHERE id = $14 AND consultation_id = $15`,
				q.SectionID, q.Kind, q.TextEN, q.TextFR, q.HintEN, q.HintFR, q.Required, q.MaxChars, string(opts), q.AllowOther,
				joinStakeholders(q.Audiences), cond, strings.Join(q.CondValues, ","), q.ID, q.ConsultationID)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					err = pallmall.ErrNotFound
				}
			}
		}
		if err != nil {
			return err
		}
		if err := checkOrder(ctx, tx, q.ConsultationID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, action, "consultation", q.ConsultationID, fmt.Sprintf("question %d", q.ID))
	})
	return q, err
}

// DeleteQuestion removes a question and its answers. Once responses exist,
// a reason is required and recorded.
func (s *Service) DeleteQuestion(ctx context.Context, actor auth.Actor, consultationID, questionID int64, reason string) error {
	if !canManage(actor) {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		if err := s.noteChange(ctx, tx, actor, consultationID, []string{"questions"}, reason); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM consult_questions WHERE id = $1 AND consultation_id = $2`, questionID, consultationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.question_delete", "consultation", consultationID, fmt.Sprintf("question %d", questionID))
	})
}

// assignOptionKeys gives a key to each option of q that has none: the
// key of old's option with the same English label if that key is not
// otherwise used, else the next number never used by old's options or
// q's. Options that came with a key keep it, so an option renamed in
// either language keeps its answers.
func assignOptionKeys(old Question, q *Question) {
	byLabel := map[string]string{}
	used := map[string]bool{}
	for _, o := range old.Options {
		byLabel[strings.ToLower(o.EN)] = o.Value
		used[o.Value] = true
	}
	taken := map[string]bool{}
	for _, o := range q.Options {
		if o.Value != "" {
			taken[o.Value] = true
		}
	}
	for i := range q.Options {
		if q.Options[i].Value != "" {
			continue
		}
		if v, ok := byLabel[strings.ToLower(q.Options[i].EN)]; ok && !taken[v] {
			q.Options[i].Value = v
			taken[v] = true
		}
	}
	next := 1
	for i := range q.Options {
		if q.Options[i].Value != "" {
			continue
		}
		for used[fmt.Sprint(next)] || taken[fmt.Sprint(next)] {
			next++
		}
		q.Options[i].Value = fmt.Sprint(next)
		taken[q.Options[i].Value] = true
	}
}

// DeleteSection removes a section with its questions and their answers.
// Once responses exist, a reason is required.
func (s *Service) DeleteSection(ctx context.Context, actor auth.Actor, consultationID, sectionID int64, reason string) error {
	if !canManage(actor) {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		if err := s.noteChange(ctx, tx, actor, consultationID, []string{"sections", "questions"}, reason); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM consult_sections WHERE id = $1 AND consultation_id = $2`, sectionID, consultationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pallmall.ErrNotFound
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.section_delete", "consultation", consultationID, fmt.Sprintf("section %d", sectionID))
	})
}
