package register

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/pallmall/pallmall/store"
)

// Count is one bar of a chart: a label (a country code, a choice value or a
// year) and how many published records it stands for. Filter finds them.
type Count struct {
	Label  string
	N      int
	Filter Filter
}

// Series is a count per label for one group, such as incidents per year for
// one target group.
type Series struct {
	Group  string
	Counts []Count
}

// Stats holds the register's published figures.
type Stats struct {
	Records           int
	EntitiesByCountry []Count // by country of incorporation, most first
	EntitiesByKind    []Count // in the order of EntityKinds
	EntitiesByYear    []Count // founded, by year
	CustomerCountries []Count // customer records per customer country, most first
	IncidentsByYear   []Count
	// IncidentsByGroup and IncidentsByVector break incidents down by year:
	// one series per target group or vector, each over the same years.
	IncidentsByGroup  []Series
	IncidentsByVector []Series
}

// Stats computes the figures from the published records.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	type row struct {
		kind                       Kind
		country, category, vectors string
		year                       int
	}
	rows, err := s.DB.Query(ctx, `SELECT kind, country, category, vectors, year FROM register_records WHERE NOT removed`)
	all, err := store.ScanAll(rows, err, func(r *sql.Rows) (row, error) {
		var x row
		err := r.Scan(&x.kind, &x.country, &x.category, &x.vectors, &x.year)
		return x, err
	})
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Records: len(all)}
	byCountry, byKind, byYear, custs := map[string]int{}, map[string]int{}, map[int]int{}, map[string]int{}
	incYears := map[int]int{}
	group, vector := map[string]map[int]int{}, map[string]map[int]int{}
	for _, x := range all {
		switch x.kind {
		case Entity:
			for _, c := range members(x.country) {
				byCountry[c]++
			}
			byKind[x.category]++
			if x.year != 0 {
				byYear[x.year]++
			}
		case Customer:
			for _, c := range members(x.country) {
				custs[c]++
			}
		case Incident:
			if x.year == 0 {
				continue
			}
			incYears[x.year]++
			if group[x.category] == nil {
				group[x.category] = map[int]int{}
			}
			group[x.category][x.year]++
			for _, v := range members(x.vectors) {
				if vector[v] == nil {
					vector[v] = map[int]int{}
				}
				vector[v][x.year]++
			}
		}
	}
	st.EntitiesByCountry = byMost(byCountry, func(c string) Filter { return Filter{Kind: Entity, Country: c} })
	for _, k := range EntityKinds {
		if n := byKind[k]; n > 0 {
			st.EntitiesByKind = append(st.EntitiesByKind, Count{Label: k, N: n, Filter: Filter{Kind: Entity, Category: k}})
		}
	}
	st.EntitiesByYear = byYearCounts(byYear, func(y int) Filter { return Filter{Kind: Entity, Year: y} })
	st.CustomerCountries = byMost(custs, func(c string) Filter { return Filter{Kind: Customer, Country: c} })
	st.IncidentsByYear = byYearCounts(incYears, func(y int) Filter { return Filter{Kind: Incident, Year: y} })
	years := slices.Sorted(func(yield func(int) bool) {
		for y := range incYears {
			if !yield(y) {
				return
			}
		}
	})
	series := func(m map[string]map[int]int, order []string, filter func(string, int) Filter) []Series {
		var out []Series
		for _, g := range order {
			if m[g] == nil {
				continue
			}
			sr := Series{Group: g}
			for _, y := range years {
				sr.Counts = append(sr.Counts, Count{Label: itoa(y), N: m[g][y], Filter: filter(g, y)})
			}
			out = append(out, sr)
		}
		return out
	}
	st.IncidentsByGroup = series(group, TargetGroups, func(g string, y int) Filter { return Filter{Kind: Incident, Category: g, Year: y} })
	st.IncidentsByVector = series(vector, Vectors, func(v string, y int) Filter { return Filter{Kind: Incident, Vector: v, Year: y} })
	return st, nil
}

// members splits an index column (";A;B;") into its members.
func members(col string) []string {
	var out []string
	for _, m := range strings.Split(col, ";") {
		if m != "" {
			out = append(out, m)
		}
	}
	return out
}

func byMost(m map[string]int, filter func(string) Filter) []Count {
	var out []Count
	for k, n := range m {
		out = append(out, Count{Label: k, N: n, Filter: filter(k)})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(b.N-a.N, strings.Compare(a.Label, b.Label))
	})
	return out
}

func byYearCounts(m map[int]int, filter func(int) Filter) []Count {
	var out []Count
	for y, n := range m {
		out = append(out, Count{Label: itoa(y), N: n, Filter: filter(y)})
	}
	slices.SortFunc(out, func(a, b Count) int { return strings.Compare(a.Label, b.Label) })
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
