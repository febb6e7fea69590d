package consult

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

// FuzzClean feeds uploaded files of every kind, damaged, to the cleaner:
// it must never panic, must accept or refuse with a message key (never
// both), and what it accepts must be accepted again with the same type.
func FuzzClean(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var p, j bytes.Buffer
	png.Encode(&p, img)
	jpeg.Encode(&j, img, nil)
	f.Add(classicPDF(f))
	f.Add(objectStreamPDF(f))
	f.Add(p.Bytes())
	f.Add(j.Bytes())
	f.Add(zipFile(f, [][2]string{{"[Content_Types].xml", `<Types/>`}, {"word/document.xml", `<w:document><w:t>Hello</w:t></w:document>`}, {"docProps/core.xml", `<cp:coreProperties><dc:creator>X</dc:creator></cp:coreProperties>`}}))
	f.Add(zipFile(f, [][2]string{{"mimetype", TypeODT}, {"content.xml", `<office:document-content/>`}, {"meta.xml", `<office:document-meta/>`}}))
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, typ, key := Clean(data)
		if (key == "") == (typ == "") {
			t.Fatalf("Clean = type %q, key %q; want exactly one", typ, key)
		}
		if key != "" {
			return
		}
		if len(out) == 0 || len(out) > MaxFileSize {
			t.Fatalf("Clean accepted %d bytes as %d bytes", len(data), len(out))
		}
		if _, typ2, key2 := Clean(out); typ2 != typ {
			t.Fatalf("cleaning the cleaned %s gives type %q, key %q", typ, typ2, key2)
		}
	})
}

// FuzzNormalise decodes answers as the forms and the API send them, for
// every kind of question: no panic, and a valid answer normalises to
// itself (so what is stored is what was checked).
func FuzzNormalise(f *testing.F) {
	f.Add("likert", "An answer", "1\x002\x00other", "Something else")
	f.Add("ranking", "", "3\x001\x002", "")
	f.Add("short_text", "line\none\x00", "", "")
	f.Add("multiple", "", "1\x00other\x001", "\u202eevil")
	opts := []Option{{EN: "A", FR: "A"}, {EN: "B", FR: "B"}, {EN: "C", FR: "C"}}
	f.Fuzz(func(t *testing.T, kind, text, choices, other string) {
		q := Question{Kind: Kind(kind), Options: opts, AllowOther: true, MaxChars: 50}
		var cs []string
		if choices != "" {
			cs = bytes2strings(choices)
		}
		a, key := q.Normalise(Answer{Text: text, Choices: cs, Other: other})
		if key != "" {
			return
		}
		again, key := q.Normalise(a)
		if key != "" || again.Text != a.Text || again.Other != a.Other || len(again.Choices) != len(a.Choices) {
			t.Fatalf("Normalise(Normalise(x)) = %+v, %q; want %+v", again, key, a)
		}
	})
}

func bytes2strings(s string) []string {
	var out []string
	for _, p := range bytes.Split([]byte(s), []byte{0}) {
		out = append(out, string(p))
	}
	return out
}
