package bench

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// bar is one bar of a chart.
type bar struct {
	Series string  // system name: picks the colour
	Value  float64 // length
	Text   string  // printed after the bar
}

// barGroup is one scenario's bars, one per system.
type barGroup struct {
	Label string
	Bars  []bar
}

// chart is a horizontal bar chart drawn as SVG, no script needed.
type chart struct {
	Title    string
	Subtitle string
	Groups   []barGroup
	// PerRow scales each group to its own largest bar, for figures that
	// span orders of magnitude across scenarios; the printed numbers carry
	// the absolute values.
	PerRow bool
	// Ref draws a dashed line at this value (e.g. 1 for ratios); 0 draws
	// none. RefLabel names it.
	Ref      float64
	RefLabel string
}

const (
	svgWidth  = 900
	labelW    = 250
	plotW     = 520
	barH      = 14
	groupGap  = 10
	headH     = 58
	footH     = 16
	fontStyle = `font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12"`
)

// The ratio chart's two series.
const (
	seriesFaster = "memshard faster"
	seriesSlower = "memshard slower"
)

var seriesColor = map[string]string{
	"memshard":   "#2b6cb0",
	"redis":      "#c53030",
	"webdis":     "#dd6b20",
	seriesFaster: "#2f855a",
	seriesSlower: "#c05621",
}

func colorOf(series string) string {
	if c, ok := seriesColor[series]; ok {
		return c
	}
	return "#718096"
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// height is the chart's total height in pixels.
func (c *chart) height() int {
	h := headH + footH
	for _, g := range c.Groups {
		h += max(len(g.Bars), 1)*barH + groupGap
	}
	return h
}

// WriteSVG writes c as a complete SVG document; xmlDecl adds the XML
// declaration a standalone .svg file has.
func (c *chart) WriteSVG(w io.Writer, xmlDecl bool) error {
	bw := bufio.NewWriter(w)
	if xmlDecl {
		bw.WriteString(xml.Header)
	}
	h := c.height()
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>`+"\n",
		svgWidth, h, svgWidth, h, fontStyle)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgWidth, h)
	fmt.Fprintf(bw, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", esc(c.Title))
	fmt.Fprintf(bw, `<text x="10" y="38" fill="#4a5568">%s</text>`+"\n", esc(c.Subtitle))
	c.legend(bw)
	globalMax := c.maxValue()
	y := headH
	for _, g := range c.Groups {
		y = c.group(bw, g, y, globalMax)
	}
	if c.Ref > 0 && globalMax > 0 {
		x := labelW + c.Ref/globalMax*plotW
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#1a202c" stroke-dasharray="4 3"/>`+"\n",
			x, headH-4, x, y)
		fmt.Fprintf(bw, `<text x="%.1f" y="%d" text-anchor="middle" fill="#1a202c">%s</text>`+"\n", x, y+12, esc(c.RefLabel))
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// legend draws one swatch per series, in order of first appearance.
func (c *chart) legend(w *bufio.Writer) {
	var names []string
	seen := map[string]bool{}
	for _, g := range c.Groups {
		for _, b := range g.Bars {
			if !seen[b.Series] {
				seen[b.Series] = true
				names = append(names, b.Series)
			}
		}
	}
	x := labelW
	for _, n := range names {
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`, x, headH-18, colorOf(n))
		fmt.Fprintf(w, `<text x="%d" y="%d">%s</text>`+"\n", x+16, headH-8, esc(n))
		x += 30 + 8*len(n)
	}
}

func (c *chart) maxValue() float64 {
	m := c.Ref
	for _, g := range c.Groups {
		for _, b := range g.Bars {
			m = max(m, b.Value)
		}
	}
	return m
}

// group draws one scenario's label and bars from y, returning the next y.
func (c *chart) group(w *bufio.Writer, g barGroup, y int, globalMax float64) int {
	scale := globalMax
	if c.PerRow {
		scale = 0
		for _, b := range g.Bars {
			scale = max(scale, b.Value)
		}
	}
	n := max(len(g.Bars), 1)
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+n*barH/2+4, esc(g.Label))
	for i, b := range g.Bars {
		by := y + i*barH
		bw := 0.0
		if scale > 0 && b.Value > 0 {
			bw = b.Value / scale * plotW
		}
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %s</title></rect>`,
			labelW, by+1, bw, barH-2, colorOf(b.Series), esc(b.Series), esc(b.Text))
		fmt.Fprintf(w, `<text x="%.1f" y="%d" font-size="11">%s</text>`+"\n", labelW+bw+4, by+barH-3, esc(b.Text))
	}
	return y + n*barH + groupGap
}
