package httpapi

import (
	"bufio"
	"context"
	"net"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memshard/memshard/transport/resp"
)

// scrape is a parsed /metrics answer.
type scrape struct {
	samples map[string]float64 // by series: name{k="v",...} with labels sorted
	types   map[string]string  // family -> type
	text    string
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)

var labelPair = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)`)

// parseMetrics checks the exposition format of text and returns its
// samples: every sample line is name{labels} value, every family has HELP
// then TYPE before its samples, and no series appears twice.
func parseMetrics(t *testing.T, text string) scrape {
	t.Helper()
	sc := scrape{samples: map[string]float64{}, types: map[string]string{}, text: text}
	help := map[string]bool{}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("output does not end with a line feed")
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if f, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, _, _ := strings.Cut(f, " ")
			help[name] = true
			continue
		}
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(f, " ")
			if !help[name] {
				t.Errorf("line %d: TYPE of %s before its HELP", i+1, name)
			}
			sc.types[name] = typ
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %d is not a sample: %q", i+1, line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("line %d: value %q: %v", i+1, m[3], err)
		}
		labels := parseLabels(t, m[2])
		fam := family(sc.types, m[1])
		if sc.types[fam] == "" {
			t.Errorf("line %d: sample %s has no TYPE line before it", i+1, m[1])
		}
		key := series(m[1], labels)
		if _, dup := sc.samples[key]; dup {
			t.Errorf("series %s appears twice", key)
		}
		sc.samples[key] = v
	}
	checkHistograms(t, sc)
	return sc
}

func parseLabels(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s != "" {
		m := labelPair.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("bad labels %q", s)
		}
		out[m[1]] = m[2]
		s = s[len(m[0]):]
	}
	return out
}

// family is the metric family of a sample name: histograms own their
// _bucket, _sum and _count series.
func family(types map[string]string, name string) string {
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok && types[base] == "histogram" {
			return base
		}
	}
	return name
}

// series is the canonical key of a sample.
func series(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	if len(keys) > 0 {
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k + `="` + labels[k] + `"`)
		}
		b.WriteByte('}')
	}
	return b.String()
}

// checkHistograms checks every histogram series: buckets in increasing le
// order with cumulative counts, the last one +Inf and equal to _count.
func checkHistograms(t *testing.T, sc scrape) {
	t.Helper()
	checked := 0
	lines := strings.Split(sc.text, "\n")
	for fam, typ := range sc.types {
		if typ != "histogram" {
			continue
		}
		type bucket struct {
			le float64
			n  float64
		}
		byLabels := map[string][]bucket{}
		for _, line := range lines {
			m := sampleLine.FindStringSubmatch(line)
			if m == nil || m[1] != fam+"_bucket" {
				continue
			}
			labels := parseLabels(t, m[2])
			le, err := strconv.ParseFloat(labels["le"], 64)
			if err != nil {
				t.Fatalf("%s: le %q", line, labels["le"])
			}
			delete(labels, "le")
			n, _ := strconv.ParseFloat(m[3], 64)
			k := series("", labels)
			byLabels[k] = append(byLabels[k], bucket{le, n})
		}
		if len(byLabels) == 0 {
			t.Errorf("histogram %s has no buckets", fam)
		}
		for k, bs := range byLabels {
			for i := 1; i < len(bs); i++ {
				if bs[i].le <= bs[i-1].le || bs[i].n < bs[i-1].n {
					t.Errorf("%s%s: bucket %d (le %g, %g) after (le %g, %g)", fam, k, i, bs[i].le, bs[i].n, bs[i-1].le, bs[i-1].n)
				}
			}
			last := bs[len(bs)-1]
			count, ok := sc.samples[fam+"_count"+k]
			if !ok || last.le != posInf || last.n != count {
				t.Errorf("%s%s: last bucket le %g = %g, _count %g (present %v)", fam, k, last.le, last.n, count, ok)
			}
			if _, ok := sc.samples[fam+"_sum"+k]; !ok {
				t.Errorf("%s%s: no _sum", fam, k)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("no histogram series checked")
	}
}

var posInf, _ = strconv.ParseFloat("+Inf", 64)

// get returns a sample's value, 0 when absent (a counter not yet moved).
func (sc scrape) get(name string, labels ...string) float64 {
	m := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		m[labels[i]] = labels[i+1]
	}
	return sc.samples[series(name, m)]
}

// fetchMetrics scrapes /metrics (with a bearer token when tok is set) and
// parses it.
func fetchMetrics(t *testing.T, c *client, tok string) scrape {
	t.Helper()
	var h []string
	if tok != "" {
		h = []string{"Authorization", "Bearer " + tok}
	}
	r := c.do("GET", "/metrics", "", h...)
	if r.status != 200 {
		t.Fatalf("GET /metrics: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != contentMetrics {
		t.Errorf("content type %q, want %q", ct, contentMetrics)
	}
	return parseMetrics(t, r.body)
}

// respConn is a raw RESP client for tests.
type respConn struct {
	t  *testing.T
	nc net.Conn
	rd *bufio.Reader
}

func dialRESP(t *testing.T, addr string) *respConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &respConn{t: t, nc: nc, rd: bufio.NewReader(nc)}
}

// do sends one command and returns its reply's first line (and the bulk
// after a $ line).
func (c *respConn) do(args ...string) string {
	c.t.Helper()
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write([]byte(b.String())); err != nil {
		c.t.Fatal(err)
	}
	line, err := c.rd.ReadString('\n')
	if err != nil {
		c.t.Fatalf("%v: %v", args, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "$") && line != "$-1" {
		bulk, err := c.rd.ReadString('\n')
		if err != nil {
			c.t.Fatal(err)
		}
		line += " " + strings.TrimRight(bulk, "\r\n")
	}
	return line
}

// TestMetricsCounts runs commands over RESP, HTTP and WebSocket and checks
// that /metrics moved by exactly what ran, and never shows a key.
func TestMetricsCounts(t *testing.T) {
	s, c := startServer(t, nil)
	rs := resp.New(s.r, resp.Config{Addr: "127.0.0.1:0"})
	raddr, err := rs.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	s.AddConnStats("resp", func() ConnStats {
		open, acc, rej := rs.ConnStats()
		return ConnStats{Open: int64(open), Accepted: acc, Rejected: rej}
	})
	before := fetchMetrics(t, c, "")

	rc := dialRESP(t, raddr.String())
	for i := 0; i < 3; i++ {
		if got := rc.do("SET", "secret-resp-key-"+strconv.Itoa(i), "secret-value"); got != "+OK" {
			t.Fatalf("SET: %s", got)
		}
	}
	rc.do("get", "secret-resp-key-0")
	rc.do("NOSUCHCMD", "secret-arg")
	if got := rc.do("INCR", "secret-resp-key-1"); !strings.HasPrefix(got, "-ERR") {
		t.Fatalf("INCR of a string: %s", got)
	}
	rc.do("CLIENT", "SETNAME", "metrics-test")
	if got := rc.do("AUTH", "secret-password"); !strings.HasPrefix(got, "-ERR") {
		t.Fatalf("AUTH without a password set: %s", got)
	}

	expect(t, "POST /", c.post("/", `["SET","secret-http-key","v"]`), 200, `{"result":"OK"}`)
	expect(t, "POST /", c.post("/", `["GET","secret-http-key"]`), 200, `{"result":"v"}`)
	expect(t, "pipeline", c.post("/pipeline", `[["INCR","secret-http-key"],["GET","secret-http-key"]]`), 200,
		`[{"error":"ERR value is not an integer or out of range"},{"result":"v"}]`)
	expectError(t, "POST /metrics", c.post("/metrics", ""), 405, "ERR method not allowed")

	ws := wsDial(t, c, "/v1/ws")
	wsExpect(t, ws, `{"type":"cmd","id":1,"cmd":["SET","secret-ws-key","v"]}`, `{"type":"result","id":1,"result":"OK"}`)
	wsSend(t, ws, `{"type":"cmd","id":2,"cmd":["FROB","secret-ws-key"]}`)
	if got := wsRecv(t, ws); !strings.HasPrefix(got, `{"type":"error","id":2,"error":"ERR unknown command`) {
		t.Errorf("unknown command over WebSocket: %s", got)
	}

	after := fetchMetrics(t, c, "")
	delta := func(name string, labels ...string) float64 {
		return after.get(name, labels...) - before.get(name, labels...)
	}
	for _, w := range []struct {
		name, cmd, tr string
		want          float64
	}{
		{"memshard_commands_total", "set", "resp", 3},
		{"memshard_commands_total", "get", "resp", 1},
		{"memshard_commands_total", "unknown", "resp", 1},
		{"memshard_command_errors_total", "unknown", "resp", 1},
		{"memshard_commands_total", "incr", "resp", 1},
		{"memshard_command_errors_total", "incr", "resp", 1},
		{"memshard_command_errors_total", "set", "resp", 0},
		{"memshard_commands_total", "client", "resp", 1},
		{"memshard_command_errors_total", "client", "resp", 0},
		{"memshard_commands_total", "auth", "resp", 1},
		{"memshard_command_errors_total", "auth", "resp", 1},
		{"memshard_commands_total", "set", "http", 1},
		{"memshard_commands_total", "get", "http", 2},
		{"memshard_commands_total", "incr", "http", 1},
		{"memshard_command_errors_total", "incr", "http", 1},
		{"memshard_commands_total", "set", "ws", 1},
		{"memshard_commands_total", "unknown", "ws", 1},
		{"memshard_command_errors_total", "unknown", "ws", 1},
		{"memshard_commands_total", "set", "embedded", 0},
	} {
		if got := delta(w.name, "cmd", w.cmd, "transport", w.tr); got != w.want {
			t.Errorf("%s{cmd=%q,transport=%q} moved by %g, want %g", w.name, w.cmd, w.tr, got, w.want)
		}
	}
	// One observation per Exec call: each RESP router command came in a
	// read of its own; connection commands run no Exec.
	for tr, want := range map[string]float64{"resp": 6, "http": 3, "ws": 2, "embedded": 0} {
		if got := delta("memshard_request_duration_seconds_count", "transport", tr); got != want {
			t.Errorf("request_duration_seconds_count{transport=%q} moved by %g, want %g", tr, got, want)
		}
	}
	checkGauges(t, after)
	for _, secret := range []string{"secret", "FROB", "NOSUCHCMD", "metrics-test"} {
		if strings.Contains(after.text, secret) {
			t.Errorf("the output contains %q", secret)
		}
	}
}

