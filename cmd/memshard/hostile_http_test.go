package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The hostile tests of the HTTP listener: slow clients holding every
// connection slot, and requests whose replies would be far larger than
// the request.

// TestHostileHTTPDefaultReadTimeout: with no flags the HTTP listener has a
// read timeout, so a slow client cannot hold a connection slot forever
// (with none, 40 slow clients at --http-max-conns 40 shut every other
// client out with 503 for good).
func TestHostileHTTPDefaultReadTimeout(t *testing.T) {
	h := startHostile(t)
	if h.cfg.HTTPReadTimeout <= 0 {
		t.Fatalf("default --http-read-timeout is %v; slow clients could hold every slot forever", h.cfg.HTTPReadTimeout)
	}
	if code, body := h.httpPost(t, "/", `["PING"]`); code != 200 || body != `{"result":"PONG"}` {
		t.Fatalf("PING: %d %s", code, body)
	}
}

// TestHostileSlowloris: 40 slow clients take all 40 connection slots, ten
// of each kind — silent, a fast-path head a byte at a time, a head
// fasthttp serves a byte at a time, a whole head with a body a byte at a
// time — and keep trickling. With a 1 s read timeout every one is cut
// within about two seconds (a deadline, not a bound per read), and
// another client is answered within five. Heap bound: 64 MiB over the
// start.
func TestHostileSlowloris(t *testing.T) {
	h := startHostile(t, "--http-max-conns", "40", "--http-read-timeout", "1s")
	if code, body := h.tryPost("/", `["SET","k","v"]`); code != 200 { // no connection kept open
		t.Fatalf("SET: %d %s", code, body)
	}
	addr := strings.TrimPrefix(h.httpURL, "http://")
	heap := watchHeap()
	base := liveHeap()
	kinds := []string{
		"",
		"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 200),
		"GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 200),
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + `["SET","k","` + strings.Repeat("a", 900),
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	cut := make(chan time.Duration, 40)
	for i := range 40 {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		wg.Add(1)
		go func(nc net.Conn, send string) {
			defer wg.Done()
			start := time.Now()
			go func() { // notice when the server closes the connection
				io.Copy(io.Discard, nc)
				cut <- time.Since(start)
			}()
			head := len(send) / 4 // most of the head at once, then a byte at a time
			if _, err := io.WriteString(nc, send[:head]); err != nil {
				return
			}
			for _, c := range []byte(send[head:]) {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := nc.Write([]byte{c}); err != nil {
					return
				}
			}
		}(nc, kinds[i%len(kinds)])
	}
	defer func() { close(stop); wg.Wait() }()

	// Every slot is taken: a new client is refused at first.
	time.Sleep(100 * time.Millisecond)
	if code, body := h.tryPost("/", `["GET","k"]`); code != http.StatusServiceUnavailable {
		t.Fatalf("with 40 slow clients holding the 40 slots: %d %s, want 503 (the test does not fill the slots)", code, body)
	}
	start := time.Now()
	for {
		code, body := h.tryPost("/", `["GET","k"]`)
		if code == 200 {
			if body != `{"result":"v"}` {
				t.Fatalf("GET k: %s", body)
			}
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("another client still refused after %v: %d %s", time.Since(start), code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("another client answered %v after the slots filled", time.Since(start))
	var worst time.Duration
	for range 40 {
		select {
		case d := <-cut:
			worst = max(worst, d)
		case <-time.After(5 * time.Second):
			t.Fatalf("a slow client was not cut within 5 s")
		}
	}
	peak := heap.stop()
	t.Logf("all 40 slow clients cut, the last after %v; heap peak %.1f MiB over a start of %.1f MiB", worst, float64(peak-min(peak, base))/mib, float64(base)/mib)
	if peak > base+64*mib {
		t.Errorf("heap peak %d MiB over the start, want under 64", (peak-base)/mib)
	}
	h.pingWithin(t, time.Second)
	if code, body := h.httpPost(t, "/", `["GET","k"]`); code != 200 || body != `{"result":"v"}` {
		t.Fatalf("data after: %d %s", code, body)
	}
}

// tryPost posts body to path on a new connection and returns the status
// and body, or 0 and the error's text.
func (h *hostileServer) tryPost(path, body string) (int, string) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Post(h.httpURL+path, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
