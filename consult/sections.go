package consult

import (
	"context"
	"fmt"
	"strings"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/audit"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store"
)

// Validate checks a section's titles and introductions, trimmed.
func (sec *Section) Validate() error {
	var v pallmall.ValidationError
	sec.TitleEN, sec.TitleFR = strings.TrimSpace(sec.TitleEN), strings.TrimSpace(sec.TitleFR)
	sec.IntroEN, sec.IntroFR = strings.TrimSpace(sec.IntroEN), strings.TrimSpace(sec.IntroFR)
	for name, t := range map[string]string{"title_en": sec.TitleEN, "title_fr": sec.TitleFR} {
		switch {
		case t == "":
			v.Add(name, "error.required")
		case len(t) > 200:
			v.Add(name, "error.too_long")
		}
	}
	for name, t := range map[string]string{"intro_en": sec.IntroEN, "intro_fr": sec.IntroFR} {
		if len(t) > 5000 {
			v.Add(name, "error.too_long")
		}
	}
	return v.Err()
}

// UpdateSection renames a section and changes its introduction, in both
// languages. Once responses exist, a reason is required and recorded.
// Returns ErrForbidden unless the actor is the secretariat, ErrNotFound
// if the section is not the consultation's.
func (s *Service) UpdateSection(ctx context.Context, actor auth.Actor, sec Section, reason string) error {
	if !canManage(actor) {
		return pallmall.ErrForbidden
	}
	if err := sec.Validate(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, sec.ConsultationID); err != nil {
			return err
		}
		var old Section
		err := tx.QueryRow(ctx, `SELECT title_en, title_fr, intro_en, intro_fr FROM consult_sections WHERE id = $1 AND consultation_id = $2`,
			sec.ID, sec.ConsultationID).Scan(&old.TitleEN, &old.TitleFR, &old.IntroEN, &old.IntroFR)
		if err != nil {
			return err
		}
		if old.TitleEN == sec.TitleEN && old.TitleFR == sec.TitleFR && old.IntroEN == sec.IntroEN && old.IntroFR == sec.IntroFR {
			return nil // nothing changed, nothing to explain
		}
		if err := s.noteChange(ctx, tx, actor, sec.ConsultationID, []string{"sections"}, reason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE consult_sections SET title_en = $1, title_fr = $2, intro_en = $3, intro_fr = $4 WHERE id = $5`,
			sec.TitleEN, sec.TitleFR, sec.IntroEN, sec.IntroFR, sec.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.section_update", "consultation", sec.ConsultationID, fmt.Sprintf("section %d", sec.ID))
	})
}

// MoveSection moves a section one place up (by -1) or down (by +1), with
// its questions. Once responses exist, a reason is required. A move that
// would put a conditional question before the question it depends on is
// refused.
func (s *Service) MoveSection(ctx context.Context, actor auth.Actor, consultationID, sectionID int64, by int, reason string) error {
	if !canManage(actor) {
		return pallmall.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		qn, err := loadQuestionnaire(ctx, tx, consultationID)
		if err != nil {
			return err
		}
		i := -1
		for k, sec := range qn.Sections {
			if sec.ID == sectionID {
				i = k
			}
		}
		if i < 0 {
			return pallmall.ErrNotFound
		}
		j := i + by
		if j < 0 || j >= len(qn.Sections) || (by != 1 && by != -1) {
			return nil // already first or last
		}
		if err := s.noteChange(ctx, tx, actor, consultationID, []string{"sections"}, reason); err != nil {
			return err
		}
		order := qn.Sections
		order[i], order[j] = order[j], order[i]
		for k, sec := range order {
			if _, err := tx.Exec(ctx, `UPDATE consult_sections SET position = $1 WHERE id = $2`, k+1, sec.ID); err != nil {
				return err
			}
		}
		if err := checkOrder(ctx, tx, consultationID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.section_move", "consultation", consultationID, fmt.Sprintf("section %d by %d", sectionID, by))
	})
}

// MoveQuestion moves a question one place up (by -1) or down (by +1). From
// the top of its section it moves up to the end of the section before;
// from the bottom, down to the start of the section after. Once responses
// exist, a reason is required. A move that would put a conditional
// question before the question it depends on is refused.
func (s *Service) MoveQuestion(ctx context.Context, actor auth.Actor, consultationID, questionID int64, by int, reason string) error {
	if !canManage(actor) {
		return pallmall.ErrForbidden
	}
	if by != 1 && by != -1 {
		return pallmall.ErrInvalid
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, actor, consultationID); err != nil {
			return err
		}
		qn, err := loadQuestionnaire(ctx, tx, consultationID)
		if err != nil {
			return err
		}
		si, qi := -1, -1
		for k, sec := range qn.Sections {
			for l, q := range sec.Questions {
				if q.ID == questionID {
					si, qi = k, l
				}
			}
		}
		if si < 0 {
			return pallmall.ErrNotFound
		}
		sec := &qn.Sections[si]
		var changed []*Section
		switch j := qi + by; {
		case j >= 0 && j < len(sec.Questions):
			sec.Questions[qi], sec.Questions[j] = sec.Questions[j], sec.Questions[qi]
			changed = append(changed, sec)
		case si+by >= 0 && si+by < len(qn.Sections):
			to := &qn.Sections[si+by]
			q := sec.Questions[qi]
			sec.Questions = append(sec.Questions[:qi:qi], sec.Questions[qi+1:]...)
			if by < 0 {
				to.Questions = append(to.Questions, q)
			} else {
				to.Questions = append([]Question{q}, to.Questions...)
			}
			changed = append(changed, sec, to)
		default:
			return nil // already first or last of the questionnaire
		}
		if err := s.noteChange(ctx, tx, actor, consultationID, []string{"questions"}, reason); err != nil {
			return err
		}
		// Renumber the sections touched so positions are distinct.
		for _, sec := range changed {
			for k, q := range sec.Questions {
				if _, err := tx.Exec(ctx, `UPDATE consult_questions SET section_id = $1, position = $2 WHERE id = $3`, sec.ID, k+1, q.ID); err != nil {
					return err
				}
			}
		}
		if err := checkOrder(ctx, tx, consultationID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.UserID, "consultation.question_move", "consultation", consultationID, fmt.Sprintf("question %d by %d", questionID, by))
	})
}

// checkOrder verifies, after a change of order, that every conditional
// question still comes after the question it depends on, which is what
// respondents answering in order need.
func checkOrder(ctx context.Context, q store.Querier, consultationID int64) error {
	qn, err := loadQuestionnaire(ctx, q, consultationID)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, qu := range qn.Questions() {
		if qu.CondQuestionID != 0 && !seen[qu.CondQuestionID] {
			var v pallmall.ValidationError
			v.Add("order", "consult.error.order")
			return &v
		}
		seen[qu.ID] = true
	}
	return nil
}