// checkGauges checks the connection and keyspace figures after
// TestMetricsCounts's commands, with one RESP and one WebSocket client open.
func checkGauges(t *testing.T, sc scrape) {
	t.Helper()
	for _, w := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"memshard_keys", nil, 5},
		{"memshard_shards", nil, 4},
		{"memshard_connections", []string{"transport", "resp"}, 1},
		{"memshard_connections_total", []string{"transport", "resp"}, 1},
		{"memshard_rejected_connections_total", []string{"transport", "resp"}, 0},
		{"memshard_connections", []string{"transport", "ws"}, 1},
		{"memshard_connections_total", []string{"transport", "ws"}, 1},
	} {
		if got := sc.get(w.name, w.labels...); got != w.want {
			t.Errorf("%s%v = %g, want %g", w.name, w.labels, got, w.want)
		}
	}
	for _, name := range []string{"memshard_keyspace_hits_total", "memshard_keyspace_misses_total",
		"memshard_expired_keys_total", "memshard_keys_with_ttl", "memshard_uptime_seconds",
		"memshard_go_heap_objects_bytes", "memshard_go_goroutines"} {
		if sc.types[name] == "" {
			t.Errorf("family %s is missing", name)
		}
	}
	if sc.get("memshard_keyspace_hits_total") < 3 {
		t.Errorf("keyspace hits %g, want at least 3", sc.get("memshard_keyspace_hits_total"))
	}
	if sc.get("memshard_connections_total", "transport", "http") < 1 {
		t.Error("no HTTP connection counted")
	}
	if !strings.Contains(sc.text, "\nmemshard_build_info{version=\"dev\",goversion=\"go") {
		t.Error("build_info is missing or has other labels")
	}
}

