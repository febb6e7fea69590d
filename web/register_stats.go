package web

import (
	"net/http"

	"github.com/pallmall/pallmall/register"
)

// regFigure is one figure of the statistics page: a chart and a table of
// the same counts, each linking to the records behind it.
type regFigure struct {
	ID      string // for the chart's title id
	Caption string // message key
	Label   string // message key of the table's first column
	Rows    []regCell
	Chart   regChart
}

// regCell is a count in a table, with its label in words and the link to
// the records behind it.
type regCell struct {
	Name string
	N    int
	Href string
}

// regCross is a year by group table (incidents per year by target group
// or by vector).
type regCross struct {
	Caption string
	Years   []string
	Rows    []regCrossRow
}

type regCrossRow struct {
	Name  string
	Cells []regCell
}

type regStatsData struct {
	Stats   register.Stats
	Figures []regFigure
	Crosses []regCross
}

// regMaxChartBars is how many bars a chart shows; its table has every row.
const regMaxChartBars = 15

func (s *Server) registerStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.registerSvc().Stats(r.Context())
	if err != nil {
		return err
	}
	lang := info(r).lang
	country := func(c string) string { return regCountryName(lang, c) }
	choice := func(v string) string { return s.catalog.T(lang, "register.choice."+v) }
	plain := func(v string) string { return v }
	d := regStatsData{Stats: st}
	fig := func(id, caption, label string, counts []register.Count, name func(string) string) {
		f := regFigure{ID: id, Caption: caption, Label: label}
		for _, c := range counts {
			f.Rows = append(f.Rows, regCell{Name: name(c.Label), N: c.N, Href: regQuery(c.Filter)})
		}
		f.Chart = regBarChart(counts[:min(len(counts), regMaxChartBars)], name)
		d.Figures = append(d.Figures, f)
	}
	fig("entities-country", "register_stats.entities_by_country", "register.field.country", st.EntitiesByCountry, country)
	fig("entities-kind", "register_stats.entities_by_kind", "register.field.entity_kind", st.EntitiesByKind, choice)
	fig("entities-year", "register_stats.entities_by_year", "register_stats.year", st.EntitiesByYear, plain)
	fig("customers-country", "register_stats.customer_countries", "register.field.customer_country", st.CustomerCountries, country)
	fig("incidents-year", "register_stats.incidents_by_year", "register_stats.year", st.IncidentsByYear, plain)
	totals := func(series []register.Series, filter func(string) register.Filter) []register.Count {
		var out []register.Count
		for _, sr := range series {
			c := register.Count{Label: sr.Group, Filter: filter(sr.Group)}
			for _, y := range sr.Counts {
				c.N += y.N
			}
			out = append(out, c)
		}
		return out
	}
	fig("incidents-group", "register_stats.incidents_by_group_total", "register.field.target_group", totals(st.IncidentsByGroup,
		func(g string) register.Filter { return register.Filter{Kind: register.Incident, Category: g} }), choice)
	fig("incidents-vector", "register_stats.incidents_by_vector_total", "register.field.vector", totals(st.IncidentsByVector,
		func(v string) register.Filter { return register.Filter{Kind: register.Incident, Vector: v} }), choice)
	cross := func(caption string, series []register.Series) {
		c := regCross{Caption: caption}
		for _, y := range st.IncidentsByYear {
			c.Years = append(c.Years, y.Label)
		}
		for _, sr := range series {
			row := regCrossRow{Name: choice(sr.Group)}
			for _, cell := range sr.Counts {
				row.Cells = append(row.Cells, regCell{Name: cell.Label, N: cell.N, Href: regQuery(cell.Filter)})
			}
			c.Rows = append(c.Rows, row)
		}
		d.Crosses = append(d.Crosses, c)
	}
	cross("register_stats.incidents_by_group", st.IncidentsByGroup)
	cross("register_stats.incidents_by_vector", st.IncidentsByVector)
	return s.render(w, r, http.StatusOK, "register-stats", "register_stats.title", nil, d)
}
