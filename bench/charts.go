package bench

import (
	"fmt"
	"io"
)

// throughputChart draws median ops/s per scenario, systems side by side.
func throughputChart(rep *Report) *chart {
	c := &chart{Title: "Throughput (median ops/s over rounds)",
		Subtitle: "each scenario is scaled to its own fastest system; longer is better", PerRow: true}
	for _, r := range rep.Results {
		if r.Scenario.Protocol == ProtoMemory {
			continue
		}
		g := barGroup{Label: r.Scenario.Name}
		for _, s := range r.Systems {
			if s.Skipped == "" && len(s.Rounds) > 0 {
				g.Bars = append(g.Bars, bar{Series: s.System, Value: s.Median, Text: FormatRate(s.Median)})
			}
		}
		if len(g.Bars) > 0 {
			c.Groups = append(c.Groups, g)
		}
	}
	return c
}

// latencyChart draws one latency percentile per scenario and system.
func latencyChart(rep *Report, title string, pick func(Summary) float64) *chart {
	c := &chart{Title: title, Subtitle: "each scenario is scaled to its own slowest system; shorter is better", PerRow: true}
	for _, r := range rep.Results {
		if r.Scenario.Protocol == ProtoMemory {
			continue
		}
		g := barGroup{Label: r.Scenario.Name}
		for _, s := range r.Systems {
			if v := pick(s); s.Skipped == "" && v > 0 {
				g.Bars = append(g.Bars, bar{Series: s.System, Value: v, Text: FormatMicros(v)})
			}
		}
		if len(g.Bars) > 0 {
			c.Groups = append(c.Groups, g)
		}
	}
	return c
}

// memoryChart draws resident and used bytes per key.
func memoryChart(rep *Report) *chart {
	c := &chart{Title: "Memory per key (16-byte keys, 32-byte values)",
		Subtitle: "resident set growth per key; shorter is better"}
	for _, r := range rep.Results {
		if r.Scenario.Protocol != ProtoMemory {
			continue
		}
		g := barGroup{Label: r.Scenario.Name}
		for _, s := range r.Systems {
			if m := s.Memory; m != nil {
				text := fmt.Sprintf("%.0f B RSS, %.0f B used_memory", m.RSSPerKey, m.UsedPerKey)
				g.Bars = append(g.Bars, bar{Series: s.System, Value: max(m.RSSPerKey, 0), Text: text})
			}
		}
		if len(g.Bars) > 0 {
			c.Groups = append(c.Groups, g)
		}
	}
	return c
}

// ratioChart draws memshard's throughput over the baseline's for every
// scenario that has both.
func ratioChart(rep *Report) *chart {
	c := &chart{Title: "memshard ÷ Redis throughput (median ops/s, same run)",
		Subtitle: rep.Machine.summary(), Ref: 1, RefLabel: "Redis = 1"}
	if rep.AgainstBaseline() {
		c.Title, c.RefLabel = "memshard ÷ the baseline build's throughput (median ops/s, same run)", "baseline = 1"
	}
	for _, r := range rep.Results {
		if r.Scenario.Protocol == ProtoMemory || r.Ratio <= 0 {
			continue
		}
		series := seriesFaster
		if r.Ratio < 1 {
			series = seriesSlower
		}
		label := r.Scenario.Name
		if r.Baseline != "redis" && r.Baseline != BaselineName {
			label += " (vs " + r.Baseline + ")"
		}
		c.Groups = append(c.Groups, barGroup{Label: label,
			Bars: []bar{{Series: series, Value: r.Ratio, Text: FormatRatio(r.Ratio)}}})
	}
	return c
}

// AgainstBaseline reports whether the run measured memshard against
// another memshard build (--baseline-bin) rather than Redis.
func (rep *Report) AgainstBaseline() bool {
	for _, r := range rep.Results {
		if r.Baseline == BaselineName {
			return true
		}
	}
	return false
}

func (m Machine) summary() string {
	s := fmt.Sprintf("%s, %d cores, Linux %s, %s", m.CPU, m.Cores, m.Kernel, m.GoVersion)
	if m.RedisVersion != "" {
		s += ", Redis " + m.RedisVersion
	}
	return s
}

// WriteRatioSVG writes the throughput-ratio chart as a standalone SVG file.
func WriteRatioSVG(w io.Writer, rep *Report) error {
	return ratioChart(rep).WriteSVG(w, true)
}
