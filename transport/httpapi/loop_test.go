package httpapi

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawPost is a POST with a Content-Length body and extra header lines.
func rawPost(path, body string, headers ...string) string {
	h := "POST " + path + " HTTP/1.1\r\nHost: x\r\n"
	for _, l := range headers {
		h += l + "\r\n"
	}
	return h + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// exchange sends reqs over one connection — in one write, or in chunks of
// random sizes when rng is set — and reads one answer per request (fewer
// when the server closes). Each answer is status, headers but Date, body.
func exchange(t *testing.T, addr string, reqs []string, rng *rand.Rand) []string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	all := []byte(strings.Join(reqs, ""))
	var pieces []int // chunk sizes, drawn here: rng is not shared with the writer
	for rest, piece := len(all), max(40, len(all)/50); rest > 0; {
		n := rest
		if rng != nil {
			n = min(n, 1+rng.IntN(piece)) // a large body goes in ~50 pieces
		}
		pieces = append(pieces, n)
		rest -= n
	}
	wrote := make(chan struct{})
	defer func() { nc.Close(); <-wrote }()
	go func() {
		defer close(wrote)
		for _, n := range pieces {
			if _, err := nc.Write(all[:n]); err != nil {
				return
			}
			all = all[n:]
			if rng != nil {
				time.Sleep(200 * time.Microsecond)
			}
		}
	}()
	br := bufio.NewReader(nc)
	var out []string
	for range reqs {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			out = append(out, "error: "+err.Error())
			break
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Header.Del("Date")
		var hb bytes.Buffer
		resp.Header.Write(&hb)
		out = append(out, resp.Status+"\n"+hb.String()+string(b))
		if resp.Close {
			break
		}
	}
	return out
}

