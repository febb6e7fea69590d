package consult

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"strings"

	"github.com/pallmall/pallmall/consult/campaign"
)

// This file holds the stored form of a text's MinHash signature, used to
// match new answers against existing campaigns one at a time. The
// signature of campaign.Find is seeded afresh on every call, so it cannot
// be stored; this one is deterministic. It follows the same method (words
// and pairs of adjacent words, one-permutation hashing into 64 bins,
// densification by rotation, 32 bands of 2 bins), so a similarity here
// means what it means in Find. When consult/campaign exports a
// deterministic Sketch, this file should give way to it.

const (
	sketchBins  = 64
	sketchBands = 32
	sketchRows  = sketchBins / sketchBands
)

// sketch is a deterministic MinHash signature of a normalised text.
type sketch [sketchBins]uint64

// textDigest is the SHA-256 of a text's normalised form, in hexadecimal:
// exact duplicates share it. An empty normalised text has no digest.
func textDigest(text string) (string, string) {
	n := campaign.Normalise(text)
	if n == "" {
		return "", ""
	}
	d := sha256.Sum256([]byte(n))
	return hex.EncodeToString(d[:]), n
}

func sketchMix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

func wordHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// newSketch computes the signature of a normalised text.
func newSketch(norm string) sketch {
	const empty = ^uint64(0)
	var sig sketch
	for i := range sig {
		sig[i] = empty
	}
	add := func(x uint64) {
		x = sketchMix(x)
		bin, v := x>>58, x<<6
		if v < sig[bin] {
			sig[bin] = v
		}
	}
	prev, first := "", true
	for w := range strings.FieldsSeq(norm) {
		add(wordHash(w))
		if !first {
			add(wordHash(prev + "\x00" + w))
		}
		prev, first = w, false
	}
	if first {
		return sig
	}
	for i := range sig {
		if sig[i] != empty {
			continue
		}
		for d := 1; d < sketchBins; d++ {
			if v := sig[(i+d)%sketchBins]; v != empty {
				sig[i] = v + uint64(d)*0x9E3779B97F4A7C15
				break
			}
		}
	}
	return sig
}

// similarity estimates the Jaccard similarity of two texts' shingles.
func (s *sketch) similarity(o *sketch) float64 {
	n := 0
	for i := range s {
		if s[i] == o[i] {
			n++
		}
	}
	return float64(n) / sketchBins
}

// bands returns the band keys, as signed integers for the database.
func (s *sketch) bands() []int64 {
	out := make([]int64, sketchBands)
	for b := range sketchBands {
		k := uint64(b) * 0x9E3779B97F4A7C15
		for r := range sketchRows {
			k = sketchMix(k ^ s[b*sketchRows+r])
		}
		out[b] = int64(k)
	}
	return out
}

func (s *sketch) encode() string {
	b := make([]byte, 8*sketchBins)
	for i, v := range s {
		binary.BigEndian.PutUint64(b[8*i:], v)
	}
	return hex.EncodeToString(b)
}

func decodeSketch(h string) (sketch, bool) {
	var s sketch
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 8*sketchBins {
		return s, false
	}
	for i := range s {
		s[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return s, true
}
