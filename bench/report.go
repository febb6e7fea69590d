package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

func (rep *Report) write(dir string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(rep.Markdown()), 0o644)
}

// Markdown renders the report for people: one section per case with a
// table of figures by scale, each beside its baseline and their ratio.
func (rep *Report) Markdown() string {
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "# pallmall benchmark report\n\n")
	fmt.Fprintf(&b, "Measured %s to %s on %s/%s, %d CPUs, %s (GOGC=%d, as serve runs); size %g, scales %s.\n",
		rep.Started.Format("2006-01-02 15:04"), rep.Finished.Format("15:04 MST"), m.GOOS, m.GOARCH, m.CPUs, m.GoVersion, m.GCPercent, rep.Size, joinScales(rep.Scales))
	if m.LoadBefore != "" {
		fmt.Fprintf(&b, "Load average before: %s; after: %s", m.LoadBefore, m.LoadAfter)
		if busy(m.LoadBefore, m.CPUs) || busy(m.LoadAfter, m.CPUs) {
			b.WriteString(" (**the machine was busy: figures were measured under load; compare ratios, not absolute numbers**)")
		}
		b.WriteString(".\n")
	}
	b.WriteString("\nEach figure is given beside its baseline, measured in the same run on the same machine; ratio = figure ÷ baseline. ")
	b.WriteString("Memory is the peak growth above the level before the measured work.")
	if rep.limitedMemory() {
		b.WriteString(" Before each run the Go runtime's soft memory limit was set to what the process held plus 90 % of the memory then available, so that the collector works harder rather than let the heap outgrow the machine.")
	}
	b.WriteString("\n")
	for _, c := range rep.Cases {
		fmt.Fprintf(&b, "\n## %s (`%s`)\n\n", c.Title, c.Name)
		fmt.Fprintf(&b, "Baseline: %s. Target: %s.\n\n", c.Baseline, c.Target)
		b.WriteString("| scale | N | figure | value | baseline | ratio | target |\n|---|---|---|---|---|---|---|\n")
		for _, r := range c.Runs {
			head := fmt.Sprintf("| ×%g | %s |", r.Scale, thousands(r.N))
			switch {
			case r.Skipped != "":
				fmt.Fprintf(&b, "%s skipped | %s | | | |\n", head, r.Skipped)
				continue
			case r.Error != "":
				fmt.Fprintf(&b, "%s **error** | %s | | | |\n", head, strings.ReplaceAll(r.Error, "|", "/"))
				continue
			}
			for _, f := range r.Figures {
				fmt.Fprintf(&b, "%s %s | %s | %s | %s | %s |\n", head, f.Name, value(f.Value, f.Unit), baseline(f), ratio(f), target(f))
			}
			fmt.Fprintf(&b, "%s cost (%s) / peak heap / peak RSS | %s / %s / %s | | | |\n", head, c.Cost,
				value(r.Seconds, "s"), bytesIEC(r.PeakHeapBytes), bytesIEC(r.PeakRSSBytes))
		}
		for _, r := range c.Runs {
			for _, n := range r.Notes {
				fmt.Fprintf(&b, "\n- ×%g: %s", r.Scale, n)
			}
		}
		b.WriteString("\n\n")
		b.WriteString(c.growthLine())
		b.WriteString("\n")
	}
	return b.String()
}

func (rep *Report) limitedMemory() bool {
	for _, c := range rep.Cases {
		for _, r := range c.Runs {
			if r.MemoryLimitBytes > 0 {
				return true
			}
		}
	}
	return false
}

func (c CaseReport) growthLine() string {
	if c.TimeExponent == nil {
		return "Growth: fewer than two completed scales, so no exponent.\n"
	}
	s := fmt.Sprintf("Growth: %s grows ~ n^%.2f", c.Cost, *c.TimeExponent)
	if c.MemExponent != nil {
		s += fmt.Sprintf(", peak memory ~ n^%.2f", *c.MemExponent)
	}
	var steps []string
	for _, g := range c.Growth {
		step := fmt.Sprintf("%s→%s: n^%.2f", thousands(g.FromN), thousands(g.ToN), g.TimeExponent)
		if g.MemExponent != nil {
			step += fmt.Sprintf(" (memory n^%.2f)", *g.MemExponent)
		}
		steps = append(steps, step)
	}
	return s + " (" + strings.Join(steps, "; ") + ").\n"
}

func busy(load string, cpus int) bool {
	var one float64
	fmt.Sscan(load, &one)
	return one > 0.75*float64(cpus)
}

func joinScales(s []float64) string {
	var out []string
	for _, x := range s {
		out = append(out, fmt.Sprintf("×%g", x))
	}
	return strings.Join(out, ", ")
}

func baseline(f Figure) string {
	switch {
	case f.Baseline != nil:
		return value(*f.Baseline, f.Unit)
	case f.BaselineMissing != "":
		return "unavailable: " + f.BaselineMissing
	}
	return ""
}

func ratio(f Figure) string {
	if f.Ratio == nil {
		return ""
	}
	dir := "higher is better"
	if !f.HigherIsBetter {
		dir = "lower is better"
	}
	return fmt.Sprintf("%s (%s)", sig(*f.Ratio), dir)
}

func target(f Figure) string {
	if f.Met == nil {
		return f.Target
	}
	if *f.Met {
		return "met: " + f.Target
	}
	return "**missed**: " + f.Target
}

func value(v float64, unit string) string {
	if unit == "" {
		return sig(v)
	}
	return sig(v) + " " + unit
}

// sig prints v with three significant figures, without exponents for the
// sizes a report shows.
func sig(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	digits := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return fmt.Sprintf("%.*f", digits, v)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func bytesIEC(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