// loopScripts are request sequences, each over one connection, mixing what
// the event loop serves with what it hands over to fasthttp.
var loopScripts = map[string][]string{
	"set get":      {rawPost("/", `["SET","k","v"]`), rawPost("/", `["GET","k"]`), rawPost("/", ` ["INCR","n"]`)},
	"pipeline":     {rawPost("/pipeline", `[["SET","p","1"],["INCR","p"],["GET","p"],["GET","nope"]]`), rawPost("/", `["GET","p"]`)},
	"errors":       {rawPost("/", `["NOPE"]`), rawPost("/", `["GET"]`), rawPost("/", `["INCR","s"]`), rawPost("/", `["SET","s","x"]`), rawPost("/", `["INCR","s"]`)},
	"query":        {rawPost("/", `["SET","q","1"]`), rawPost("/", `{"query":"GET q"}`), rawPost("/", `["GET","q"]`)},
	"bad json":     {rawPost("/", `["SET","a"`), rawPost("/", `["SET","a","1"]`), rawPost("/pipeline", `[["GET","a"]`)},
	"bad shapes":   {rawPost("/", `"GET"`), rawPost("/", ``), rawPost("/pipeline", `[]`), rawPost("/", `["GET","a"]`)},
	"other routes": {"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n", rawPost("/", `["SET","r","1"]`), "GET /GET/r HTTP/1.1\r\nHost: x\r\n\r\n"},
	"txn refused":  {rawPost("/", `["MULTI"]`), rawPost("/pipeline", `[["SET","t","1"],["EXEC"]]`), rawPost("/", `["GET","t"]`)},
	"multi-exec": {rawPost("/multi-exec", `[["SET","m","1"],["INCR","m"]]`), rawPost("/", `["GET","m"]`),
		rawPost("/multi-exec", `[["SET","m2","x"],["INCR","m2"],["GET","m2"]]`, "Upstash-Encoding: base64"),
		rawPost("/multi-exec", `[["SET","m3"],["INCR","m"]]`), rawPost("/multi-exec", `[["NOPE"],["INCR","m"]]`),
		rawPost("/", `["GET","m"]`), rawPost("/multi-exec", `[]`)},
	"multi-exec refused": {rawPost("/multi-exec", `[["SET","w","1"]]`), rawPost("/multi-exec", `[["WATCH","w"],["SET","w","2"]]`),
		rawPost("/multi-exec", `[["SET","w","3"]]`)},
	"base64": {rawPost("/", `["SET","b","hello"]`, "Upstash-Encoding: base64"), rawPost("/", `["GET","b"]`, "Upstash-Encoding: base64"),
		rawPost("/", `["GET","b"]`, "upstash-encoding:  Base64 "), rawPost("/", `["INCR","bn"]`, "Upstash-Encoding: base64"),
		rawPost("/pipeline", `[["SET","b2","x"],["GET","b2"],["MGET","b","b2","nope"],["NOPE"]]`, "Upstash-Encoding: base64"),
		rawPost("/", `["GET","b"]`, "Upstash-Encoding: hex"), rawPost("/", `["GET","b"]`, "Upstash-Encoding: base64", "Upstash-Encoding: base64"),
		rawPost("/", `["GET","b"]`)},
	"header forms": {"POST / HTTP/1.1\r\nhost: x\r\ncontent-length:   11 \r\nconnection: Keep-Alive\r\nX-Other: y\r\n\r\n" + `["GET","k"]`, rawPost("/", `["GET","k"]`, "Content-Type: application/json", "Accept: */*")},
	"conn close":   {rawPost("/", `["SET","c","1"]`), rawPost("/", `["GET","c"]`, "Connection: close"), rawPost("/", `["GET","c"]`)},
	"chunked":      {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n[\"GET\",\"k\"]\r\n0\r\n\r\n", rawPost("/", `["GET","k"]`)},
	"http/1.0":     {"POST / HTTP/1.0\r\nContent-Length: 11\r\n\r\n" + `["GET","k"]`},
	"two lengths":  {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nContent-Length: 11\r\n\r\n" + `["GET","k"]`},
	"bad length":   {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +11\r\n\r\n" + `["GET","k"]`},
	"session commands": {rawPost("/", `["CLIENT","SETNAME","x"]`), rawPost("/", `["CLIENT","GETNAME"]`), rawPost("/", `["HELLO","3"]`),
		rawPost("/", `["SELECT","0"]`), rawPost("/", `["SELECT","1"]`), rawPost("/pipeline", `[["RESET"],["ECHO","e"],["DBSIZE"]]`),
		rawPost("/", `["QUIT"]`), rawPost("/", `["AUTH","x"]`), rawPost("/", `["SUBSCRIBE","ch"]`), rawPost("/", `["GET","k"]`)},
	"no host":       {"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n" + `["GET","k"]`},
	"two hosts":     {"POST / HTTP/1.1\r\nHost: x\r\nHost: y\r\nContent-Length: 11\r\n\r\n" + `["GET","k"]`},
	"no length":     {"POST / HTTP/1.1\r\nHost: x\r\n\r\n", rawPost("/", `["GET","k"]`)},
	"large value":   {rawPost("/", `["SET","big","`+strings.Repeat("x", 100<<10)+`"]`), rawPost("/", `["STRLEN","big"]`), rawPost("/pipeline", `[["GET","big"],["STRLEN","big"]]`)},
	"over max body": {rawPost("/", `["SET","o","1"]`), rawPost("/", `["SET","o","`+strings.Repeat("y", 300<<10)+`"]`)},
	"garbage":       {rawPost("/", `["SET","g","1"]`), "NOT HTTP\r\n\r\n"},
	// Request lines fasthttp refuses as soon as they end: the loop must
	// not hold them until a blank line, 4 KB or the read timeout.
	"hello":        {rawPost("/", `["SET","g","1"]`), "HELLO\r\n"},
	"no version":   {"POST / HTTP1\r\nHost: x\r\n"},
	"lower method": {"post / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n" + `["GET","g"]`},
	"two spaces":   {"POST  / HTTP/1.1\r\n"},
	"bad uri":      {rawPost("/", `["SET","g","1"]`), "POST pipeline HTTP/1.1\r\n"},
	"only line":    {"POST /pipeline\r\n"},
	"bare lf":      {"POST / HTTP/1.1\r\nHost: x\nContent-Length: 11\n\n" + `["GET","g"]`, rawPost("/", `["GET","g"]`)},
	"bare lf line": {"POST / HTTP/1.1\nHost: x\r\nContent-Length: 11\r\n\r\n" + `["GET","g"]`},
	"leading crlf": {"\r\n" + rawPost("/", `["GET","g"]`), rawPost("/", `["GET","g"]`)},
	"longer path":  {"POST /pipelines HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", rawPost("/", `["GET","g"]`)},
	"options":      {"OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n", rawPost("/", `["GET","k"]`)},
	"wrong method": {"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", rawPost("/", `["GET","k"]`)},
	"path query":   {rawPost("/?x=1", `["GET","k"]`), rawPost("/", `["GET","k"]`)},
	"unicode spaces": {rawPost("/", `["SET","u","hello"]`), rawPost("/", `["GET","u"]`, "Upstash-Encoding: base64\u00a0"),
		rawPost("/", `["GET","u"]`, "Upstash-Encoding: base64\u0085"), rawPost("/", `["GET","u"]`, "Upstash-Encoding:\u2003base64"),
		rawPost("/pipeline", `[["GET","u"]]`, "Upstash-Encoding: base64\u3000"), rawPost("/", `["GET","u"]`, "Upstash-Encoding:\tbase64\t"),
		rawPost("/", `["GET","u"]`, "Upstash-Encoding: base64\v"), rawPost("/", `["GET","u"]`)},
}

// limitScripts run against servers whose answers may take 4 KiB
// (Config.MaxResponse): replies past it answer one error naming the limit,
// and a pipeline stops there.
var limitScripts = map[string][]string{
	"over root": {rawPost("/", `["SET","big","`+strings.Repeat("x", 5000)+`"]`), rawPost("/", `["GET","big"]`),
		rawPost("/", `["GET","big"]`, "Upstash-Encoding: base64"), rawPost("/", `["STRLEN","big"]`)},
	// What follows the reply that does not fit may or may not have run
	// (it did if its shard, which differs between two servers, had it).
	"over pipeline": {rawPost("/pipeline", `[["INCR","n"],["SET","a","`+strings.Repeat("a", 1500)+`"],["GET","a"],["GET","a"],["GET","a"]]`),
		rawPost("/pipeline", `[["GET","n"],["STRLEN","a"]]`)},
	"over pipeline b64": {rawPost("/pipeline", `[["INCR","n2"],["SET","c","`+strings.Repeat("c", 1200)+`"],["GET","c"],["GET","c"]]`, "Upstash-Encoding: base64"),
		rawPost("/", `["GET","n2"]`)},
	"over multi-exec": {rawPost("/multi-exec", `[["SET","d","`+strings.Repeat("d", 3000)+`"],["GET","d"],["GET","d"],["INCR","n3"]]`),
		rawPost("/", `["GET","n3"]`), rawPost("/multi-exec", `[["STRLEN","d"]]`)},
	"escapes": {rawPost("/", `["SET","e","`+strings.Repeat(`\u0001`, 1000)+`"]`), rawPost("/", `["GET","e"]`), rawPost("/pipeline", `[["STRLEN","e"],["GET","e"]]`)},
	"fits":    {rawPost("/pipeline", `[["SET","f","`+strings.Repeat("f", 1000)+`"],["GET","f"],["GET","f"]]`)},
}

// authScripts run against servers with both tokens set.
var authScripts = map[string][]string{
	"no token":    {rawPost("/", `["GET","k"]`), rawPost("/", `["GET","k"]`, "Authorization: Bearer full")},
	"wrong token": {rawPost("/", `["GET","k"]`, "Authorization: Bearer nope")},
	"full":        {rawPost("/", `["SET","k","1"]`, "Authorization: Bearer full"), rawPost("/pipeline", `[["GET","k"]]`, "authorization: bearer  full ")},
	"read only":   {rawPost("/", `["GET","k"]`, "Authorization: Bearer ro"), rawPost("/", `["SET","k","2"]`, "Authorization: Bearer ro"), rawPost("/", `["GET","k"]`, "Authorization: Bearer full")},
	"query token": {"POST /?_token=full HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n" + `["GET","k"]`},
	"two auths":   {rawPost("/", `["GET","k"]`, "Authorization: Bearer ro", "Authorization: Bearer full")},
	"token spaces": {rawPost("/", `["GET","k"]`, "Authorization: Bearer full\u00a0"), rawPost("/", `["GET","k"]`, "Authorization: Bearer\tfull"),
		rawPost("/", `["GET","k"]`, "Authorization: Bearer \tfull\t ")},
}

// TestLoopMatchesFasthttp sends the same request sequences to a server
// whose event loop serves connections and to one where fasthttp serves
// them all, and requires the same answers, with the requests in one write
// and dribbled in small pieces.
func TestLoopMatchesFasthttp(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	run := func(t *testing.T, scripts map[string][]string, mod func(*Config)) int {
		checked := 0
		for _, dribble := range []bool{false, true} {
			loopSrv, lc := startServer(t, func(c *Config) { mod(c); c.EventLoops = 1 })
			plainSrv, pc := startServer(t, func(c *Config) { mod(c); c.EventLoops = -1 })
			if len(loopSrv.loops) != 1 || len(plainSrv.loops) != 0 {
				t.Fatalf("loops: %d and %d", len(loopSrv.loops), len(plainSrv.loops))
			}
			for name, reqs := range scripts {
				var r *rand.Rand
				if dribble {
					r = rng
				}
				got := exchange(t, strings.TrimPrefix(lc.base, "http://"), reqs, r)
				want := exchange(t, strings.TrimPrefix(pc.base, "http://"), reqs, r)
				if g, w := strings.Join(got, "\n---\n"), strings.Join(want, "\n---\n"); g != w {
					t.Errorf("%s (dribbled %v):\nloop:\n%s\nfasthttp:\n%s", name, dribble, clip(g), clip(w))
				}
				checked += len(got)
			}
		}
		return checked
	}
	n := run(t, loopScripts, func(c *Config) { c.MaxBodySize = 200 << 10 })
	n += run(t, authScripts, func(c *Config) { c.Token, c.ReadOnlyToken = "full", "ro" })
	n += run(t, limitScripts, func(c *Config) { c.MaxResponse = 4 << 10 })
	t.Logf("%d answers compared", n)
}

// clip shortens s for a failure message.
func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLoopBadRequestLineAtOnce checks that a request line fasthttp would
// refuse is answered 400 as soon as it ends, long before the read timeout,
// even with no blank line after it.
func TestLoopBadRequestLineAtOnce(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	_, c := startServer(t, func(c *Config) { c.EventLoops, c.ReadTimeout = 1, time.Minute })
	for _, line := range []string{"HELLO\r\n", "POST / HTTP1\r\n", "POST /\r\n", "GET\r\n"} {
		nc := c.dial()
		start := time.Now()
		nc.SetDeadline(start.Add(2 * time.Second))
		io.WriteString(nc, line)
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil {
			t.Fatalf("%q: %v after %v", line, err, time.Since(start))
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !resp.Close {
			t.Errorf("%q: %s, close %v; want 400 and close", line, resp.Status, resp.Close)
		}
		nc.Close()
	}
}

// TestLoopHandOver checks who serves a connection: the loop for POST /,
// fasthttp from the first request the loop does not serve on, with the
// connection counted once throughout.
func TestLoopHandOver(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	s, c := startServer(t, func(c *Config) { c.EventLoops = 1 })
	nc := c.dial()
	br := bufio.NewReader(nc)
	send := func(req, want string) {
		t.Helper()
		if _, err := io.WriteString(nc, req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != want {
			t.Fatalf("%q: got %s, want %s", req, b, want)
		}
	}
	conns := func() (loop, fast int64) {
		return s.loops[0].openConns(), int64(s.srv.GetOpenConnectionsCount())
	}
	send(rawPost("/", `["SET","h","1"]`), `{"result":"OK"}`)
	if l, f := conns(); l != 1 || f != 0 {
		t.Fatalf("after POST /: loop %d, fasthttp %d connections", l, f)
	}
	send("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n", "OK")
	waitFor(t, "handed over", func() bool { l, f := conns(); return l == 0 && f == 1 })
	send(rawPost("/", `["GET","h"]`), `{"result":"1"}`)
	metrics := c.do("GET", "/metrics", "").body
	if !strings.Contains(metrics, `memshard_connections{transport="http"} 2`) {
		t.Errorf("metrics do not count both connections once:\n%s", grepLines(metrics, "memshard_connections"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestLoopTimeouts checks the loop's sweep: an idle connection is closed
// after IdleTimeout, and one stuck in the middle of a request gets 408
// and is closed, as fasthttp does it (TestLoop408MatchesFasthttp).
func TestLoopTimeouts(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	_, c := startServer(t, func(c *Config) { c.EventLoops, c.ReadTimeout, c.IdleTimeout = 1, time.Second, time.Second })
	dial := func() (net.Conn, *bufio.Reader) {
		nc := c.dial()
		return nc, bufio.NewReader(nc)
	}
	idle, ibr := dial()
	io.WriteString(idle, rawPost("/", `["PING"]`))
	resp, err := http.ReadResponse(ibr, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PING: %v %v", resp, err)
	}
	io.ReadAll(resp.Body)
	stuck, sbr := dial()
	io.WriteString(stuck, rawPost("/", `["PING"]`)[:30])
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: read %v, want EOF", err)
	}
	resp, err = http.ReadResponse(sbr, nil)
	if err != nil || resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
		t.Fatalf("stuck request: %v %v", resp, err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != errTimeout {
		t.Errorf("408 body %q", b)
	}
	if _, err := sbr.ReadByte(); err != io.EOF {
		t.Errorf("after the 408: %v, want EOF", err)
	}
}

// TestLoopClose checks that Close closes the loop's idle connections and
// the ones handed over to fasthttp.
func TestLoopClose(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	s, c := startServer(t, func(c *Config) { c.EventLoops = 1 })
	var conns []net.Conn
	for i := range 6 {
		nc := c.dial()
		req := rawPost("/", `["PING"]`)
		if i%2 == 1 {
			req = "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n" // handed over
		}
		io.WriteString(nc, req)
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("request %d: %v %v", i, resp, err)
		}
		io.ReadAll(resp.Body)
		conns = append(conns, nc)
	}
	waitFor(t, "three on the loop", func() bool { return s.loops[0].openConns() == 3 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i, nc := range conns {
		if n, err := nc.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("connection %d after Close: read %d, %v; want EOF", i, n, err)
		}
	}
	if n := s.loops[0].openConns(); n != 0 {
		t.Errorf("%d connections left on the loop", n)
	}
}

// TestLoop408MatchesFasthttp compares the loop's 408 with fasthttp's, Date
// aside.
func TestLoop408MatchesFasthttp(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	raw := func(loops int, send string) string {
		_, c := startServer(t, func(c *Config) { c.EventLoops, c.ReadTimeout, c.IdleTimeout = loops, time.Second, time.Second })
		nc := c.dial()
		io.WriteString(nc, send)
		b, err := io.ReadAll(nc)
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(string(b), "Date: ")
		j := strings.Index(string(b), " GMT\r\n")
		if i < 0 || j < i {
			t.Fatalf("no Date in %q", b)
		}
		return string(b[:i]) + string(b[j+6:])
	}
	// A request cut short, and a new connection that sends nothing (its
	// first request's clock runs from the connection's arrival).
	for _, send := range []string{rawPost("/", `["PING"]`)[:30], ""} {
		if loop, plain := raw(1, send), raw(-1, send); loop != plain {
			t.Errorf("after %q: 408 from the loop:\n%q\nfrom fasthttp:\n%q", send, loop, plain)
		}
	}
}

// TestLoopSlowReader has the loop answer more than the socket takes: the
// client sends 120 pipelined requests for a 100 KiB value (12 MiB of
// answers) before reading any answer, so the loop must wait for the socket
// to drain (EPOLLOUT) and keep every byte in order.
func TestLoopSlowReader(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	s, c := startServer(t, func(c *Config) { c.EventLoops = 1 })
	big := strings.Repeat("b", 100<<10)
	expect(t, "set", c.post("/", `["SET","big","`+big+`"]`), 200, `{"result":"OK"}`)
	nc := c.dial()
	const n = 120
	if _, err := io.WriteString(nc, strings.Repeat(rawPost("/", `["GET","big"]`), n)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the answers fill the socket before reading
	br := bufio.NewReader(nc)
	for i := range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != `{"result":"`+big+`"}` {
			t.Fatalf("answer %d: %d bytes, not the value", i, len(b))
		}
	}
	if n := s.srv.GetOpenConnectionsCount(); n != 0 {
		t.Errorf("%d connections were handed to fasthttp; the loop should have served them all", n)
	}
	expect(t, "after", c.post("/", `["STRLEN","big"]`), 200, `{"result":102400}`)
}

// TestHeaderSpacesBothPaths holds the loop and fasthttp to one reading of
// Upstash-Encoding with spaces around it: spaces and tabs are trimmed
// (base64 answers), Unicode spaces are part of the value (plain answers).
func TestHeaderSpacesBothPaths(t *testing.T) {
	checked := 0
	for _, loops := range []int{1, -1} {
		_, c := startServer(t, func(c *Config) { c.EventLoops = loops })
		expect(t, "set", c.post("/", `["SET","u","hello"]`), 200, `{"result":"OK"}`)
		for _, v := range []string{" base64 ", "\tbase64\t", "base64\u00a0", "base64\u0085", "\u2003base64", "base64\u3000", "\u1680base64", "base64\u2028"} {
			want := `{"result":"hello"}`
			if strings.Trim(v, " \t") == "base64" {
				want = `{"result":"aGVsbG8="}`
			}
			expect(t, fmt.Sprintf("loops %d, Upstash-Encoding %q", loops, v), c.post("/", `["GET","u"]`, "Upstash-Encoding", v), 200, want)
			checked++
		}
	}
	t.Logf("%d answers checked", checked)
}
