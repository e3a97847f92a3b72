package httpapi

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/memshard/memshard/router"
)

// GET /metrics answers the Prometheus text exposition format (0.0.4):
// command counts and errors by command and transport, the Exec latency
// histogram by transport, connections by transport, keyspace figures, Go
// runtime memory, the process's resident memory, shards, uptime and build
// information. Label values are command names of the command table (or
// "unknown"), fixed transport names and the build's versions: never keys,
// arguments or tokens.

const contentMetrics = "text/plain; version=0.0.4; charset=utf-8"

// ConnStats are one listener's connection figures for /metrics.
type ConnStats struct {
	Open     int64 // connections open now
	Accepted int64 // accepted since start, refused ones included
	Rejected int64 // refused at a connection limit
	Dropped  int64 // closed for passing an output buffer limit
}

// connSource is a listener that reports its connections to /metrics.
type connSource struct {
	transport string
	fn        func() ConnStats
}

// AddConnStats makes /metrics report the connections fn returns under the
// transport label (e.g. "resp"); the figures of sources with the same label
// are summed. fn is called on each scrape, from any goroutine. Safe for
// concurrent use.
func (s *Server) AddConnStats(transport string, fn func() ConnStats) {
	s.mu.Lock()
	s.connSources = append(s.connSources, connSource{transport, fn})
	s.mu.Unlock()
}

// connStats is the HTTP server's own connection sources: plain HTTP and
// WebSocket sessions.
func (s *Server) connStats() []connSource {
	srcs := []connSource{
		{"http", func() ConnStats {
			return ConnStats{Open: int64(s.srv.GetOpenConnectionsCount()) + s.loopOpen(), Accepted: s.accepted.Load()}
		}},
		{"ws", func() ConnStats {
			s.ws.mu.Lock()
			defer s.ws.mu.Unlock()
			return ConnStats{Open: int64(len(s.ws.open)), Accepted: s.ws.accepted}
		}},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(srcs, s.connSources...)
}

// metrics serves GET /metrics.
func (s *Server) metrics(ctx *fasthttp.RequestCtx) {
	b := s.buf()
	*b = s.appendMetrics(*b)
	s.write(ctx, fasthttp.StatusOK, contentMetrics, b)
}

// appendMetrics appends every metric family to b.
func (s *Server) appendMetrics(b []byte) []byte {
	w := promWriter{b: b}
	w.family("memshard_build_info", "gauge", "Build information: memshard and Go versions.")
	w.sample("memshard_build_info", 1, "version", s.cfg.Version, "goversion", runtime.Version())
	w.family("memshard_uptime_seconds", "gauge", "Seconds since the HTTP server was created.")
	w.float("memshard_uptime_seconds", time.Since(s.started).Seconds())
	w.family("memshard_shards", "gauge", "Number of shard goroutines.")
	w.sample("memshard_shards", uint64(s.r.Shards()))
	s.appendCommands(&w)
	s.appendConns(&w)
	s.appendKeyspace(&w)
	appendMemory(&w)
	return w.b
}

// appendCommands writes the command counters and the latency histogram.
func (s *Server) appendCommands(w *promWriter) {
	counts, lat := s.r.CommandStats()
	w.family("memshard_commands_total", "counter", "Commands received, by command name and transport.")
	for _, c := range counts {
		w.sample("memshard_commands_total", c.Calls, "cmd", c.Name, "transport", c.Transport.String())
	}
	w.family("memshard_command_errors_total", "counter", "Commands whose reply was an error, by command name and transport.")
	for _, c := range counts {
		if c.Errors > 0 {
			w.sample("memshard_command_errors_total", c.Errors, "cmd", c.Name, "transport", c.Transport.String())
		}
	}
	const h = "memshard_request_duration_seconds"
	w.family(h, "histogram", "Time to run one request: a RESP read's pipeline, an HTTP request, a WebSocket message.")
	bounds := router.LatencyBounds()
	for _, l := range lat {
		t := l.Transport.String()
		var cum uint64
		for i, n := range l.Counts {
			cum += n
			le := "+Inf"
			if i < len(bounds) {
				le = strconv.FormatFloat(bounds[i], 'g', -1, 64)
			}
			w.sample(h+"_bucket", cum, "transport", t, "le", le)
		}
		w.float(h+"_sum", l.Sum.Seconds(), "transport", t)
		w.sample(h+"_count", cum, "transport", t)
	}
}

// appendConns writes the connection figures, summed per transport label in
// the order the labels first appear.
func (s *Server) appendConns(w *promWriter) {
	var labels []string
	sums := map[string]ConnStats{}
	for _, src := range s.connStats() {
		st := src.fn()
		t, ok := sums[src.transport]
		if !ok {
			labels = append(labels, src.transport)
		}
		t.Open += st.Open
		t.Accepted += st.Accepted
		t.Rejected += st.Rejected
		t.Dropped += st.Dropped
		sums[src.transport] = t
	}
	w.family("memshard_connections", "gauge", "Open client connections, by transport.")
	for _, l := range labels {
		w.sample("memshard_connections", uint64(max(sums[l].Open, 0)), "transport", l)
	}
	w.family("memshard_connections_total", "counter", "Client connections accepted, by transport.")
	for _, l := range labels {
		w.sample("memshard_connections_total", uint64(sums[l].Accepted), "transport", l)
	}
	w.family("memshard_rejected_connections_total", "counter", "Client connections refused at the connection limit, by transport.")
	for _, l := range labels {
		w.sample("memshard_rejected_connections_total", uint64(sums[l].Rejected), "transport", l)
	}
	w.family("memshard_output_limit_disconnections_total", "counter", "Clients closed for passing an output buffer limit (client-output-buffer-limit), by transport.")
	for _, l := range labels {
		w.sample("memshard_output_limit_disconnections_total", uint64(sums[l].Dropped), "transport", l)
	}
}

// appendKeyspace writes the shards' keyspace figures (the path INFO uses).
func (s *Server) appendKeyspace(w *promWriter) {
	st := s.r.Stats()
	gauge := func(name, help string, v int64) {
		w.family(name, "gauge", help)
		w.sample(name, uint64(max(v, 0)))
	}
	counter := func(name, help string, v int64) {
		w.family(name, "counter", help)
		w.sample(name, uint64(max(v, 0)))
	}
	gauge("memshard_keys", "Keys in the keyspace.", st.Keys)
	gauge("memshard_keys_with_ttl", "Keys with a time to live.", st.KeysWithTTL)
	gauge("memshard_value_bytes", "Bytes held in values.", st.BytesInValues)
	counter("memshard_expired_keys_total", "Keys removed because their time to live ran out.", st.ExpiredKeys)
	counter("memshard_keyspace_hits_total", "Key lookups that found the key.", st.Hits)
	counter("memshard_keyspace_misses_total", "Key lookups that did not find the key.", st.Misses)
}

// runtimeSamples are the runtime/metrics figures /metrics reports; reading
// them does not stop the world.
var runtimeSamples = []struct {
	key, name, typ, help string
}{
	{"/memory/classes/heap/objects:bytes", "memshard_go_heap_objects_bytes", "gauge", "Go heap memory occupied by objects, live or not yet swept."},
	{"/gc/heap/goal:bytes", "memshard_go_heap_goal_bytes", "gauge", "Heap size at which the Go runtime starts the next collection."},
	{"/memory/classes/total:bytes", "memshard_go_memory_bytes", "gauge", "All memory mapped by the Go runtime."},
	{"/memory/classes/heap/released:bytes", "memshard_go_heap_released_bytes", "gauge", "Go heap memory returned to the operating system."},
	{"/gc/cycles/total:gc-cycles", "memshard_go_gc_cycles_total", "counter", "Completed Go garbage collection cycles."},
	{"/sched/goroutines:goroutines", "memshard_go_goroutines", "gauge", "Live goroutines."},
}

// appendMemory writes the Go runtime figures and the process's resident
// memory.
func appendMemory(w *promWriter) {
	samples := make([]metrics.Sample, len(runtimeSamples))
	for i, rs := range runtimeSamples {
		samples[i].Name = rs.key
	}
	metrics.Read(samples)
	for i, rs := range runtimeSamples {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			continue // not supported by this Go version
		}
		w.family(rs.name, rs.typ, rs.help)
		w.sample(rs.name, samples[i].Value.Uint64())
	}
	if rss, ok := residentBytes(); ok {
		w.family("memshard_process_resident_memory_bytes", "gauge", "Resident memory of the process.")
		w.sample("memshard_process_resident_memory_bytes", rss)
	}
}

