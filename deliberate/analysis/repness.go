package analysis

import (
	"math"
	"slices"
)

// zSig90 is the one-sided 90% critical value Pol.is tests against.
const zSig90 = 1.2816

// propTest is Pol.is's one-proportion z statistic of succ successes in n
// trials against one half, with a pseudocount of one on each.
func propTest(succ, n int) float64 {
	s, t := float64(succ+1), float64(n+1)
	return 2 * math.Sqrt(t) * (s/t - 0.5)
}

// twoPropTest is Pol.is's two-proportion z statistic of a group (succIn
// of popIn) against the rest (succOut of popOut), pseudocount one each.
func twoPropTest(succIn, succOut, popIn, popOut int) float64 {
	s1, s2 := float64(succIn+1), float64(succOut+1)
	n1, n2 := float64(popIn+1), float64(popOut+1)
	p1, p2 := s1/n1, s2/n2
	p := (s1 + s2) / (n1 + n2)
	if p == 1 {
		return 0
	}
	return (p1 - p2) / math.Sqrt(p*(1-p)*(1/n1+1/n2))
}

// tally counts agrees, disagrees and all votes (passes included).
type tally struct{ a, d, s int }

// commentStats are the Pol.is statistics of one group on one statement.
type commentStats struct {
	tid              int
	na, nd, ns       int
	pa, pd, pat, pdt float64
	ra, rd, rat, rdt float64
}

func newCommentStats(tid int, in, rest tally) commentStats {
	c := commentStats{tid: tid, na: in.a, nd: in.d, ns: in.s}
	c.pa = float64(in.a+1) / float64(in.s+2)
	c.pd = float64(in.d+1) / float64(in.s+2)
	c.pat = propTest(in.a, in.s)
	c.pdt = propTest(in.d, in.s)
	c.ra = c.pa / (float64(rest.a+1) / float64(rest.s+2))
	c.rd = c.pd / (float64(rest.d+1) / float64(rest.s+2))
	c.rat = twoPropTest(in.a, rest.a, in.s, rest.s)
	c.rdt = twoPropTest(in.d, rest.d, in.s, rest.s)
	return c
}

// finalize picks the more representative direction, as Pol.is's
// finalize-cmt-stats does.
func (c commentStats) finalize() Representative {
	r := Representative{Statement: c.tid, Trials: c.ns, AgreeShare: c.pa}
	if c.rat > c.rdt {
		r.Direction, r.Successes, r.Share, r.ShareZ, r.Ratio, r.Z = DirectionAgree, c.na, c.pa, c.pat, c.ra, c.rat
	} else {
		r.Direction, r.Successes, r.Share, r.ShareZ, r.Ratio, r.Z = DirectionDisagree, c.nd, c.pd, c.pdt, c.rd, c.rdt
	}
	return r
}

func metric(r Representative) float64 { return r.Ratio * r.Z * r.Share * r.ShareZ }

// beatsBestAgree is Pol.is's beats-best-agr?.
func beatsBestAgree(c commentStats, best *commentStats) bool {
	switch {
	case c.na == 0 && c.nd == 0:
		return false
	case best != nil && best.ra > 1:
		return c.ra*c.rat*c.pa*c.pat > best.ra*best.rat*best.pa*best.pat
	case best != nil:
		return c.pa*c.pat > best.pa*best.pat
	default:
		return c.pat > zSig90 || (c.ra > 1 && c.pa > 0.5)
	}
}

// groupTallies counts, for every group and statement, the votes of the
// group's members; the result is indexed [g*nCols + j].
func groupTallies(m *matrix, groupOf []int, nGroups int) []tally {
	t := make([]tally, nGroups*m.nCols)
	for i := 0; i < m.nRows; i++ {
		g := groupOf[i]
		if g < 0 {
			continue
		}
		row := t[g*m.nCols : (g+1)*m.nCols]
		for k := m.rowPtr[i]; k < m.rowPtr[i+1]; k++ {
			x := &row[m.col[k]]
			switch m.val[k] {
			case Agree:
				x.a++
			case Disagree:
				x.d++
			}
			x.s++
		}
	}
	return t
}

