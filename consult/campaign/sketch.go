package campaign

import (
	"crypto/sha256"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SketchSize is the number of MinHash bins in a Sketch.
const SketchSize = 64

// Bands and rows of the locality-sensitive hashing: Bands × rows =
// SketchSize. Thirty-two bands of two rows make texts with a similarity of
// 0.4 share some band with probability 1-(1-0.4²)^32 > 0.99; every meeting
// is then checked against the threshold on the whole sketch.
const (
	NumBands = 32
	rows     = SketchSize / NumBands
)

// Sketch is the MinHash signature of a normalised text's words and pairs
// of adjacent words. It is deterministic: the same text gives the same
// sketch in every process, on every machine and in every version that
// keeps SketchVersion, so sketches can be stored and compared later.
type Sketch [SketchSize]uint64

// SketchVersion names the sketching method. Stored sketches made with
// another version must be recomputed before they are compared.
const SketchVersion = 1

// emptyBin marks a bin no shingle fell into; a sketch made only of empty
// bins is the sketch of an empty text.
const emptyBin = ^uint64(0)

// NewSketch returns the sketch of text after Normalise.
func NewSketch(text string) Sketch {
	var buf []byte
	buf = appendNormal(buf, text)
	return sketchOf(buf)
}

// IsEmpty reports whether s is the sketch of a text with no words.
func (s Sketch) IsEmpty() bool {
	return s[0] == emptyBin && s[SketchSize-1] == emptyBin
}

// Similarity estimates the Jaccard similarity of the two texts' sets of
// words and pairs of adjacent words: the fraction of bins on which the
// sketches agree. It is 0 when either text is empty.
func (s Sketch) Similarity(t Sketch) float64 {
	if s.IsEmpty() || t.IsEmpty() {
		return 0
	}
	return float64(agreement(&s, &t)) / SketchSize
}

// Bands returns the locality-sensitive hashing keys of the sketch, one per
// band (NumBands of them; none for an empty text). Each key also encodes
// its band number, so keys of different bands never collide by design and
// can be stored in one indexed column. Two texts are candidates when they
// share at least one key; they are near-duplicates when, in addition,
// their Similarity is at least Options.Threshold.
func (s Sketch) Bands() []uint64 {
	if s.IsEmpty() {
		return nil
	}
	keys := bandKeys(&s)
	return keys[:]
}

func bandKeys(s *Sketch) (keys [NumBands]uint64) {
	for b := range keys {
		keys[b] = bandKey(s, b)
	}
	return keys
}

// Digest returns the SHA-256 of the normalised text: texts with the same
// digest are exact duplicates once case, accents' encoding, spacing and
// punctuation are set aside.
func Digest(text string) [32]byte {
	return sha256.Sum256(appendNormal(nil, text))
}

// Normalise folds a text to the form compared: Unicode NFKC, lower case,
// letters and digits kept (with their accents, so French stays French),
// everything else a single space, no leading or trailing space.
func Normalise(s string) string {
	return string(appendNormal(nil, s))
}

// appendNormal appends the normalised form of s to dst, without
// allocating for text made of ASCII and of the Latin letters and
// punctuation that NFKC leaves alone (most English and French).
func appendNormal(dst []byte, s string) []byte {
	// The fast path never writes more bytes than it reads, so the output
	// is written in place, without a capacity check per byte.
	start := len(dst)
	out := slices.Grow(dst, len(s))[:start+len(s)]
	w := start
	space := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if f := asciiFold[c]; f != 0 {
				out[w] = f
				w++
				space = false
			} else if !space {
				out[w] = ' '
				w++
				space = true
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch f := stableFold(r); {
		case f > 0:
			w += utf8.EncodeRune(out[w:], f)
			space = false
		case f < 0:
			if !space {
				out[w] = ' '
				w++
				space = true
			}
		default:
			// A character NFKC may change or combine: start again the
			// general way.
			return appendNormalNFKC(dst[:start], s)
		}
	}
	if w > start && out[w-1] == ' ' {
		w--
	}
	return out[:w]
}

// appendNormalNFKC is appendNormal for any text: NFKC first (from the
// character before the first non-ASCII one, as ASCII characters never
// combine with what precedes them), then the fold.
func appendNormalNFKC(dst []byte, s string) []byte {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i < len(s) {
		from := max(i-1, 0)
		if norm.NFKC.QuickSpanString(s[from:]) != len(s)-from {
			s = norm.NFKC.String(s)
		}
	}
	start := len(dst)
	space := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if f := asciiFold[c]; f != 0 {
				dst = append(dst, f)
				space = false
			} else if !space {
				dst = append(dst, ' ')
				space = true
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
			space = false
		} else if !space {
			dst = append(dst, ' ')
			space = true
		}
	}
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// stableFold returns, for a character of the Latin blocks (U+0080 to
// U+024F) or of General Punctuation (U+2000 to U+206F) that NFKC leaves
// alone and that cannot combine with the character before it, its lower
// case if it is a letter or digit, or -1 if it is a separator. It returns
// 0 for any other character, which needs the general path.
func stableFold(r rune) rune {
	switch {
	case r < 0x250:
		return latinFold[r-utf8.RuneSelf]
	case 0x2000 <= r && r < 0x2070:
		return punctFold[r-0x2000]
	}
	return 0
}

var latinFold, punctFold = foldTable(utf8.RuneSelf, 0x250), foldTable(0x2000, 0x2070)

func foldTable(lo, hi rune) []rune {
	t := make([]rune, hi-lo)
	for r := lo; r < hi; r++ {
		s := string(r)
		p := norm.NFKC.PropertiesString(s)
		if !p.BoundaryBefore() {
			continue // may combine with the character before
		}
		switch n := norm.NFKC.String(s); {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// The fast path writes in place: the lower case must not be
			// longer than the character.
			if l := unicode.ToLower(r); n == s && utf8.RuneLen(l) <= len(s) {
				t[r-lo] = l
			}
		case !strings.ContainsFunc(n, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }):
			t[r-lo] = -1 // a separator before and after NFKC
		}
	}
	return t
}

