package bench

import (
	"bytes"
	"html/template"
	"io"
	"strings"
)

// htmlPage is the self-contained report: styles inline, charts as inline
// SVG, no script and nothing fetched, so it opens offline.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	// num reports whether column j of a row of n cells holds a figure:
	// all but the scenario, the system and the closing note.
	"num": func(j, n int) bool { return j >= 2 && j < n-1 },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>memshard-bench {{.Rep.Started.Format "2006-01-02 15:04"}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 960px; color: #1a202c; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e2e8f0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #edf2f7; padding: 1px 4px; }
figure { margin: 1.5em 0; }
</style>
</head>
<body>
<h1>memshard vs {{if .Rep.AgainstBaseline}}the baseline build{{else}}Redis{{end}}</h1>
<p>{{.Rep.Started.Format "2006-01-02 15:04:05 MST"}} · {{.Rep.Rounds}} round(s) per scenario, systems alternating{{if .Rep.Quick}} · quick run{{end}}</p>
<p>Command: <code>{{.Command}}</code></p>
<table>
<tr><th>CPU</th><td>{{.Rep.Machine.CPU}} ({{.Rep.Machine.Cores}} cores)</td></tr>
<tr><th>Kernel</th><td>{{.Rep.Machine.Kernel}} {{.Rep.Machine.OS}}/{{.Rep.Machine.Arch}}</td></tr>
<tr><th>Go</th><td>{{.Rep.Machine.GoVersion}}</td></tr>
<tr><th>Redis</th><td>{{or .Rep.Machine.RedisVersion "—"}}</td></tr>
<tr><th>memshard</th><td>{{or .Rep.Machine.Memshard "—"}}</td></tr>
</table>
{{range .Rep.Notes}}<p><em>{{.}}</em></p>{{end}}
{{range .Tables}}<table>
{{range $i, $row := .}}<tr>{{range $j, $c := $row}}{{if eq $i 0}}<th{{if num $j (len $row)}} class="n"{{end}}>{{$c}}</th>{{else}}<td{{if num $j (len $row)}} class="n"{{end}}>{{$c}}</td>{{end}}{{end}}</tr>
{{end}}</table>
{{end}}
{{range .Charts}}<figure>{{.}}</figure>
{{end}}
</body>
</html>
`))

// WriteHTML writes the HTML report of rep.
func WriteHTML(w io.Writer, rep *Report) error {
	var md bytes.Buffer
	if err := WriteTable(&md, rep, true); err != nil {
		return err
	}
	data := struct {
		Rep     *Report
		Command string
		Tables  [][][]string
		Charts  []template.HTML
	}{Rep: rep, Command: strings.Join(rep.Command, " "), Tables: parseMarkdownTables(md.String())}
	charts := []*chart{
		ratioChart(rep),
		throughputChart(rep),
		latencyChart(rep, "Latency p50", func(s Summary) float64 { return s.P50us }),
		latencyChart(rep, "Latency p99", func(s Summary) float64 { return s.P99us }),
		latencyChart(rep, "Latency p99.9", func(s Summary) float64 { return s.P999us }),
		memoryChart(rep),
	}
	for _, c := range charts {
		if len(c.Groups) == 0 {
			continue
		}
		var b bytes.Buffer
		if err := c.WriteSVG(&b, false); err != nil {
			return err
		}
		// The SVG is built by this package with every text escaped.
		data.Charts = append(data.Charts, template.HTML(b.String()))
	}
	return htmlPage.Execute(w, data)
}

// parseMarkdownTables splits WriteTable's Markdown back into rows of
// cells, dropping the separator lines, one table per blank-line block.
func parseMarkdownTables(md string) [][][]string {
	var tables [][][]string
	var cur [][]string
	for line := range strings.Lines(md) {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			if len(cur) > 0 {
				tables = append(tables, cur)
				cur = nil
			}
		case strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "|:--"):
		default:
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			cur = append(cur, cells)
		}
	}
	if len(cur) > 0 {
		tables = append(tables, cur)
	}
	return tables
}
