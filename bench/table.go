package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Dash stands for a figure there is nothing to compute from.
const Dash = "—"

// WriteTable writes the report's figures as aligned text columns, or as
// Markdown tables when markdown is set: throughput and latency first, then
// memory per key.
func WriteTable(w io.Writer, rep *Report, markdown bool) error {
	load := [][]string{{"scenario", "system", "median ops/s", "min", "max", "p50", "p99", "p99.9", "ratio", "note"}}
	mem := [][]string{{"scenario", "system", "keys", "RSS/key", "used_memory/key", "load ops/s", "ratio", "note"}}
	for _, r := range rep.Results {
		for i, s := range r.Systems {
			name, ratio := r.Scenario.Name, ""
			if i > 0 {
				name = ""
			} else {
				ratio = FormatRatio(r.Ratio)
			}
			if r.Scenario.Protocol == ProtoMemory {
				mem = append(mem, memoryRow(name, s, ratio))
				continue
			}
			load = append(load, loadRow(name, s, ratio))
		}
	}
	var tables [][][]string
	if len(load) > 1 {
		tables = append(tables, load)
	}
	if len(mem) > 1 {
		tables = append(tables, mem)
	}
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		var err error
		if markdown {
			err = writeMarkdown(w, t)
		} else {
			err = writeAligned(w, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func loadRow(name string, s Summary, ratio string) []string {
	if s.Skipped != "" || len(s.Rounds) == 0 {
		why := s.Skipped
		if why == "" {
			why = "not run"
		}
		return []string{name, s.System, Dash, "", "", "", "", "", ratio, why}
	}
	note := ""
	if s.Errors > 0 {
		note = fmt.Sprintf("%d error replies", s.Errors)
	}
	return []string{name, s.System, FormatRate(s.Median), FormatRate(s.Min), FormatRate(s.Max),
		FormatMicros(s.P50us), FormatMicros(s.P99us), FormatMicros(s.P999us), ratio, note}
}

func memoryRow(name string, s Summary, ratio string) []string {
	m := s.Memory
	if m == nil {
		why := s.Skipped
		if why == "" {
			why = "not run"
		}
		return []string{name, s.System, Dash, "", "", "", ratio, why}
	}
	return []string{name, s.System, countName(m.Keys), fmt.Sprintf("%.0f B", m.RSSPerKey),
		fmt.Sprintf("%.0f B", m.UsedPerKey), FormatRate(s.Median), ratio, "RSS from " + m.RSSSource}
}

func writeAligned(w io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func writeMarkdown(w io.Writer, rows [][]string) error {
	for i, r := range rows {
		if _, err := fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | ")); err != nil {
			return err
		}
		if i == 0 {
			seps := make([]string, len(r))
			for j := range seps {
				seps[j] = "---"
				if j >= 2 && j < len(r)-1 {
					seps[j] = "---:"
				}
			}
			fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
		}
	}
	return nil
}

// FormatRate renders an ops/s figure: 950, 12.3K, 1.25M.
func FormatRate(v float64) string {
	switch {
	case v <= 0:
		return Dash
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fK", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// FormatMicros renders a latency in microseconds: 87µs, 1.25ms, 2.1s.
func FormatMicros(us float64) string {
	switch {
	case us <= 0:
		return Dash
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	default:
		return fmt.Sprintf("%.0fµs", us)
	}
}

// FormatRatio renders a ratio as 1.42×, or — when there is none.
func FormatRatio(r float64) string {
	if r <= 0 {
		return Dash
	}
	return fmt.Sprintf("%.2f×", r)
}
