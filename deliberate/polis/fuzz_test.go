package polis

import (
	"bytes"
	"testing"
)

// FuzzReaders feeds arbitrary bytes to every CSV reader: they may reject
// the input but must never panic. The seed corpus is in
// testdata/fuzz/FuzzReaders.
func FuzzReaders(f *testing.F) {
	f.Add([]byte(votesHeader + "1,x,0,1,1\n2,x,0,1,-1\n"))
	f.Add([]byte(commentsCSV))
	f.Fuzz(func(t *testing.T, data []byte) {
		all := func(int) bool { return true }
		votes, err := readVotes(bytes.NewReader(data), "votes.csv", all)
		if err == nil {
			for _, v := range votes {
				if v.Value < -1 || v.Value > 1 {
					t.Errorf("readVotes returned vote value %d", v.Value)
				}
			}
		}
		readParticipantVotes(bytes.NewReader(data), "participants-votes.csv", all)
		readComments(bytes.NewReader(data), "comments.csv")
	})
}
