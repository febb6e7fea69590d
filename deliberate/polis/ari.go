package polis

// AdjustedRandIndex compares two labellings of the same items (Hubert and
// Arabie's adjusted Rand index): 1 for identical partitions, about 0 for
// chance agreement. Items missing from either map are ignored.
func AdjustedRandIndex(a, b map[int]int) float64 {
	type pair struct{ x, y int }
	joint := map[pair]int{}
	rowSum := map[int]int{}
	colSum := map[int]int{}
	n := 0
	for id, x := range a {
		y, ok := b[id]
		if !ok {
			continue
		}
		joint[pair{x, y}]++
		rowSum[x]++
		colSum[y]++
		n++
	}
	c2 := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	var index, sa, sb float64
	for _, v := range joint {
		index += c2(v)
	}
	for _, v := range rowSum {
		sa += c2(v)
	}
	for _, v := range colSum {
		sb += c2(v)
	}
	total := c2(n)
	if total == 0 {
		return 1
	}
	expected := sa * sb / total
	maxIndex := (sa + sb) / 2
	if maxIndex == expected {
		return 1
	}
	return (index - expected) / (maxIndex - expected)
}
