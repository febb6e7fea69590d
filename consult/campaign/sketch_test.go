package campaign

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TestSketchIsStable pins sketch, band and digest values: they are stored
// by the platform and compared across processes and versions, so any
// change here must come with a new SketchVersion and a recomputation.
func TestSketchIsStable(t *testing.T) {
	const text = "Les États doivent publier chaque licence d’exportation."
	s := NewSketch(text)
	if got := fmt.Sprintf("%#x %#x %#x", s[0], s[17], s[63]); got != "0x200328a7abd37e2a 0xbe31d83f5f9dd629 0x33e60e540b78d5c0" {
		t.Errorf("NewSketch(%q) bins 0, 17, 63 = %s", text, got)
	}
	if got := fmt.Sprintf("%#x", s.Bands()[5]); got != "0x3dd7874a724b3951" {
		t.Errorf("band 5 = %s", got)
	}
	if d := Digest(text); fmt.Sprintf("%x", d[:8]) != "576ab278c1b813a5" || d != sha256.Sum256([]byte("les états doivent publier chaque licence d exportation")) {
		t.Errorf("Digest(%q) = %x", text, d)
	}
	if NewSketch(text) != NewSketch("LES ÉTATS   doivent publier chaque licence d'exportation !") {
		t.Error("case, spacing and punctuation change the sketch")
	}
}

func TestSketchSimilarity(t *testing.T) {
	a := NewSketch("states must license every export of intrusion software and publish the decisions in full every year")
	b := NewSketch("states should license each export of intrusion software and publish the decisions in full every year")
	c := NewSketch("journalists and defenders were targeted by spyware without any judicial authorisation or remedy at all")
	empty := NewSketch(" ... ")
	if got := a.Similarity(a); got != 1 {
		t.Errorf("a.Similarity(a) = %v, want 1", got)
	}
	if got := a.Similarity(b); got < 0.4 || got > 0.95 {
		t.Errorf("similarity of a near-duplicate = %v, want between 0.4 and 0.95", got)
	}
	if got := a.Similarity(c); got > 0.2 {
		t.Errorf("similarity of unrelated texts = %v, want under 0.2", got)
	}
	if !empty.IsEmpty() || empty.Similarity(empty) != 0 || a.Similarity(empty) != 0 || empty.Bands() != nil {
		t.Error("an empty text's sketch must match nothing and have no bands")
	}
	opts := Options{}
	if !opts.Near(a, b) || opts.Near(a, c) || opts.Near(empty, empty) {
		t.Error("Options.Near disagrees with the default threshold")
	}
	bands := a.Bands()
	if len(bands) != NumBands {
		t.Fatalf("%d bands, want %d", len(bands), NumBands)
	}
	shared := 0
	for i, k := range b.Bands() {
		if k == bands[i] {
			shared++
		}
	}
	if shared == 0 {
		t.Error("near-duplicates share no band")
	}
	seen := map[uint64]bool{}
	for _, k := range bands {
		seen[k] = true
	}
	if len(seen) != NumBands {
		t.Errorf("band keys collide: %d distinct of %d", len(seen), NumBands)
	}
}

func TestSimilarityEstimatesJaccard(t *testing.T) {
	// Two texts of 200 distinct words sharing their first 150.
	var x, y []byte
	for i := range 250 {
		w := fmt.Sprintf("w%d ", i)
		if i < 200 {
			x = append(x, w...)
		}
		if i < 150 || i >= 200 {
			y = append(y, w...)
		}
	}
	// x: 200 words, 199 pairs. y: 150 + 50 words, 199 pairs, of which
	// 149 shared. Jaccard = (150+149) / (250 + (199+199-149)).
	want := float64(150+149) / float64(250+199+199-149)
	got := sketchOf(x[:len(x)-1]).Similarity(sketchOf(y[:len(y)-1]))
	if got < want-0.15 || got > want+0.15 {
		t.Errorf("Similarity = %.3f, want about %.3f", got, want)
	}
}

// referenceNormalise is Normalise written plainly: NFKC, then the fold.
func referenceNormalise(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// TestNormaliseFastPath checks the fast path against NFKC for every
// character of the ranges it handles, alone and next to letters and
// combining marks.
func TestNormaliseFastPath(t *testing.T) {
	var ranges = [][2]rune{{0x80, 0x300}, {0x2000, 0x2100}, {0x300, 0x370}, {0xfb00, 0xfb07}}
	for _, rg := range ranges {
		for r := rg[0]; r < rg[1]; r++ {
			c := string(r)
			for _, s := range []string{c, "a" + c + "b", "e" + c, c + "\u0301", c + "e\u0301", "É " + c + " ß", "x" + c + c + "y"} {
				if got, want := Normalise(s), referenceNormalise(s); got != want {
					t.Errorf("Normalise(%q) = %q, want %q", s, got, want)
				}
			}
		}
	}
}