// repness selects up to five representative statements per group with
// Pol.is's rules: statements passing both z-tests at 90% in one
// direction, sorted by ra·rat·pa·pat, the "best agree" statement first,
// agrees before disagrees; or, when none pass, the best single statement.
func repness(m *matrix, groupOf []int, res *Result) {
	nG := len(res.Groups)
	if nG == 0 {
		return
	}
	t := groupTallies(m, groupOf, nG)
	total := make([]tally, m.nCols)
	for g := 0; g < nG; g++ {
		for j := 0; j < m.nCols; j++ {
			x := t[g*m.nCols+j]
			total[j].a += x.a
			total[j].d += x.d
			total[j].s += x.s
		}
	}
	for g := 0; g < nG; g++ {
		var sufficient []Representative
		var best *Representative
		var bestAgree *commentStats
		for j := 0; j < m.nCols; j++ {
			in := t[g*m.nCols+j]
			rest := tally{total[j].a - in.a, total[j].d - in.d, total[j].s - in.s}
			c := newCommentStats(m.colIDs[j], in, rest)
			if (c.rat > zSig90 && c.pat > zSig90) || (c.rdt > zSig90 && c.pdt > zSig90) {
				sufficient = append(sufficient, c.finalize())
			}
			if len(sufficient) == 0 && (best == nil || max(c.rat, c.rdt) > best.Z) {
				f := c.finalize()
				best = &f
			}
			if beatsBestAgree(c, bestAgree) {
				bestAgree = &c
			}
		}
		var head []Representative
		if bestAgree != nil {
			f := bestAgree.finalize()
			f.BestAgree = true
			head = []Representative{f}
		} else if best != nil {
			head = []Representative{*best}
		}
		if len(sufficient) == 0 {
			res.Groups[g].Representative = head
			continue
		}
		if bestAgree != nil {
			sufficient = slices.DeleteFunc(sufficient, func(r Representative) bool { return r.Statement == bestAgree.tid })
		}
		slices.SortStableFunc(sufficient, func(a, b Representative) int {
			ma, mb := metric(a), metric(b)
			switch {
			case ma > mb:
				return -1
			case ma < mb:
				return 1
			}
			return 0
		})
		if bestAgree != nil {
			sufficient = append(head, sufficient...)
		}
		sufficient = sufficient[:min(5, len(sufficient))]
		slices.SortStableFunc(sufficient, func(a, b Representative) int {
			return dirRank(a.Direction) - dirRank(b.Direction)
		})
		res.Groups[g].Representative = sufficient
	}
}

func dirRank(d Direction) int {
	if d == DirectionAgree {
		return 0
	}
	return 1
}

// consensus picks, over all participants, up to five statements most
// agreed and most disagreed with: share above one half, z above 1.2816,
// ranked by share × z, as Pol.is's select-consensus-comments does.
func consensus(m *matrix, res *Result) {
	type cand struct {
		c      ConsensusStatement
		metric float64
	}
	var agree, disagree []cand
	for j, s := range res.Statements {
		n := s.Agrees + s.Disagrees + s.Passes
		pa, pat := float64(s.Agrees+1)/float64(n+2), propTest(s.Agrees, n)
		pd, pdt := float64(s.Disagrees+1)/float64(n+2), propTest(s.Disagrees, n)
		if pa > 0.5 && pat > zSig90 {
			agree = append(agree, cand{ConsensusStatement{m.colIDs[j], s.Agrees, n, pa, pat}, pa * pat})
		}
		if pd > 0.5 && pdt > zSig90 {
			disagree = append(disagree, cand{ConsensusStatement{m.colIDs[j], s.Disagrees, n, pd, pdt}, pd * pdt})
		}
	}
	top := func(cs []cand) []ConsensusStatement {
		slices.SortStableFunc(cs, func(a, b cand) int {
			switch {
			case a.metric > b.metric:
				return -1
			case a.metric < b.metric:
				return 1
			}
			return 0
		})
		out := []ConsensusStatement{}
		for _, c := range cs[:min(5, len(cs))] {
			out = append(out, c.c)
		}
		return out
	}
	res.Consensus = Consensus{Agree: top(agree), Disagree: top(disagree)}
}

// groupInformedConsensus sets, per statement, the product over groups of
// (agrees+1)/(votes+2) among the group's members.
func groupInformedConsensus(m *matrix, groupOf []int, nGroups int, res *Result) {
	t := groupTallies(m, groupOf, nGroups)
	for j := range res.Statements {
		p := 1.0
		for g := 0; g < nGroups; g++ {
			x := t[g*m.nCols+j]
			p *= float64(x.a+1) / float64(x.s+2)
		}
		if nGroups == 0 {
			p = 0
		}
		res.Statements[j].GroupInformedConsensus = p
	}
}

// communityConsensus is groupInformedConsensus over declared stakeholder
// communities instead of opinion groups.
func communityConsensus(m *matrix, communities map[int]string, res *Result) {
	if len(communities) == 0 {
		return
	}
	names := map[string]int{}
	for _, id := range m.rowIDs {
		if c, ok := communities[id]; ok {
			names[c] = 0
		}
	}
	for c := range names {
		res.Communities = append(res.Communities, c)
	}
	slices.Sort(res.Communities)
	for i, c := range res.Communities {
		names[c] = i
	}
	of := make([]int, m.nRows)
	for i, id := range m.rowIDs {
		of[i] = -1
		if c, ok := communities[id]; ok {
			of[i] = names[c]
		}
	}
	nC := len(res.Communities)
	t := groupTallies(m, of, nC)
	for j := range res.Statements {
		p := 1.0
		for g := 0; g < nC; g++ {
			x := t[g*m.nCols+j]
			p *= float64(x.a+1) / float64(x.s+2)
		}
		if nC == 0 {
			p = 0
		}
		res.Statements[j].CommunityConsensus = p
	}
}
