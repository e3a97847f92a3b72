package bench

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMedianMinMax(t *testing.T) {
	cases := []struct {
		in            []float64
		med, min, max float64
	}{
		{nil, 0, 0, 0},
		{[]float64{5}, 5, 5, 5},
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{10, 10, 1}, 10, 1, 10},
	}
	for _, c := range cases {
		orig := append([]float64(nil), c.in...)
		if got := Median(c.in); got != c.med {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.med)
		}
		if got := minOf(c.in); got != c.min {
			t.Errorf("min(%v) = %v, want %v", c.in, got, c.min)
		}
		if got := maxOf(c.in); got != c.max {
			t.Errorf("max(%v) = %v, want %v", c.in, got, c.max)
		}
		for i := range orig {
			if orig[i] != c.in[i] {
				t.Fatalf("Median reordered its input: %v", c.in)
			}
		}
	}
}

func TestRatio(t *testing.T) {
	cases := []struct{ a, b, want float64 }{
		{300, 200, 1.5},
		{100, 400, 0.25},
		{0, 100, 0},
		{100, 0, 0},
		{math.NaN(), 1, 0},
		{1, math.Inf(1), 0},
	}
	for _, c := range cases {
		if got := Ratio(c.a, c.b); got != c.want {
			t.Errorf("Ratio(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if FormatRatio(0) != Dash || FormatRatio(1.234) != "1.23×" {
		t.Errorf("FormatRatio: %q %q", FormatRatio(0), FormatRatio(1.234))
	}
}

func TestPercentileNearestRank(t *testing.T) {
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = float64(1000 - i) // 1000 … 1, unsorted
	}
	for _, c := range []struct{ p, want float64 }{{50, 500}, {99, 990}, {99.9, 999}, {100, 1000}, {0, 1}} {
		if got := Percentile(xs, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty percentile")
	}
}

// The histogram's percentiles agree with the exact ones within its three
// significant figures.
func TestHistogramMatchesExactPercentiles(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	h := newHist()
	xs := make([]float64, 20000)
	for i := range xs {
		v := int64(1 + rng.ExpFloat64()*300)
		xs[i] = float64(v)
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	if h.TotalCount() != int64(len(xs)) {
		t.Fatalf("recorded %d of %d", h.TotalCount(), len(xs))
	}
	for _, p := range []float64{50, 99, 99.9} {
		exact, got := Percentile(xs, p), float64(h.ValueAtQuantile(p))
		if math.Abs(got-exact) > exact*0.002+1 {
			t.Errorf("p%v: histogram %v, exact %v", p, got, exact)
		}
	}
}

func TestSummaryAddsRounds(t *testing.T) {
	var s Summary
	for i, ops := range []int64{3000, 1000, 2000} {
		h := newHist()
		h.RecordValues(int64(100*(i+1)), ops)
		s.Add(Sample{Ops: ops, Errors: int64(i), Elapsed: time.Second, Hist: h})
	}
	if len(s.Rounds) != 3 || s.Ops != 6000 || s.Errors != 3 {
		t.Fatalf("rounds %d ops %d errors %d", len(s.Rounds), s.Ops, s.Errors)
	}
	if s.Median != 2000 || s.Min != 1000 || s.Max != 3000 {
		t.Fatalf("median %v min %v max %v", s.Median, s.Min, s.Max)
	}
	// 3000 samples at 100µs, 1000 at 200µs, 2000 at 300µs: the 3000th of
	// 6000 is the median.
	if s.P50us != 100 || s.P99us != 300 {
		t.Fatalf("p50 %v p99 %v", s.P50us, s.P99us)
	}
	if r := s.Rounds[0]; r.OpsPerSec != 3000 || r.P50us != 100 || r.Seconds != 1 {
		t.Fatalf("round 0: %+v", r)
	}
}

func TestResultRatio(t *testing.T) {
	r := Result{Scenario: Scenario{Protocol: ProtoRESP}, Systems: []Summary{
		{System: "memshard", Median: 300}, {System: "redis", Median: 200}}}
	r.computeRatio()
	if r.Ratio != 1.5 {
		t.Fatalf("ratio %v", r.Ratio)
	}
	r.Systems[1].Skipped = "no Redis"
	r.computeRatio()
	if r.Ratio != 0 {
		t.Fatalf("ratio with a skipped baseline %v", r.Ratio)
	}
	m := Result{Scenario: Scenario{Protocol: ProtoMemory}, Systems: []Summary{
		{System: "memshard", Memory: &Memory{RSSPerKey: 90}}, {System: "redis", Memory: &Memory{RSSPerKey: 100}}}}
	m.computeRatio()
	if m.Ratio != 0.9 {
		t.Fatalf("memory ratio %v", m.Ratio)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{FormatRate(950), "950"}, {FormatRate(12345), "12.3K"}, {FormatRate(1250000), "1.25M"}, {FormatRate(0), Dash},
		{FormatMicros(87), "87µs"}, {FormatMicros(1250), "1.25ms"}, {FormatMicros(2.1e6), "2.10s"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
