package bench

import (
	"math"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 µs to one minute with three
// significant figures.
const (
	histMin = 1
	histMax = int64(time.Minute / time.Microsecond)
	histSig = 3
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histSig) }

// Sample is what one round of one scenario against one system measured.
type Sample struct {
	Ops     int64         // commands answered
	Errors  int64         // of them, error replies
	Elapsed time.Duration // wall time of the round
	Hist    *hdrhistogram.Histogram
}

// Round is a Sample reduced to figures, as the JSON report stores it.
type Round struct {
	Ops       int64   `json:"ops"`
	Errors    int64   `json:"errors"`
	Seconds   float64 `json:"seconds"`
	OpsPerSec float64 `json:"ops_per_sec"`
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
	P999us    float64 `json:"p999_us"`
}

// Round reduces r.
func (r Sample) Round() Round {
	out := Round{Ops: r.Ops, Errors: r.Errors, Seconds: r.Elapsed.Seconds(), OpsPerSec: rate(r.Ops, r.Elapsed)}
	if r.Hist != nil && r.Hist.TotalCount() > 0 {
		out.P50us = float64(r.Hist.ValueAtQuantile(50))
		out.P99us = float64(r.Hist.ValueAtQuantile(99))
		out.P999us = float64(r.Hist.ValueAtQuantile(99.9))
	}
	return out
}

func rate(ops int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(ops) / d.Seconds()
}

// Summary is one system's figures over all rounds of a scenario: the
// median, min and max throughput of the rounds and the latency percentiles
// of all of their requests together.
type Summary struct {
	System    string  `json:"system"`
	Rounds    []Round `json:"rounds"`
	Median    float64 `json:"median_ops_per_sec"`
	Min       float64 `json:"min_ops_per_sec"`
	Max       float64 `json:"max_ops_per_sec"`
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
	P999us    float64 `json:"p999_us"`
	Ops       int64   `json:"ops"`
	Errors    int64   `json:"errors"`
	Memory    *Memory `json:"memory,omitempty"`
	Skipped   string  `json:"skipped,omitempty"`
	histogram *hdrhistogram.Histogram
}

// Add folds one round into s.
func (s *Summary) Add(r Sample) {
	s.Rounds = append(s.Rounds, r.Round())
	s.Ops += r.Ops
	s.Errors += r.Errors
	if r.Hist != nil {
		if s.histogram == nil {
			s.histogram = newHist()
		}
		s.histogram.Merge(r.Hist)
	}
	s.finish()
}

func (s *Summary) finish() {
	rates := make([]float64, len(s.Rounds))
	for i, r := range s.Rounds {
		rates[i] = r.OpsPerSec
	}
	s.Median, s.Min, s.Max = Median(rates), minOf(rates), maxOf(rates)
	if h := s.histogram; h != nil && h.TotalCount() > 0 {
		s.P50us = float64(h.ValueAtQuantile(50))
		s.P99us = float64(h.ValueAtQuantile(99))
		s.P999us = float64(h.ValueAtQuantile(99.9))
	}
}

// Median is the middle value of xs (the mean of the two middle ones for an
// even count), 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func minOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Min(xs)
}

func maxOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Max(xs)
}

// Ratio is a/b, or 0 when either is missing (0, NaN or infinite): the
// report shows 0 as "—".
func Ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 || math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return 0
	}
	return a / b
}

// Percentile is the p-th percentile (0–100) of xs by nearest rank, 0 for
// none. It is the exact counterpart of the histogram's quantiles, used to
// check them.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p/100*float64(len(s)) - 1e-9))
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}
