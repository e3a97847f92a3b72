//go:build !race

package httpapi

import (
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestNoRaceLoopZeroAlloc pins the event loop's fast path: a warm loop
// reading, running and answering keep-alive POST / and /pipeline requests
// allocates nothing per request. (/multi-exec allocates in the router,
// which copies queued commands and builds EXEC's reply, as over RESP.) The whole process's allocations are
// counted (the client's reads and writes allocate nothing), so a little
// background work is allowed for: under 0.05 per request.
func TestNoRaceLoopZeroAlloc(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	s, c := startServer(t, func(c *Config) { c.EventLoops = 1 })
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(c.base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	for _, tc := range []struct{ req, answer string }{
		{rawPost("/", `["SET","k","v"]`), `{"result":"OK"}`},
		{rawPost("/", `["GET","k"]`), `{"result":"v"}`},
		{rawPost("/", `["GET","k"]`, "Upstash-Encoding: base64"), `{"result":"dg=="}`},
		{rawPost("/pipeline", `[["SET","k","v"],["GET","k"]]`), `[{"result":"OK"},{"result":"v"}]`},
	} {
		req := []byte(tc.req)
		var one []byte // the whole answer, learnt from the first request
		if _, err := nc.Write(req); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		n, err := nc.Read(buf)
		if err != nil || !strings.HasSuffix(string(buf[:n]), tc.answer) {
			t.Fatalf("%q: %q %v", tc.req, buf[:n], err)
		}
		one = buf[:n]
		run := func(times int) {
			for range times {
				if _, err := nc.Write(req); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(nc, one); err != nil {
					t.Fatal(err)
				}
			}
		}
		run(100) // warm up
		if s.loops[0].openConns() != 1 {
			t.Fatalf("%q: the loop does not serve the connection", tc.req)
		}
		const reqs = 2000
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		run(reqs)
		runtime.ReadMemStats(&after)
		if per := float64(after.Mallocs-before.Mallocs) / reqs; per >= 0.05 {
			t.Errorf("%q: %.3f allocations per request, want 0", tc.req, per)
		} else {
			t.Logf("%q: %.4f allocations per request", tc.req, per)
		}
	}
}
