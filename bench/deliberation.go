package bench

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pallmall/pallmall/deliberate/analysis"
)

//go:embed sklearn_baseline.py
var sklearnScript []byte

// votesPerParticipant matches the 1,000,000 votes from 20,000
// participants over 10,000 statements.
const votesPerParticipant = 50

// sklearnMaxBytes bounds the dense matrices the scikit-learn baseline
// builds (a float32 matrix, its mask and scikit-learn's own copies).
const sklearnMaxBytes = 6 << 30

func deliberationCase() Case {
	return Case{
		Name: "deliberation", Title: "Deliberation analysis (deliberate/analysis)", Unit: "votes",
		Baseline: "the same PCA (2 components, missing votes imputed with the statement mean) and k-means (100 base clusters, then k = 2..5 by silhouette) with scikit-learn, timed inside Python (interpreter start and file load excluded); pallmall's time covers the whole analysis (also representativeness, consensus and bridging)",
		Target:   "< 1 s at 1,000,000 votes and far ahead of the baseline",
		Cost:     "analysis time",
		Base:     1_000_000, Min: 5000,
		run: runDeliberation,
	}
}

func runDeliberation(ctx context.Context, env *Env, n int) error {
	nP := max(n/votesPerParticipant, 10)
	nS := max(min(10000, nP/2), 10)
	votes := plantedVotes(nP, nS, votesPerParticipant, 3, 1)
	var res analysis.Result
	s, err := env.Measure("", func() error {
		var err error
		res, _, err = analysis.Analyse(analysis.Input{Votes: votes}, analysis.Options{Seed: 1}, nil)
		return err
	})
	if err != nil {
		return err
	}
	seconds := s.Elapsed.Seconds()
	f := figure("analysis time", "s", seconds, false, 0)
	if n == 1_000_000 { // the target is for this size
		f = f.withTarget("< 1 s", seconds < 1)
	}
	base, k, why := sklearnBaseline(ctx, env, votes, nP, nS)
	if why != "" {
		f.BaselineMissing = why
	} else {
		f.Baseline, f.Ratio = ptr(base), ptr(seconds/base)
		env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("opinion groups: pallmall k = %d, scikit-learn k = %d", res.K, k))
	}
	env.Result.Figures = append(env.Result.Figures, f,
		figure("votes/s", "votes/s", float64(len(votes))/seconds, true, 0))
	env.Result.Notes = append(env.Result.Notes, fmt.Sprintf("%d participants × %d statements, %d votes each, 3 planted opinion groups", nP, nS, votesPerParticipant))
	return nil
}

// plantedVotes generates a conversation with nG opinion groups: each group
// has its own chance of agreeing with each statement, a tenth of the
// statements are agreed by all, and each participant votes on perP random
// statements (a tenth of votes are passes).
func plantedVotes(nP, nS, perP, nG int, seed uint64) []analysis.Vote {
	rng := rand.New(rand.NewPCG(seed, 2))
	agree := make([]float32, nG*nS)
	for j := range nS {
		favoured := rng.IntN(nG)
		for g := range nG {
			p := float32(0.15)
			if j%10 == 0 || g == favoured {
				p = 0.85
			}
			agree[g*nS+j] = p
		}
	}
	votes := make([]analysis.Vote, 0, nP*perP)
	for i := range nP {
		g := i % nG
		for range perP {
			j := rng.IntN(nS)
			v := int8(analysis.Disagree)
			if r := rng.Float32(); r < 0.1 {
				v = analysis.Pass
			} else if r < 0.1+0.9*agree[g*nS+j] {
				v = analysis.Agree
			}
			votes = append(votes, analysis.Vote{Participant: i, Statement: j, Value: v})
		}
	}
	return votes
}

// sklearnBaseline runs the scikit-learn baseline and returns its time in
// seconds and the k it chose, or why it could not run.
func sklearnBaseline(ctx context.Context, env *Env, votes []analysis.Vote, nP, nS int) (float64, int, string) {
	if need := int64(nP) * int64(nS) * 9; need > sklearnMaxBytes {
		return 0, 0, fmt.Sprintf("its dense %d×%d matrix needs about %.1f GiB, over the %d GiB allowed", nP, nS, float64(need)/(1<<30), sklearnMaxBytes>>30)
	}
	python, why := findPython(ctx, env.cfg.Python)
	if why != "" {
		return 0, 0, why
	}
	script := filepath.Join(env.Dir, "sklearn_baseline.py")
	data := filepath.Join(env.Dir, "votes.bin")
	if err := os.WriteFile(script, sklearnScript, 0o644); err != nil {
		return 0, 0, err.Error()
	}
	buf := make([]byte, 0, len(votes)*12)
	for _, v := range votes {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(v.Participant))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(v.Statement))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(int32(v.Value)))
	}
	if err := os.WriteFile(data, buf, 0o644); err != nil {
		return 0, 0, err.Error()
	}
	cmd := exec.CommandContext(ctx, python, script, data, fmt.Sprint(nP), fmt.Sprint(nS))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Sprintf("the scikit-learn run failed: %v: %s", err, lastLine(stderr.Bytes()))
	}
	var got struct {
		Seconds float64 `json:"seconds"`
		K       int     `json:"k"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(lastLineBytes(out)), &got); err != nil || got.Seconds <= 0 {
		return 0, 0, fmt.Sprintf("the scikit-learn run printed %q", lastLine(out))
	}
	env.Logf("scikit-learn: %.3fs", got.Seconds)
	return got.Seconds, got.K, ""
}

// findPython returns the first interpreter that imports scikit-learn:
// the one configured, else python3 on the PATH, else Debian's
// /usr/bin/python3 (where python3-sklearn installs), or why none does.
func findPython(ctx context.Context, configured string) (string, string) {
	candidates := []string{"python3", "/usr/bin/python3"}
	if configured != "" {
		candidates = []string{configured}
	}
	why := ""
	for _, p := range candidates {
		if _, err := exec.LookPath(p); err != nil {
			why = p + " not found"
			continue
		}
		out, err := exec.CommandContext(ctx, p, "-c", "import sklearn, numpy").CombinedOutput()
		if err == nil {
			return p, ""
		}
		why = "scikit-learn is not installed for " + p + " (" + strings.TrimSpace(lastLine(out)) + ")"
	}
	return "", why
}

func lastLineBytes(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func lastLine(b []byte) string { return string(lastLineBytes(b)) }
