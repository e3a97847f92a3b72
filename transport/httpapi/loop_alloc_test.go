//go:build !race

package httpapi

import (
	"io"
	"net"
	"runtime"
	"strconv"
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
	nc := c.dial()
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

// TestNoRaceLoopBodyGrowsAsItArrives checks that a request head announcing
// a large body costs the loop only the bytes that actually arrived: twenty
// connections announcing 9 MiB each and sending 100 bytes must not make
// the loop allocate anything like 180 MiB.
func TestNoRaceLoopBodyGrowsAsItArrives(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	_, c := startServer(t, func(c *Config) { c.EventLoops = 1 })
	addr := strings.TrimPrefix(c.base, "http://")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 20 {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		head := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(9<<20) + "\r\n\r\n"
		if _, err := io.WriteString(nc, head+`["SET","k","`+strings.Repeat("v", 100)); err != nil {
			t.Fatal(err)
		}
	}
	// Once a later request is answered, the loop has read the partial ones
	// (their bytes were ready before it).
	expect(t, "probe", c.post("/", `["PING"]`), 200, `{"result":"PONG"}`)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("the loop allocated %d MiB for 20 partial bodies of 100 bytes", grew>>20)
	}
}
