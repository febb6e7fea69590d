package consult

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/store"
)

// MaxFileSize is the largest attachment accepted, in bytes.
const MaxFileSize = 10 << 20

// File types accepted for attachments, by the type sniffed from their
// content (never the name or the browser's claim).
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeODT  = "application/vnd.oasis.opendocument.text"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
)

// Clean returns data with its metadata removed, and its type. Images are
// decoded and encoded again, which drops EXIF, GPS and every other chunk
// but the pixels. Word and OpenDocument files get empty document
// properties and lose the author names and dates of comments and tracked
// changes.
// PDF files are written again with only the objects their pages need,
// without the document information dictionary (author, creator,
// producer, title, dates...), XMP metadata streams or the file
// identifier, compressed object streams included (see pdf.go); a PDF
// that cannot be read that way (encrypted, or using a compression other
// than Flate for its object streams) is refused rather than kept with its
// metadata. Anything else is refused with a message key.
func Clean(data []byte) ([]byte, string, string) {
	switch {
	case len(data) > MaxFileSize:
		return nil, "", "consult.error.file_too_large"
	case len(data) == 0:
		return nil, "", "consult.error.file_empty"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		out, err := cleanPDF(data)
		if err != nil {
			return nil, "", "consult.error.file_pdf"
		}
		return out, TypePDF, ""
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, "", "consult.error.file_type"
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return nil, "", "consult.error.file_type"
		}
		return buf.Bytes(), TypePNG, ""
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, "", "consult.error.file_type"
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
			return nil, "", "consult.error.file_type"
		}
		return buf.Bytes(), TypeJPEG, ""
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		out, typ, err := cleanZip(data)
		if err != nil {
			return nil, "", "consult.error.file_type"
		}
		return out, typ, ""
	}
	return nil, "", "consult.error.file_type"
}

var (
	ooxmlAuthor = regexp.MustCompile(`\b(w:author|w:initials)="[^"]*"`)
	ooxmlDate   = regexp.MustCompile(`\sw:date="[^"]*"`)
	odfCreator  = regexp.MustCompile(`(?s)<dc:creator>.*?</dc:creator>|<dc:date>.*?</dc:date>`)
)

const (
	emptyCore    = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>`
	emptyApp     = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"></Properties>`
	emptyCustom  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"></Properties>`
	emptyODFMeta = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"><office:meta/></office:document-meta>`
)

// cleanZip rewrites a DOCX or ODT file without its metadata.
func cleanZip(data []byte) ([]byte, string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "", err
	}
	typ := ""
	for _, f := range zr.File {
		switch f.Name {
		case "word/document.xml":
			typ = TypeDOCX
		case "mimetype":
			b, err := readZipFile(f)
			if err == nil && strings.TrimSpace(string(b)) == TypeODT {
				typ = TypeODT
			}
		}
	}
	if typ == "" {
		return nil, "", fmt.Errorf("not a DOCX or ODT file")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var total int64
	for _, f := range zr.File {
		b, err := readZipFile(f)
		if err != nil {
			return nil, "", err
		}
		if total += int64(len(b)); total > 10*MaxFileSize {
			return nil, "", fmt.Errorf("zip expands too far")
		}
		switch {
		case f.Name == "docProps/core.xml":
			b = []byte(emptyCore)
		case f.Name == "docProps/app.xml":
			b = []byte(emptyApp)
		case f.Name == "docProps/custom.xml":
			b = []byte(emptyCustom)
		case f.Name == "meta.xml" && typ == TypeODT:
			b = []byte(emptyODFMeta)
		case typ == TypeDOCX && strings.HasPrefix(f.Name, "word/") && path.Ext(f.Name) == ".xml":
			b = ooxmlAuthor.ReplaceAll(b, []byte(`$1=""`))
			b = ooxmlDate.ReplaceAll(b, nil) // optional; an empty one would be invalid
		case typ == TypeODT && path.Ext(f.Name) == ".xml":
			b = odfCreator.ReplaceAll(b, nil)
		}
		h := &zip.FileHeader{Name: f.Name, Method: f.Method}
		if f.Name == "mimetype" {
			h.Method = zip.Store // ODF requires it first and uncompressed
		}
		w, err := zw.CreateHeader(h) // no times, comments or extra fields
		if err != nil {
			return nil, "", err
		}
		if _, err := w.Write(b); err != nil {
			return nil, "", err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), typ, nil
}

func readZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 10*MaxFileSize))
}

// safeName keeps a file name short and printable.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 || r == '"' || r == '/' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if len(name) > 120 {
		name = name[len(name)-120:]
	}
	if name == "" || name == "." {
		name = "attachment"
	}
	return name
}

// SaveFile stores an attachment as the answer to a file question of a
// draft, after Clean. A refused file returns a ValidationError on the
// question's field and leaves the draft as it was.
func (s *Service) SaveFile(ctx context.Context, consultationID int64, token string, questionID int64, name string, data []byte) (FileInfo, error) {
	clean, typ, key := Clean(data)
	if key != "" {
		var v pallmall.ValidationError
		v.Add(fieldName(questionID), key)
		return FileInfo{}, &v
	}
	sum := sha256.Sum256(clean)
	info := FileInfo{Name: safeName(name), Type: typ, Size: int64(len(clean)), SHA256: hex.EncodeToString(sum[:])}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, r, err := s.editable(ctx, tx, consultationID, token, false)
		if err != nil {
			return err
		}
		qn, err := loadQuestionnaire(ctx, tx, consultationID)
		if err != nil {
			return err
		}
		q, ok := qn.Question(questionID)
		if !ok || q.Kind != File {
			return pallmall.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM consult_files WHERE response_id = $1 AND question_id = $2`, r.ID, q.ID); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO consult_files (response_id, question_id, name, content_type, size, sha256, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			r.ID, q.ID, info.Name, info.Type, info.Size, info.SHA256, clean, s.now()).Scan(&info.ID)
		if err != nil {
			return err
		}
		return putAnswer(ctx, tx, r.ID, q.ID, Answer{File: &info})
	})
	return info, err
}

// RemoveFile deletes the attachment answering a file question of a draft.
func (s *Service) RemoveFile(ctx context.Context, consultationID int64, token string, questionID int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, r, err := s.editable(ctx, tx, consultationID, token, false)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM consult_files WHERE response_id = $1 AND question_id = $2`, r.ID, questionID); err != nil {
			return err
		}
		return putAnswer(ctx, tx, r.ID, questionID, Answer{})
	})
}
