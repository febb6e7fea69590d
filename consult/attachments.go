package consult

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
)

// Attachment is a file uploaded with a submitted response, as the
// secretariat and analysts see it: what it answers and who kind of
// respondent sent it, never who.
type Attachment struct {
	FileInfo
	ResponseID  int64
	QuestionID  int64
	Stakeholder Stakeholder
	At          time.Time
}

// Attachments lists the files of a consultation's submitted responses
// (withdrawn and draft responses' files are not shown), for the
// secretariat and analysts.
func (s *Service) Attachments(ctx context.Context, actor auth.Actor, consultationID int64) ([]Attachment, error) {
	if !actor.Can(auth.ReadResponses) {
		return nil, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT f.id, f.name, f.content_type, f.size, f.sha256, f.response_id, f.question_id, r.stakeholder, f.created_at
		FROM consult_files f JOIN consult_responses r ON r.id = f.response_id
		WHERE r.consultation_id = $1 AND r.status = 'submitted' ORDER BY f.question_id, f.id`, consultationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.Name, &a.Type, &a.Size, &a.SHA256, &a.ResponseID, &a.QuestionID, &a.Stakeholder, &a.At); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenAttachment returns one file of a submitted response of the
// consultation, with its content, for the secretariat and analysts. A file
// of another consultation, of a draft or of a withdrawn response is not
// found, whoever asks.
func (s *Service) OpenAttachment(ctx context.Context, actor auth.Actor, consultationID, fileID int64) (Attachment, []byte, error) {
	if !actor.Can(auth.ReadResponses) {
		return Attachment{}, nil, pallmall.ErrForbidden
	}
	if _, err := s.Get(ctx, actor, consultationID); err != nil {
		return Attachment{}, nil, err
	}
	var a Attachment
	var data []byte
	err := s.DB.QueryRow(ctx, `SELECT f.id, f.name, f.content_type, f.size, f.sha256, f.response_id, f.question_id, r.stakeholder, f.created_at, f.data
		FROM consult_files f JOIN consult_responses r ON r.id = f.response_id
		WHERE f.id = $1 AND r.consultation_id = $2 AND r.status = 'submitted'`, fileID, consultationID).
		Scan(&a.ID, &a.Name, &a.Type, &a.Size, &a.SHA256, &a.ResponseID, &a.QuestionID, &a.Stakeholder, &a.At, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, nil, pallmall.ErrNotFound
	}
	if err != nil {
		return Attachment{}, nil, err
	}
	if a.Name == "" { // erased by the retention job
		a.Name = "attachment"
	}
	return a, data, nil
}
