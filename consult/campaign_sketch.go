package consult

import (
	"encoding/binary"
	"encoding/hex"

	"github.com/pallmall/pallmall/consult/campaign"
)

// Stored forms of campaign.Sketch and campaign.Digest, for matching new
// answers against existing campaigns one at a time.

// textDigest returns the hexadecimal campaign.Digest of a text, empty when
// the text has no words.
func textDigest(text string) string {
	if campaign.Normalise(text) == "" {
		return ""
	}
	d := campaign.Digest(text)
	return hex.EncodeToString(d[:])
}

// bandKeys returns a sketch's band keys as signed integers, for a BIGINT
// column.
func bandKeys(s campaign.Sketch) []int64 {
	var out []int64
	for _, k := range s.Bands() {
		out = append(out, int64(k))
	}
	return out
}

func encodeSketch(s campaign.Sketch) string {
	b := make([]byte, 8*campaign.SketchSize)
	for i, v := range s {
		binary.BigEndian.PutUint64(b[8*i:], v)
	}
	return hex.EncodeToString(b)
}

func decodeSketch(h string) (campaign.Sketch, bool) {
	var s campaign.Sketch
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 8*campaign.SketchSize {
		return s, false
	}
	for i := range s {
		s[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return s, true
}