// TestMetricsAuth checks that /metrics follows the HTTP token rules and
// never shows a token.
func TestMetricsAuth(t *testing.T) {
	const full, ro = "full-token-4c1d", "read-token-77ab"
	_, c := startServer(t, func(cfg *Config) { cfg.Token, cfg.ReadOnlyToken = full, ro })
	expectError(t, "no token", c.do("GET", "/metrics", ""), 401, "ERR Unauthorized")
	expectError(t, "wrong token", c.do("GET", "/metrics", "", "Authorization", "Bearer nope"), 401, "ERR Unauthorized")
	expectError(t, "POST", c.do("POST", "/metrics", "", "Authorization", "Bearer "+full), 405, "ERR method not allowed")
	before := fetchMetrics(t, c, ro)
	// A command the read-only token may not run is an error of its command.
	expectError(t, "read-only SET", c.post("/", `["SET","k","v"]`, "Authorization", "Bearer "+ro), 403, "NOPERM")
	after := fetchMetrics(t, c, full)
	for _, name := range []string{"memshard_commands_total", "memshard_command_errors_total"} {
		if d := after.get(name, "cmd", "set", "transport", "http") - before.get(name, "cmd", "set", "transport", "http"); d != 1 {
			t.Errorf("%s{cmd=set,transport=http} moved by %g, want 1", name, d)
		}
	}
	r := c.do("GET", "/metrics?_token="+ro, "")
	if r.status != 200 {
		t.Fatalf("?_token=: %d", r.status)
	}
	for _, tok := range []string{full, ro} {
		if strings.Contains(r.body, tok) || strings.Contains(after.text, tok) {
			t.Errorf("the output contains token %q", tok)
		}
	}
}

// TestMetricsDroppedSessions checks that counts survive sessions the HTTP
// pool drops: many concurrent requests, then the pool emptied by GCs.
func TestMetricsDroppedSessions(t *testing.T) {
	s, c := startServer(t, nil)
	sess := s.session()
	sess.Do(context.Background(), [][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	s.release(sess)
	const n = 40
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			r, err := c.hc.Post(c.base+"/", "application/json", strings.NewReader(`["GET","k"]`))
			if err == nil {
				r.Body.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	gcTwice()
	sc := fetchMetrics(t, c, "")
	if got := sc.get("memshard_commands_total", "cmd", "get", "transport", "http"); got != n {
		t.Errorf("commands_total{cmd=get,transport=http} = %g, want %d", got, n)
	}
	if got := sc.get("memshard_commands_total", "cmd", "set", "transport", "http"); got != 1 {
		t.Errorf("commands_total{cmd=set,transport=http} = %g, want 1", got)
	}
}

// gcTwice runs two collections: sync.Pool drops its sessions over two.
func gcTwice() {
	runtime.GC()
	runtime.GC()
}
