package consult

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The words metadata carries in the test files; none may survive cleaning.
var secrets = []string{"Jane Secret", "SecretCorp", "Producer", "Author", "Creator", "xmpmeta", "2024-01-02", "Exif", "tEXt", "Top secret title"}

const pageContent = "BT /F1 24 Tf 72 700 Td (Hello, world) Tj ET"

const xmp = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"><dc:creator>Jane Secret</dc:creator><pdf:Producer>SecretCorp Producer</pdf:Producer></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`

const info = `<< /Author (Jane Secret) /Creator (SecretCorp Writer) /Producer <536563726574436f7270> /Title (Top secret title) /CreationDate (D:20240102120000Z) >>`

func deflate(t testing.TB, b string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write([]byte(b))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// classicPDF is a PDF 1.4 file with an information dictionary, an
// uncompressed XMP stream on the catalogue and a compressed one on the
// page, and an incremental update that changes the title.
func classicPDF(t testing.TB) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := map[int]int{}
	obj := func(n int, body string) {
		offsets[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	stream := func(n int, dict, data string) {
		obj(n, fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
	}
	obj(1, "<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R /PieceInfo << /App << /Private (Jane Secret) >> >> >>")
	obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Metadata 8 0 R >>")
	stream(4, "/Filter /FlateDecode", deflate(t, pageContent))
	obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	stream(6, "/Type /Metadata /Subtype /XML", xmp)
	obj(7, info)
	stream(8, "/Type /Metadata /Subtype /XML /Filter /FlateDecode", deflate(t, xmp))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 9\n0000000000 65535 f \n")
	for n := 1; n <= 8; n++ {
		fmt.Fprintf(&b, "%010d 00000 n \n", offsets[n])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size 9 /Root 1 0 R /Info 7 0 R /ID [<0123456789abcdef> <0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n", xref)
	// Incremental update: a new information dictionary.
	off := b.Len()
	fmt.Fprintf(&b, "9 0 obj\n<< /Author (Jane Secret) /ModDate (D:20240102130000Z) >>\nendobj\n")
	xref2 := b.Len()
	fmt.Fprintf(&b, "xref\n9 1\n%010d 00000 n \ntrailer\n<< /Size 10 /Root 1 0 R /Info 9 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", off, xref, xref2)
	return b.Bytes()
}

// objectStreamPDF is a PDF 1.5 file whose catalogue, pages, font and
// information dictionary sit in a compressed object stream, with a
// compressed XMP stream and a cross-reference stream naming /Info.
func objectStreamPDF(t testing.TB) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	packed := []string{
		"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		info,
	}
	nums := []int{1, 2, 3, 5, 7}
	var head, body strings.Builder
	for i, p := range packed {
		fmt.Fprintf(&head, "%d %d ", nums[i], body.Len())
		body.WriteString(p + "\n")
	}
	data := deflate(t, head.String()+body.String())
	offsets := map[int]int{}
	stream := func(n int, dict, data string) {
		offsets[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n<< %s /Length %d >>\nstream\r\n%s\r\nendstream\nendobj\n", n, dict, len(data), data)
	}
	stream(8, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", len(packed), head.Len()), data)
	stream(4, "/Filter /FlateDecode", deflate(t, pageContent))
	stream(6, "/Type /Metadata /Subtype /XML /Filter /FlateDecode", deflate(t, xmp))
	// The cross-reference stream: type 1 entries for direct objects, type
	// 2 for packed ones, fields 1, 4 and 2 bytes wide.
	var x bytes.Buffer
	xrefAt := b.Len()
	offsets[9] = xrefAt
	for n := 0; n <= 9; n++ {
		var typ byte = 1
		var f2 uint32
		var f3 uint16
		switch {
		case n == 0:
			typ = 0
			f3 = 65535
		case offsets[n] != 0:
			f2 = uint32(offsets[n])
		default:
			typ, f2 = 2, 8
			for i, m := range nums {
				if m == n {
					f3 = uint16(i)
				}
			}
		}
		x.WriteByte(typ)
		binary.Write(&x, binary.BigEndian, f2)
		binary.Write(&x, binary.BigEndian, f3)
	}
	stream(9, "/Type /XRef /Size 10 /W [1 4 2] /Root 1 0 R /Info 7 0 R /ID [<00ff> <00ff>] /Filter /FlateDecode", deflate(t, x.String()))
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xrefAt)
	return b.Bytes()
}

// checkPDF reads a cleaned PDF back: its cross-reference table must point
// at its objects, the page must still show its text, and no metadata may
// remain, in the file or in any of its decompressed streams.
func checkPDF(t *testing.T, out []byte) {
	t.Helper()
	text := string(out)
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("cleaned PDF does not end with startxref: %q", text[max(0, len(text)-80):])
	}
	at, _ := strconv.Atoi(m[1])
	if !strings.HasPrefix(text[at:], "xref\n0 ") {
		t.Fatalf("startxref %d does not point at the cross-reference table", at)
	}
	lines := strings.Split(text[at:], "\n")
	for n, line := range lines[2:] {
		if !strings.HasSuffix(line, " n ") {
			if strings.HasPrefix(line, "trailer") {
				break
			}
			continue
		}
		off, _ := strconv.Atoi(line[:10])
		if want := fmt.Sprintf("%d 0 obj", n); !strings.HasPrefix(text[off:], want) {
			t.Errorf("xref entry %d points at %q, want %q", n, text[off:off+10], want)
		}
	}
	f, err := parsePDF(out)
	if err != nil {
		t.Fatalf("cleaned PDF cannot be read back: %v", err)
	}
	var streams []string
	var page string
	for _, o := range f.objects {
		if o.stream == nil {
			continue
		}
		d, err := decodeStream(o.value.(*pdfDict), o.stream)
		if err != nil {
			t.Fatalf("stream cannot be decoded: %v", err)
		}
		streams = append(streams, string(d))
		if string(d) == pageContent {
			page = string(d)
		}
	}
	if page == "" {
		t.Errorf("the page's content is lost; streams %q", streams)
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("cleaned PDF still contains %q", s)
		}
		for _, st := range streams {
			if strings.Contains(st, s) {
				t.Errorf("a stream of the cleaned PDF still contains %q", s)
			}
		}
	}
	cat := f.objects[1]
	if cat == nil || cat.value.(*pdfDict).get("Pages") != (pdfRef{2, 0}) {
		t.Errorf("catalogue = %+v, want object 1 with its pages", cat)
	}
}

func TestCleanPDF(t *testing.T) {
	for name, in := range map[string][]byte{"classic with an update": classicPDF(t), "object and xref streams": objectStreamPDF(t)} {
		t.Run(name, func(t *testing.T) {
			// The test files really carry the metadata.
			raw := string(in)
			if name == "classic with an update" && !strings.Contains(raw, "Jane Secret") {
				t.Fatal("test file lacks its metadata")
			}
			out, typ, key := Clean(in)
			if key != "" || typ != TypePDF {
				t.Fatalf("Clean = type %q, key %q; want a PDF", typ, key)
			}
			checkPDF(t, out)
			// Cleaning a cleaned file changes nothing.
			again, _, _ := Clean(out)
			if !bytes.Equal(again, out) {
				t.Errorf("cleaning twice gives a different file")
			}
		})
	}
}

func TestCleanPDFRefuses(t *testing.T) {
	enc := bytes.Replace(classicPDF(t), []byte("/Size 10 /Root 1 0 R"), []byte("/Size 10 /Root 1 0 R /Encrypt 7 0 R"), 1)
	lzw := bytes.Replace(objectStreamPDF(t), []byte("/Type /ObjStm /N 5"), []byte("/Type /ObjStm /DecodeParms << /Predictor 12 >> /N 5"), 1)
	for name, in := range map[string][]byte{
		"encrypted":                 enc,
		"object stream not plain":   lzw,
		"no objects":                []byte("%PDF-1.7\nAuthor (Jane Secret)\n%%EOF\n"),
		"no catalogue":              []byte("%PDF-1.7\n1 0 obj\n<< /Author (Jane Secret) >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
		"truncated object stream":   objectStreamPDF(t)[:200],
		"unbalanced dictionary":     []byte("%PDF-1.7\n1 0 obj\n<< /Pages << << >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"),
		"stream without endstream":  []byte("%PDF-1.7\n1 0 obj\n<< /Pages 2 0 R /Length 5 >>\nstream\nabc"),
		"deeply nested (arrays)":    []byte("%PDF-1.7\n1 0 obj\n<< /Pages " + strings.Repeat("[", 10000) + " >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"),
		"reference to missing root": []byte("%PDF-1.7\n1 0 obj\n<< /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 3 0 R >>\n"),
	} {
		if out, _, key := Clean(in); key != "consult.error.file_pdf" {
			t.Errorf("Clean(%s) = %d bytes, key %q; want consult.error.file_pdf", name, len(out), key)
		}
	}
}

func zipFile(t testing.TB, files [][2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCleanOfficeFiles(t *testing.T) {
	docx := zipFile(t, [][2]string{
		{"[Content_Types].xml", `<Types/>`},
		{"word/document.xml", `<w:document><w:ins w:author="Jane Secret" w:date="2024-01-02T00:00:00Z"><w:t>Hello</w:t></w:ins></w:document>`},
		{"word/comments.xml", `<w:comments><w:comment w:author="Jane Secret" w:initials="JS"><w:t>Note</w:t></w:comment></w:comments>`},
		{"docProps/core.xml", `<cp:coreProperties><dc:creator>Jane Secret</dc:creator><cp:lastModifiedBy>Jane Secret</cp:lastModifiedBy><dcterms:created>2024-01-02</dcterms:created><dc:title>Top secret title</dc:title></cp:coreProperties>`},
		{"docProps/app.xml", `<Properties><Company>SecretCorp</Company><Application>SecretCorp Producer</Application></Properties>`},
		{"docProps/custom.xml", `<Properties><property name="Author">Jane Secret</property></Properties>`},
	})
	odt := zipFile(t, [][2]string{
		{"mimetype", TypeODT},
		{"content.xml", `<office:document-content><text:p>Hello</text:p><office:annotation><dc:creator>Jane Secret</dc:creator><dc:date>2024-01-02</dc:date></office:annotation></office:document-content>`},
		{"meta.xml", `<office:document-meta><office:meta><meta:initial-creator>Jane Secret</meta:initial-creator><dc:creator>Jane Secret</dc:creator><meta:generator>SecretCorp Producer</meta:generator><dc:title>Top secret title</dc:title></office:meta></office:document-meta>`},
	})
	for _, tt := range []struct {
		name, typ string
		in        []byte
		keep      string
	}{{"docx", TypeDOCX, docx, "word/document.xml"}, {"odt", TypeODT, odt, "content.xml"}} {
		out, typ, key := Clean(tt.in)
		if key != "" || typ != tt.typ {
			t.Fatalf("Clean(%s) = type %q, key %q; want %s", tt.name, typ, key, tt.typ)
		}
		zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatalf("Clean(%s) is not a zip: %v", tt.name, err)
		}
		for _, f := range zr.File {
			b, err := readZipFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"Jane Secret", "SecretCorp", "Top secret title", "2024-01-02", "JS"} {
				if strings.Contains(string(b), s) {
					t.Errorf("%s: %s still contains %q", tt.name, f.Name, s)
				}
			}
			if f.Name == tt.keep && !strings.Contains(string(b), "Hello") {
				t.Errorf("%s: %s lost its text: %s", tt.name, f.Name, b)
			}
			if !f.Modified.IsZero() && f.Modified.Year() > 1980 {
				t.Errorf("%s: %s keeps a modification time %v", tt.name, f.Name, f.Modified)
			}
		}
		if tt.typ == TypeODT && (len(zr.File) == 0 || zr.File[0].Name != "mimetype" || zr.File[0].Method != zip.Store) {
			t.Errorf("odt: mimetype must come first, stored")
		}
	}
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(typ, data string) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ + data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE([]byte(typ+data)))
	return b.Bytes()
}

func TestCleanImages(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 10, 10, 255})
	}
	var p bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	// Text chunks after the header chunk (8-byte signature, 25-byte IHDR).
	raw := p.Bytes()
	var withText []byte
	withText = append(withText, raw[:33]...)
	withText = append(withText, pngChunk("tEXt", "Author\x00Jane Secret")...)
	withText = append(withText, pngChunk("iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00"+xmp)...)
	withText = append(withText, pngChunk("eXIf", "MM\x00*Jane Secret")...)
	withText = append(withText, raw[33:]...)

	var j bytes.Buffer
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	segment := func(marker byte, data string) []byte {
		b := []byte{0xff, marker, 0, 0}
		binary.BigEndian.PutUint16(b[2:], uint16(len(data)+2))
		return append(b, data...)
	}
	var withExif []byte
	withExif = append(withExif, j.Bytes()[:2]...) // SOI
	withExif = append(withExif, segment(0xe1, "Exif\x00\x00MM\x00*\x00\x00\x00\x08Jane Secret GPS 51.5N")...)
	withExif = append(withExif, segment(0xe1, "http://ns.adobe.com/xap/1.0/\x00"+xmp)...)
	withExif = append(withExif, segment(0xfe, "Jane Secret comment")...)
	withExif = append(withExif, j.Bytes()[2:]...)

	for _, tt := range []struct {
		name, typ string
		in        []byte
	}{{"png", TypePNG, withText}, {"jpeg", TypeJPEG, withExif}} {
		if !bytes.Contains(tt.in, []byte("Jane Secret")) {
			t.Fatalf("%s test file lacks its metadata", tt.name)
		}
		out, typ, key := Clean(tt.in)
		if key != "" || typ != tt.typ {
			t.Fatalf("Clean(%s) = type %q, key %q; want %s", tt.name, typ, key, tt.typ)
		}
		for _, s := range []string{"Jane Secret", "xmpmeta", "Exif", "tEXt", "iTXt", "eXIf", "GPS"} {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("cleaned %s still contains %q", tt.name, s)
			}
		}
		back, _, err := image.Decode(bytes.NewReader(out))
		if err != nil || back.Bounds() != img.Bounds() {
			t.Errorf("cleaned %s decodes to %v, %v; want an 8×8 image", tt.name, back, err)
		}
	}
}

// TestCleanPDFHostileWorkIsBounded feeds files built to make a naive
// parser quadratic: many objects that each fail only at the end of the
// file, and an object stream whose entries all point at one large object.
func TestCleanPDFHostileWorkIsBounded(t *testing.T) {
	unbalanced := []byte("%PDF-1.7\n" + strings.Repeat("1 0 obj (", 200000))
	var head strings.Builder
	for i := 0; i < 50000; i++ {
		fmt.Fprintf(&head, "%d 0 ", i+1)
	}
	big := "[" + strings.Repeat("0 ", 100000) + "]"
	packed := deflate(t, head.String()+big)
	repeated := []byte(fmt.Sprintf("%%PDF-1.7\n9 0 obj\n<< /Type /ObjStm /N 50000 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n", head.Len(), len(packed), packed))
	for name, in := range map[string][]byte{"failing objects": unbalanced, "repeated entries": repeated} {
		start := time.Now()
		if _, _, key := Clean(in); key != "consult.error.file_pdf" {
			t.Errorf("Clean(%s) key = %q, want consult.error.file_pdf", name, key)
		}
		// Generous: the naive cost is hours; the bounded one well under a second.
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("Clean(%s) took %v", name, d)
		}
	}
}
