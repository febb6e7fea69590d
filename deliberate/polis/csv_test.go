package polis

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/pallmall/pallmall/deliberate/analysis"
)

const commentsCSV = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n" +
	"1,x,0,1,0,0,1,First\n" +
	"2,x,1,1,0,0,-1,\"Second, moderated out\"\n" +
	"3,x,2,1,0,0,0,Third\n"

const votesHeader = "timestamp,datetime,comment-id,voter-id,vote\n"

func export(files map[string]string) fstest.MapFS {
	fs := fstest.MapFS{}
	for name, body := range files {
		fs[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fs
}

func TestLoadFS(t *testing.T) {
	exp, err := LoadFS(export(map[string]string{
		"comments.csv": commentsCSV,
		"votes.csv": votesHeader +
			"30,x,0,7,1\n" +
			"10,x,0,7,-1\n" + // earlier, replaced by the line above
			"20,x,2,8,0\n" +
			"20,x,2,8,1\n", // same time, later line wins
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []analysis.Vote{{Participant: 8, Statement: 2, Value: 1}, {Participant: 7, Statement: 0, Value: 1}}
	if diff := cmp.Diff(want, exp.Votes); diff != "" {
		t.Errorf("LoadFS votes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1}, exp.ModeratedOut); diff != "" {
		t.Errorf("LoadFS moderated out mismatch (-want +got):\n%s", diff)
	}
	if got, want := exp.Comments[1].Body, "Second, moderated out"; got != want {
		t.Errorf("LoadFS comment 1 body = %q, want %q", got, want)
	}
}

func TestLoadFSParticipantVotes(t *testing.T) {
	exp, err := LoadFS(export(map[string]string{
		"participants-votes.csv": "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,2\n" +
			"5,1,0,2,1,0,1,0\n" +
			"6,,0,1,0,1,,-1\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []analysis.Vote{{Participant: 5, Statement: 0, Value: 1}, {Participant: 5, Statement: 2, Value: 0}, {Participant: 6, Statement: 2, Value: -1}}
	if diff := cmp.Diff(want, exp.Votes); diff != "" {
		t.Errorf("LoadFS votes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]int{5: 1}, exp.PolisGroups); diff != "" {
		t.Errorf("LoadFS groups mismatch (-want +got):\n%s", diff)
	}
	if exp.VotesFile != "participants-votes.csv" {
		t.Errorf("LoadFS VotesFile = %q, want participants-votes.csv", exp.VotesFile)
	}
}

func TestLoadFSErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"bad vote", map[string]string{"votes.csv": votesHeader + "1,x,0,1,1\n2,x,0,2,3\n"}, `votes.csv:3: vote "3" is not one of 1, -1, 0`},
		{"unknown statement", map[string]string{"comments.csv": commentsCSV, "votes.csv": votesHeader + "1,x,9,1,1\n"}, "votes.csv:2: comment-id 9 is not in comments.csv"},
		{"short row", map[string]string{"votes.csv": votesHeader + "1,x,0,1\n"}, "votes.csv:2: 4 fields, header has 5"},
		{"bad voter", map[string]string{"votes.csv": votesHeader + "1,x,0,abc,1\n"}, `votes.csv:2: voter-id "abc" is not an integer`},
		{"bad timestamp", map[string]string{"votes.csv": votesHeader + "x,x,0,1,1\n"}, `votes.csv:2: timestamp "x" is not an integer`},
		{"bare quote", map[string]string{"votes.csv": votesHeader + "1,x,0,1,\"1\n"}, "votes.csv:"},
		{"missing column", map[string]string{"votes.csv": "timestamp,comment-id,vote\n1,0,1\n"}, `votes.csv:1: header has no "voter-id" column`},
		{"empty file", map[string]string{"votes.csv": ""}, "votes.csv: empty file"},
		{"no votes", map[string]string{"votes.csv": votesHeader}, "votes.csv: conversation has no votes"},
		{"no files", map[string]string{}, "neither votes.csv nor participants-votes.csv"},
		{"duplicate participant", map[string]string{"participants-votes.csv": "participant,group-id,0\n1,0,1\n1,0,1\n"}, "participants-votes.csv:3: participant 1 already on line 2"},
		{"bad cell", map[string]string{"participants-votes.csv": "participant,group-id,0\n1,0,yes\n"}, `participants-votes.csv:2: vote "yes" on comment 0 is not one of 1, -1, 0`},
		{"duplicate comment", map[string]string{"comments.csv": commentsCSV + "4,x,0,1,0,0,1,again\n", "votes.csv": votesHeader + "1,x,0,1,1\n"}, "comments.csv:5: comment-id 0 already on line 2"},
		{"bad moderation", map[string]string{"comments.csv": "comment-id,moderated,comment-body\n0,2,x\n", "votes.csv": votesHeader + "1,x,0,1,1\n"}, "comments.csv:2: moderated 2 is not one of 1, 0, -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFS(export(tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadFS(%s) error = %v, want it to contain %q", tt.name, err, tt.want)
			}
		})
	}
	_, err := LoadFS(export(map[string]string{"votes.csv": votesHeader}))
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("LoadFS(no votes) error = %v, want ErrEmpty", err)
	}
}
