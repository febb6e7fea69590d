package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrUnsupportedJSON is returned by Canonicalize for JSON that is valid but
// outside the subset the log accepts: floats, integers beyond ±(2^53-1),
// null, duplicate object keys, or nesting deeper than maxJSONDepth.
var ErrUnsupportedJSON = errors.New("unsupported json")

const (
	maxJSONDepth = 32
	maxSafeInt   = 1<<53 - 1
)

// Canonicalize returns the canonical form of the JSON document data, or an
// error if data is not valid JSON or uses anything outside the supported
// subset (objects, arrays, strings, integers and booleans).
//
// The canonical form follows RFC 8785 (JSON Canonicalization Scheme) for that
// subset: no insignificant whitespace; object members sorted by the UTF-16
// code units of their names; strings written as UTF-8 with only '"', '\\' and
// control characters escaped (\b, \t, \n, \f, \r, otherwise \u00xx in lower
// case hex); integers in shortest decimal form. Because floats are rejected,
// the subset never meets the part of JCS that is hard to get right (ECMAScript
// number formatting).
//
// Input must be valid UTF-8, and strings must not contain U+FFFD: Go's
// decoder silently maps invalid escapes such as lone surrogates ("\ud800")
// to U+FFFD, so accepting it would let two different inputs share one
// canonical form.
func Canonicalize(data []byte) ([]byte, error) {
	v, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	writeJSON(&buf, v)
	return buf.Bytes(), nil
}

// MarshalCanonical encodes v with encoding/json and returns its canonical
// form. v must not contain floats or nil values that encode as null.
func MarshalCanonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal canonical json: %w", err)
	}
	return Canonicalize(b)
}

// jsonObject is a decoded JSON object. Values in the tree are string, int64,
// bool, []any or jsonObject.
type jsonObject map[string]any

func parseJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("canonical json: input is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("canonical json: trailing data after the top-level value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d", ErrUnsupportedJSON, maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := jsonObject{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				if err := checkString(k); err != nil {
					return nil, err
				}
				if _, dup := obj[k]; dup {
					return nil, fmt.Errorf("%w: duplicate key %q", ErrUnsupportedJSON, k)
				}
				v, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				obj[k] = v
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return obj, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return arr, nil
		default:
			return nil, fmt.Errorf("unexpected %v", t)
		}
	case string:
		if err := checkString(t); err != nil {
			return nil, err
		}
		return t, nil
	case json.Number:
		if strings.ContainsAny(string(t), ".eE") {
			return nil, fmt.Errorf("%w: number %s is not an integer", ErrUnsupportedJSON, t)
		}
		n, err := strconv.ParseInt(string(t), 10, 64)
		if err != nil || n > maxSafeInt || n < -maxSafeInt {
			return nil, fmt.Errorf("%w: integer %s is outside ±(2^53-1)", ErrUnsupportedJSON, t)
		}
		return n, nil
	case bool:
		return t, nil
	case nil:
		return nil, fmt.Errorf("%w: null", ErrUnsupportedJSON)
	default:
		return nil, fmt.Errorf("unexpected token %v", t)
	}
}

func checkString(s string) error {
	if strings.ContainsRune(s, utf8.RuneError) {
		return fmt.Errorf("%w: string contains U+FFFD (invalid escape or encoding)", ErrUnsupportedJSON)
	}
	return nil
}

func writeJSON(buf *bytes.Buffer, v any) {
	switch t := v.(type) {
	case jsonObject:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			writeJSON(buf, t[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, e)
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, t)
	case int64:
		buf.WriteString(strconv.FormatInt(t, 10))
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	default:
		panic(fmt.Sprintf("ledger: unexpected json value %T", v))
	}
}

// compareUTF16 orders strings by their UTF-16 code units, as RFC 8785
// requires. It differs from byte order only for characters above U+FFFF
// compared with characters in U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func writeString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case c == '\b':
			buf.WriteString(`\b`)
		case c == '\t':
			buf.WriteString(`\t`)
		case c == '\n':
			buf.WriteString(`\n`)
		case c == '\f':
			buf.WriteString(`\f`)
		case c == '\r':
			buf.WriteString(`\r`)
		case c < 0x20:
			buf.WriteString(`\u00`)
			buf.WriteByte(hex[c>>4])
			buf.WriteByte(hex[c&0xf])
		default:
			buf.WriteByte(c)
		}
	}
	buf.WriteByte('"')
}