// asciiFold maps an ASCII letter or digit to its lower case, anything else
// to 0.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range byte(utf8.RuneSelf) {
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			t[c] = c
		case 'A' <= c && c <= 'Z':
			t[c] = c + ('a' - 'A')
		}
	}
	return t
}()

// sketchOf computes the sketch of a normalised text by one-permutation
// hashing: each shingle (a word, or a pair of adjacent words) is hashed
// once with a fixed-seed hash, the hash's top six bits choose one of 64
// bins, and each bin keeps its smallest value. Bins left empty by a short
// text borrow the value of the next filled bin, offset by the distance,
// so that two texts still agree on a bin with probability equal to their
// similarity (Shrivastava and Li's densification by rotation). It costs
// one hash per shingle, not 64.
func sketchOf(text []byte) Sketch {
	var sig Sketch
	for i := range sig {
		sig[i] = emptyBin
	}
	add := func(x uint64) {
		x = mix(x)
		bin, v := x>>58, x<<6
		if v < sig[bin] {
			sig[bin] = v
		}
	}
	var prev uint64
	first := true
	for i := 0; i < len(text); {
		j := i
		for j < len(text) && text[j] != ' ' {
			j++
		}
		h := wordHash(text[i:j])
		add(h)
		if !first {
			add(prev*0x9E3779B97F4A7C15 ^ h ^ 0x5851F42D4C957F2D)
		}
		prev, first = h, false
		i = j + 1
	}
	if first {
		return sig
	}
	for i := range sig {
		if sig[i] != emptyBin {
			continue
		}
		for d := 1; d < SketchSize; d++ {
			if v := sig[(i+d)%SketchSize]; v != emptyBin {
				sig[i] = v + uint64(d)*0x9E3779B97F4A7C15
				break
			}
		}
	}
	return sig
}

// wordHash is FNV-1a over the word's bytes, finished by mix. It is fixed
// (no per-process seed) because sketches are stored.
func wordHash(w []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range w {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return mix(h)
}

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

func bandKey(sig *Sketch, band int) uint64 {
	k := uint64(band+1) * 0x9E3779B97F4A7C15
	for r := range rows {
		k = mix(k ^ sig[band*rows+r])
	}
	return k
}

// agreeAtLeast reports whether two sketches agree on at least need bins,
// stopping as soon as the answer is known.
func agreeAtLeast(a, b *Sketch, need int) bool {
	miss := SketchSize - need // mismatches allowed
	for i := range a {
		if a[i] != b[i] {
			if miss--; miss < 0 {
				return false
			}
		}
	}
	return true
}

// agreement counts the bins two sketches share; divided by SketchSize it
// estimates their Jaccard similarity.
func agreement(a, b *Sketch) int {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return n
}
