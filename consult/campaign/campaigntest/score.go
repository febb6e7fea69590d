package campaigntest

import "github.com/pallmall/pallmall/consult/campaign"

// Score measures found campaigns against the truth from Generate, by
// answer membership:
//
//   - each found campaign is labelled with the planted campaign most of
//     its answers belong to (organic answers never give a label; a found
//     campaign of organic answers only has no label);
//   - precision is the fraction of answers in found campaigns that belong
//     to their campaign's label (1 when nothing is found);
//   - recall is, over all planted answers, the fraction that lie in the
//     single found campaign holding most of their planted campaign (so a
//     planted campaign split in two loses the smaller part; 1 when
//     nothing was planted).
//
// Answer IDs missing from truth count as organic.
func Score(found []campaign.Campaign, truth map[int64]int) (precision, recall float64) {
	plantedSize := map[int]int{}
	for _, c := range truth {
		if c != 0 {
			plantedSize[c]++
		}
	}
	best := map[int]int{} // planted campaign -> most of it in one found campaign
	var inFound, correct int
	for _, f := range found {
		counts := map[int]int{}
		for _, id := range f.AnswerIDs {
			counts[truth[id]]++
		}
		label, n := 0, 0
		for c, k := range counts {
			if c != 0 && (k > n || k == n && c < label) {
				label, n = c, k
			}
			if c != 0 && k > best[c] {
				best[c] = k
			}
		}
		inFound += len(f.AnswerIDs)
		correct += n
	}
	precision, recall = 1, 1
	if inFound > 0 {
		precision = float64(correct) / float64(inFound)
	}
	planted, recalled := 0, 0
	for c, s := range plantedSize {
		planted += s
		recalled += best[c]
	}
	if planted > 0 {
		recall = float64(recalled) / float64(planted)
	}
	return precision, recall
}
