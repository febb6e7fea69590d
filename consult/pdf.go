package consult

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
)

// PDF cleaning: the file is read object by object (objects packed in
// compressed object streams included), and written again with only the
// objects reachable from the document catalogue. That drops the document
// information dictionary (author, creator, producer, dates...), which only
// the trailer or the cross-reference stream points at, together with the
// cross-reference and object streams themselves, the file identifier, and
// the leftovers of earlier revisions. XMP metadata streams (/Type
// /Metadata) are dropped and every /Metadata and /PieceInfo entry removed.
// A file that cannot be read this way is refused rather than kept with
// its metadata.

var errPDF = errors.New("pdf cannot be read")

// pdfDict is a dictionary with its keys in file order.
type pdfDict struct {
	keys []string // names without the slash
	vals []any
}

func (d *pdfDict) get(k string) any {
	for i, key := range d.keys {
		if key == k {
			return d.vals[i]
		}
	}
	return nil
}

func (d *pdfDict) set(k string, v any) {
	for i, key := range d.keys {
		if key == k {
			d.vals[i] = v
			return
		}
	}
	d.keys, d.vals = append(d.keys, k), append(d.vals, v)
}

func (d *pdfDict) del(k string) {
	for i, key := range d.keys {
		if key == k {
			d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
			d.vals = append(d.vals[:i:i], d.vals[i+1:]...)
			return
		}
	}
}

type (
	pdfArray []any
	pdfName  string // without the slash
	pdfRef   struct{ num, gen int }
	pdfAtom  []byte // a number, string, boolean, null or other keyword, as written
)

// pdfObject is one indirect object, with its stream's data as stored
// (still encoded) when it has one.
type pdfObject struct {
	at     int // where it was defined: a later definition replaces an earlier one
	gen    int
	value  any
	stream []byte
}

type pdfParser struct {
	b   []byte
	pos int
}

func isPDFSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isPDFDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (p *pdfParser) skipSpace() {
	for p.pos < len(p.b) {
		switch c := p.b[p.pos]; {
		case isPDFSpace(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// regular reads a run of regular characters (a number or a keyword).
func (p *pdfParser) regular() []byte {
	start := p.pos
	for p.pos < len(p.b) && !isPDFSpace(p.b[p.pos]) && !isPDFDelim(p.b[p.pos]) {
		p.pos++
	}
	return p.b[start:p.pos]
}

func isInt(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// value parses one value; depth bounds nesting.
func (p *pdfParser) value(depth int) (any, error) {
	if depth > 64 {
		return nil, errPDF
	}
	p.skipSpace()
	if p.pos >= len(p.b) {
		return nil, errPDF
	}
	switch c := p.b[p.pos]; {
	case c == '/':
		p.pos++
		return pdfName(p.regular()), nil
	case c == '(':
		start, level := p.pos, 0
		for ; p.pos < len(p.b); p.pos++ {
			switch p.b[p.pos] {
			case '\\':
				p.pos++
			case '(':
				level++
			case ')':
				level--
				if level == 0 {
					p.pos++
					return pdfAtom(p.b[start:p.pos]), nil
				}
			}
		}
		return nil, errPDF
	case c == '<' && p.pos+1 < len(p.b) && p.b[p.pos+1] == '<':
		p.pos += 2
		d := &pdfDict{}
		for {
			p.skipSpace()
			if p.pos+1 < len(p.b) && p.b[p.pos] == '>' && p.b[p.pos+1] == '>' {
				p.pos += 2
				return d, nil
			}
			k, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			name, ok := k.(pdfName)
			if !ok {
				return nil, errPDF
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d.keys, d.vals = append(d.keys, string(name)), append(d.vals, v)
		}
	case c == '<':
		end := bytes.IndexByte(p.b[p.pos:], '>')
		if end < 0 {
			return nil, errPDF
		}
		v := pdfAtom(p.b[p.pos : p.pos+end+1])
		p.pos += end + 1
		return v, nil
	case c == '[':
		p.pos++
		var a pdfArray
		for {
			p.skipSpace()
			if p.pos < len(p.b) && p.b[p.pos] == ']' {
				p.pos++
				return a, nil
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case isPDFDelim(c):
		return nil, errPDF
	}
	tok := p.regular()
	if isInt(tok) {
		// Perhaps "num gen R".
		save := p.pos
		p.skipSpace()
		gen := p.regular()
		p.skipSpace()
		if isInt(gen) && p.pos < len(p.b) && p.b[p.pos] == 'R' && (p.pos+1 == len(p.b) || isPDFSpace(p.b[p.pos+1]) || isPDFDelim(p.b[p.pos+1])) {
			p.pos++
			n, err1 := strconv.Atoi(string(tok))
			g, err2 := strconv.Atoi(string(gen))
			if err1 != nil || err2 != nil {
				return nil, errPDF
			}
			return pdfRef{n, g}, nil
		}
		p.pos = save
	}
	if len(tok) == 0 {
		return nil, errPDF
	}
	return pdfAtom(tok), nil
}

// Bounds on the work a PDF may ask for: objects that fail to parse, and
// bytes decompressed and parsed from object streams in all.
const (
	maxPDFFailures = 64
	maxPDFUnpacked = 2 * MaxFileSize
)

var pdfObjStart = regexp.MustCompile(`(\d+)[\x00\t\n\f\r ]+(\d+)[\x00\t\n\f\r ]+obj\b`)

// pdfFile is a parsed PDF: its objects by number (later definitions win,
// as in an incremental update) and its trailer dictionaries in file order.
type pdfFile struct {
	version  string
	objects  map[int]*pdfObject
	trailers []*pdfDict
	// unpacked counts the bytes decompressed from object streams and
	// parsed in them, bounded so a small hostile file cannot make the
	// cleaner work or allocate without end.
	unpacked int
}

func parsePDF(data []byte) (*pdfFile, error) {
	f := &pdfFile{version: "1.7", objects: map[int]*pdfObject{}}
	if m := regexp.MustCompile(`^%PDF-(\d\.\d)`).FindSubmatch(data); m != nil {
		f.version = string(m[1])
	}
	var objStreams []*pdfObject
	pos, trailer, failures := 0, -1, 0
	for pos < len(data) {
		loc := pdfObjStart.FindSubmatchIndex(data[pos:])
		if trailer < pos && trailer != len(data) {
			if i := bytes.Index(data[pos:], []byte("trailer")); i >= 0 {
				trailer = pos + i
			} else {
				trailer = len(data) // none left
			}
		}
		if tr := trailer - pos; trailer < len(data) && (loc == nil || tr < loc[0]) {
			p := &pdfParser{b: data, pos: trailer + len("trailer")}
			if v, err := p.value(0); err == nil {
				if d, ok := v.(*pdfDict); ok {
					f.trailers = append(f.trailers, d)
				}
				pos = p.pos
			} else {
				pos += tr + 1
			}
			continue
		}
		if loc == nil {
			break
		}
		num, _ := strconv.Atoi(string(data[pos+loc[2] : pos+loc[3]]))
		gen, _ := strconv.Atoi(string(data[pos+loc[4] : pos+loc[5]]))
		p := &pdfParser{b: data, pos: pos + loc[1]}
		obj, err := p.object(f, gen)
		if err != nil {
			// A failed object may have been read to the end of the file:
			// allow few, so parsing stays linear in the file's size.
			if failures++; failures > maxPDFFailures {
				return nil, errPDF
			}
			pos += loc[0] + 1
			continue
		}
		obj.at = pos + loc[0]
		pos = p.pos
		d, _ := obj.value.(*pdfDict)
		switch {
		case d != nil && d.get("Type") == pdfName("XRef"):
			f.trailers = append(f.trailers, d)
		case d != nil && d.get("Type") == pdfName("ObjStm"):
			objStreams = append(objStreams, obj)
			f.objects[num] = obj
		default:
			f.objects[num] = obj
		}
	}
	// Unpack object streams: their objects count as defined where the
	// stream is.
	for _, os := range objStreams {
		if err := f.unpack(os); err != nil {
			return nil, err
		}
	}
	if len(f.objects) == 0 || len(f.trailers) == 0 {
		return nil, errPDF
	}
	return f, nil
}

// object parses an indirect object's value and stream, after "obj".
func (p *pdfParser) object(f *pdfFile, gen int) (*pdfObject, error) {
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	obj := &pdfObject{gen: gen, value: v}
	p.skipSpace()
	if bytes.HasPrefix(p.b[p.pos:], []byte("stream")) {
		d, ok := v.(*pdfDict)
		if !ok {
			return nil, errPDF
		}
		start := p.pos + len("stream")
		if bytes.HasPrefix(p.b[start:], []byte("\r\n")) {
			start += 2
		} else if start < len(p.b) && (p.b[start] == '\n' || p.b[start] == '\r') {
			start++
		}
		end := -1
		if n, ok := f.integer(d.get("Length")); ok && n >= 0 && start+n <= len(p.b) {
			rest := p.b[start+n:]
			trimmed := bytes.TrimLeft(rest, "\r\n \t\x00")
			if bytes.HasPrefix(trimmed, []byte("endstream")) {
				end = start + n
				p.pos = start + n + (len(rest) - len(trimmed)) + len("endstream")
			}
		}
		if end < 0 {
			i := bytes.Index(p.b[start:], []byte("endstream"))
			if i < 0 {
				return nil, errPDF
			}
			end = start + i
			p.pos = end + len("endstream")
			end = start + len(bytes.TrimRight(p.b[start:end], "\r\n"))
		}
		obj.stream = p.b[start:end]
	}
	p.skipSpace()
	if !bytes.HasPrefix(p.b[p.pos:], []byte("endobj")) {
		return nil, errPDF
	}
	p.pos += len("endobj")
	return obj, nil
}

// integer returns v as an integer, following a reference to an object
// already read.
func (f *pdfFile) integer(v any) (int, bool) {
	if r, ok := v.(pdfRef); ok {
		o := f.objects[r.num]
		if o == nil {
			return 0, false
		}
		v = o.value
	}
	a, ok := v.(pdfAtom)
	if !ok || !isInt(a) {
		return 0, false
	}
	n, err := strconv.Atoi(string(a))
	return n, err == nil
}

// decode returns a stream's data decoded; only FlateDecode without
// parameters, or no filter, is read.
func decodeStream(d *pdfDict, data []byte) ([]byte, error) {
	filter := d.get("Filter")
	if a, ok := filter.(pdfArray); ok && len(a) == 1 {
		filter = a[0]
	}
	switch filter {
	case nil:
		return data, nil
	case pdfName("FlateDecode"):
		if d.get("DecodeParms") != nil {
			return nil, errPDF
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, errPDF
		}
		out, err := io.ReadAll(io.LimitReader(zr, 10*MaxFileSize+1))
		if err != nil || len(out) > 10*MaxFileSize {
			return nil, errPDF
		}
		return out, nil
	}
	return nil, errPDF
}

// unpack adds the objects packed in an object stream.
func (f *pdfFile) unpack(os *pdfObject) error {
	d := os.value.(*pdfDict)
	data, err := decodeStream(d, os.stream)
	if err != nil {
		return err
	}
	if f.unpacked += len(data); f.unpacked > maxPDFUnpacked {
		return errPDF
	}
	parsed := 0
	n, ok1 := f.integer(d.get("N"))
	first, ok2 := f.integer(d.get("First"))
	if !ok1 || !ok2 || first > len(data) || n > len(data) {
		return errPDF
	}
	head := &pdfParser{b: data[:first]}
	for i := 0; i < n; i++ {
		a, err1 := head.value(0)
		b, err2 := head.value(0)
		num, ok1 := f.integer(a)
		off, ok2 := f.integer(b)
		if err1 != nil || err2 != nil || !ok1 || !ok2 || first+off > len(data) {
			return errPDF
		}
		p := &pdfParser{b: data, pos: first + off}
		v, err := p.value(0)
		if err != nil {
			return err
		}
		// Objects do not overlap, so a stream is parsed at most once over:
		// entries pointing at the same bytes would be parsed again each time.
		if parsed += p.pos - (first + off); parsed > len(data) {
			return errPDF
		}
		if old := f.objects[num]; old == nil || old.at < os.at {
			f.objects[num] = &pdfObject{at: os.at, value: v}
		}
	}
	return nil
}

// strip removes metadata entries from v, in place, and returns it.
func strip(v any) any {
	switch v := v.(type) {
	case *pdfDict:
		v.del("Metadata")
		v.del("PieceInfo")
		for i := range v.vals {
			v.vals[i] = strip(v.vals[i])
		}
	case pdfArray:
		for i := range v {
			v[i] = strip(v[i])
		}
	}
	return v
}

func refs(v any, into func(pdfRef)) {
	switch v := v.(type) {
	case pdfRef:
		into(v)
	case *pdfDict:
		for _, x := range v.vals {
			refs(x, into)
		}
	case pdfArray:
		for _, x := range v {
			refs(x, into)
		}
	}
}

func writeValue(w *bytes.Buffer, v any) {
	switch v := v.(type) {
	case *pdfDict:
		w.WriteString("<<")
		for i, k := range v.keys {
			w.WriteString("/" + k + " ")
			writeValue(w, v.vals[i])
			w.WriteByte(' ')
		}
		w.WriteString(">>")
	case pdfArray:
		w.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				w.WriteByte(' ')
			}
			writeValue(w, x)
		}
		w.WriteByte(']')
	case pdfName:
		w.WriteString("/" + string(v))
	case pdfRef:
		fmt.Fprintf(w, "%d %d R", v.num, v.gen)
	case pdfAtom:
		w.Write(v)
	default:
		w.WriteString("null")
	}
}

// cleanPDF rewrites a PDF with only what its pages need: see the comment
// at the top of this file. It returns errPDF for an encrypted file or one
// it cannot read.
func cleanPDF(data []byte) ([]byte, error) {
	f, err := parsePDF(data)
	if err != nil {
		return nil, err
	}
	var root pdfRef
	for _, t := range f.trailers {
		if t.get("Encrypt") != nil {
			return nil, errPDF
		}
		if r, ok := t.get("Root").(pdfRef); ok {
			root = r // the last trailer is the newest
		}
	}
	if cat := f.objects[root.num]; cat == nil {
		return nil, errPDF
	} else if d, ok := cat.value.(*pdfDict); !ok || d.get("Pages") == nil {
		return nil, errPDF
	}
	// Keep what the catalogue reaches, once metadata entries are gone.
	keep := map[int]bool{}
	queue := []int{root.num}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		o := f.objects[n]
		if keep[n] || o == nil {
			continue
		}
		if d, ok := o.value.(*pdfDict); ok && d.get("Type") == pdfName("Metadata") {
			continue
		}
		keep[n] = true
		o.value = strip(o.value)
		refs(o.value, func(r pdfRef) { queue = append(queue, r.num) })
	}
	nums := make([]int, 0, len(keep))
	for n := range keep {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var w bytes.Buffer
	w.WriteString("%PDF-" + f.version + "\n%\xe2\xe3\xcf\xd3\n")
	offsets := map[int]int{}
	for _, n := range nums {
		o := f.objects[n]
		offsets[n] = w.Len()
		fmt.Fprintf(&w, "%d %d obj\n", n, o.gen)
		if o.stream != nil {
			o.value.(*pdfDict).set("Length", pdfAtom(strconv.Itoa(len(o.stream))))
		}
		writeValue(&w, o.value)
		if o.stream != nil {
			w.WriteString("\nstream\r\n")
			w.Write(o.stream)
			w.WriteString("\nendstream")
		}
		w.WriteString("\nendobj\n")
	}
	size := nums[len(nums)-1] + 1
	xref := w.Len()
	fmt.Fprintf(&w, "xref\n0 %d\n", size)
	// Free entries form a list: each names the next free number.
	nextFree := func(after int) int {
		for n := after + 1; n < size; n++ {
			if !keep[n] {
				return n
			}
		}
		return 0
	}
	for n := 0; n < size; n++ {
		switch {
		case n == 0:
			fmt.Fprintf(&w, "%010d 65535 f \n", nextFree(0))
		case keep[n]:
			fmt.Fprintf(&w, "%010d %05d n \n", offsets[n], f.objects[n].gen)
		default:
			fmt.Fprintf(&w, "%010d 00001 f \n", nextFree(n))
		}
	}
	fmt.Fprintf(&w, "trailer\n<</Size %d /Root %d %d R>>\nstartxref\n%d\n%%%%EOF\n", size, root.num, root.gen, xref)
	return w.Bytes(), nil
}
