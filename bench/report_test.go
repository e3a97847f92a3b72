package bench

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sampleReport is a report with every kind of row: a compared scenario, a
// memshard-only one, a skipped baseline and a memory scenario, with text
// that needs escaping.
func sampleReport() *Report {
	sum := func(name string, rates ...float64) Summary {
		s := Summary{System: name}
		for _, r := range rates {
			h := newHist()
			h.RecordValues(int64(1e6/r*10), int64(r))
			s.Add(Sample{Ops: int64(r), Elapsed: time.Second, Hist: h})
		}
		return s
	}
	rep := &Report{
		Started:  time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC),
		Finished: time.Date(2026, 11, 22, 4, 1, 0, 0, time.UTC),
		Command:  []string{"memshard-bench", "--only", `a<b & "c"`},
		Machine:  Machine{CPU: "Test CPU <2>", Cores: 2, Kernel: "6.1", GoVersion: "go1.26", RedisVersion: "7.0.15"},
		Rounds:   3,
		Notes:    []string{"a note & more"},
	}
	scs := FullScenarios()
	rep.Results = []Result{
		{Scenario: scs[0], Baseline: "redis", Systems: []Summary{sum("memshard", 3000, 1000, 2000), sum("redis", 1500, 1400, 1600)}},
		{Scenario: scs[len(scs)-6], Baseline: "redis", Systems: []Summary{sum("memshard", 9000), {System: "redis", Skipped: "Redis <cannot> be embedded"}}},
		{Scenario: scs[len(scs)-4], Baseline: "redis", Systems: []Summary{
			{System: "memshard", Memory: &Memory{Keys: 1000000, RSSPerKey: 90, UsedPerKey: 80, RSSSource: "VmRSS"}, Median: 5e5},
			{System: "redis", Memory: &Memory{Keys: 1000000, RSSPerKey: 100, UsedPerKey: 95, RSSSource: "VmRSS"}, Median: 2e5}}},
	}
	for i := range rep.Results {
		rep.Results[i].computeRatio()
	}
	return rep
}

func TestJSONRoundTrip(t *testing.T) {
	rep := sampleReport()
	var a bytes.Buffer
	if err := WriteJSON(&a, rep); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, back); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("round trip differs:\n%s\n---\n%s", a.String(), b.String())
	}
	r0 := back.Results[0]
	if r0.Ratio != 2000.0/1500 || r0.System("memshard").Median != 2000 || len(r0.System("redis").Rounds) != 3 {
		t.Fatalf("figures lost: %+v", r0)
	}
	if back.Results[2].System("redis").Memory.RSSPerKey != 100 || back.Results[2].Ratio != 0.9 {
		t.Fatalf("memory lost: %+v", back.Results[2])
	}
	if back.Machine.RedisVersion != "7.0.15" || back.Command[2] != `a<b & "c"` {
		t.Fatalf("machine or command lost: %+v %q", back.Machine, back.Command)
	}
	if _, err := ReadJSON(strings.NewReader("{")); err == nil {
		t.Fatal("truncated JSON accepted")
	}
}

// checkXML decodes every token of doc and reports the elements it saw.
func checkXML(t *testing.T, doc string) map[string]int {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	seen := map[string]int{}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return seen
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			seen[se.Name.Local]++
		}
	}
}

func TestRatioSVGWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRatioSVG(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	seen := checkXML(t, b.String())
	if seen["svg"] != 1 || seen["rect"] < 2 || seen["line"] != 1 {
		t.Fatalf("elements %v", seen)
	}
	if !strings.Contains(b.String(), "1.33×") || !strings.Contains(b.String(), "Test CPU &lt;2&gt;") {
		t.Fatalf("ratio or escaped machine missing:\n%s", b.String())
	}
	// No comparison at all still draws a valid, empty chart.
	b.Reset()
	if err := WriteRatioSVG(&b, &Report{}); err != nil {
		t.Fatal(err)
	}
	checkXML(t, b.String())
}

func TestHTMLReport(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "</html>") {
		t.Fatal("not a whole page")
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Fatal("the page must not load anything")
	}
	// Every inline chart is well-formed SVG on its own.
	charts := 0
	for rest := page; ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		if j < 0 {
			t.Fatal("unterminated svg")
		}
		checkXML(t, rest[i:i+j+len("</svg>")])
		charts++
		rest = rest[i+j:]
	}
	if charts < 4 {
		t.Fatalf("%d charts", charts)
	}
	for _, want := range []string{"resp GET c1 p1", "1.33×", "Redis &lt;cannot&gt; be embedded", "a&lt;b &amp;", "memory 1M keys"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Count(page, "<table>") != strings.Count(page, "</table>") {
		t.Error("unbalanced tables")
	}
}

func TestWriteTableAndFiles(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleReport(), true); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if !strings.Contains(md, "| resp GET c1 p1 | memshard | 2.0K | 1.0K | 3.0K |") || !strings.Contains(md, "|---|---|---:|") {
		t.Fatalf("markdown:\n%s", md)
	}
	if got := parseMarkdownTables(md); len(got) != 2 || len(got[0]) != 5 || len(got[1]) != 3 {
		t.Fatalf("tables %d: %v", len(got), got)
	}
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := WriteFiles(dir, sampleReport())
	if err != nil || len(paths) != 4 {
		t.Fatalf("%v %v", paths, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err != nil || !json.Valid(raw) {
		t.Fatalf("report.json: %v", err)
	}
}