// residentBytes reads the process's resident set size from /proc/self/statm
// (Linux); ok is false elsewhere.
func residentBytes() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(data)
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}

// promWriter appends the Prometheus text format.
type promWriter struct{ b []byte }

// family writes the HELP and TYPE lines of a metric family.
func (w *promWriter) family(name, typ, help string) {
	w.b = append(w.b, "# HELP "...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, help...)
	w.b = append(w.b, "\n# TYPE "...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, typ...)
	w.b = append(w.b, '\n')
}

// sample writes an integer sample; labels are name, value pairs.
func (w *promWriter) sample(name string, v uint64, labels ...string) {
	w.head(name, labels)
	w.b = strconv.AppendUint(w.b, v, 10)
	w.b = append(w.b, '\n')
}

// float writes a floating-point sample; labels are name, value pairs.
func (w *promWriter) float(name string, v float64, labels ...string) {
	w.head(name, labels)
	w.b = strconv.AppendFloat(w.b, v, 'g', -1, 64)
	w.b = append(w.b, '\n')
}

// head writes a sample's name and labels, and the space before its value.
func (w *promWriter) head(name string, labels []string) {
	w.b = append(w.b, name...)
	if len(labels) > 0 {
		w.b = append(w.b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, labels[i]...)
			w.b = append(w.b, `="`...)
			w.b = appendLabelValue(w.b, labels[i+1])
			w.b = append(w.b, '"')
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ' ')
}

// appendLabelValue escapes a label value: backslash, double quote and line
// feed.
func appendLabelValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}
