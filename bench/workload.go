// Package bench compares memshard with Redis (and Webdis, for HTTP) side by
// side, and holds the key spaces and values the Go benchmarks use. The
// server never imports it.
//
// A run (Run, driven by cmd/memshard-bench) starts or reaches the systems,
// warms them up and plays a table of scenarios (scenarios.go) against each,
// alternating systems round by round. The load generators speak each
// protocol directly and pipeline: raw RESP (resp_load.go), HTTP with
// fasthttp (http_load.go), WebSocket JSON messages (ws_load.go) and the
// embedded API (embedded_load.go). Latencies go to HdrHistograms (stats.go);
// memory per key comes from /proc and INFO (memory.go). The results become
// a table, JSON, a self-contained HTML page and SVG charts (table.go,
// report_json.go, report_html.go, svg.go, charts.go).
//
// Run and the functions it calls are for one goroutine; the load
// generators start their own, one per client connection.
package bench

import "strconv"

// Keys returns n distinct keys "prefix0" … "prefix<n-1>" as byte slices,
// allocated once so a benchmark loop does not allocate them.
func Keys(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = strconv.AppendInt([]byte(prefix), int64(i), 10)
	}
	return out
}

// Value returns a deterministic printable value of size bytes.
func Value(size int) []byte {
	v := make([]byte, size)
	for i := range v {
		v[i] = 'a' + byte(i%26)
	}
	return v
}
