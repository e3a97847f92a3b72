package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
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

// TestHostileHTTPLargeReplies: with the read-only token, POST /pipeline
// of 200 x ["GET","k"] (2.4 KB) for a 1 MiB value asks for 200 MiB of
// replies (RSS 2.2 GB before the limit). On the defaults
// (--http-max-response 32mb) it answers the error naming the limit, on
// the event loop, on fasthttp and over a WebSocket, having built about
// the limit's worth of replies. Heap bound: four times the limit over the
// start, for each request.
func TestHostileHTTPLargeReplies(t *testing.T) {
	h := startHostile(t, "--token", "full", "--read-only-token", "ro")
	limit := h.setLargeValue(t)
	want := fmt.Sprintf(`{"error":"ERR reply exceeds http-max-response (%d bytes)"}`, limit)
	heap := watchHeap()
	base := liveHeap()
	for _, c := range []struct{ name, hdr string }{
		{"/pipeline on the event loop", ""},
		{"/pipeline on fasthttp", "Expect: 100-continue"}, // the loop hands Expect to fasthttp
		{"/pipeline with base64", "Upstash-Encoding: base64"},
	} {
		p := watchHeap()
		code, body := h.authPost(t, "ro", "/pipeline", pipeline200, c.hdr)
		t.Logf("%s: heap peak %d MiB", c.name, p.stop()/mib)
		if code != 400 || body != want {
			t.Errorf("%s: %d %.200s; want 400 %s", c.name, code, body, want)
		}
	}
	p := watchHeap()
	h.wsExpectOver(t, "pipeline", fmt.Sprintf("ERR reply exceeds http-max-response (%d bytes)", h.cfg.HTTPMaxResponse))
	t.Logf("WebSocket pipeline: heap peak %d MiB", p.stop()/mib)
	peak := heap.stop()
	t.Logf("heap peak %.1f MiB over a start of %.1f MiB (limit %d MiB)", float64(peak-min(peak, base))/mib, float64(base)/mib, limit/mib)
	if peak > base+uint64(4*limit) {
		t.Errorf("heap peak %d MiB over the start, want under %d (four times the limit)", (peak-base)/mib, 4*limit/mib)
	}
	h.checkLargeValue(t)
}

// TestHostileHTTPLargeTxnReplies: the same 200 GETs as a transaction
// (/multi-exec, /v1/execute, a WebSocket txn) answer the error naming the
// limit too, and the engine stops keeping a transaction's replies once they
// pass the limit (router.Session.SetReplyLimit), so the heap grows by a
// small multiple of the limit, not by the 200 MiB of replies. A MULTI …
// EXEC still runs whole (its INCRs apply; Redis never undoes one), an
// all-or-nothing /v1/execute applies nothing. Heap peak over the start:
// 396 MiB on the parent commit, about 51 MiB now.
func TestHostileHTTPLargeTxnReplies(t *testing.T) {
	h := startHostile(t, "--token", "full", "--read-only-token", "ro")
	limit := h.setLargeValue(t)
	over := fmt.Sprintf(`ERR reply exceeds http-max-response (%d bytes)`, limit)
	gets := strings.Repeat(`["GET","k"],`, 200)
	getsExec := strings.Repeat(`{"cmd_type":"get","key":"k"},`, 200)
	heap := watchHeap()
	base := liveHeap()
	for _, c := range []struct{ token, path, body, want string }{
		{"ro", "/multi-exec", pipeline200, over + "; the transaction was applied, its replies dropped"},
		{"full", "/multi-exec", `[["INCR","n"],` + gets + `["INCR","n"]]`, over + "; the transaction was applied, its replies dropped"},
		{"ro", "/v1/execute", `{"commands":[` + strings.TrimSuffix(getsExec, ",") + `]}`, over + " (command 32; nothing applied)"},
		{"full", "/v1/execute", `{"commands":[{"cmd_type":"incr","key":"n"},` + strings.TrimSuffix(getsExec, ",") + `]}`, over + " (command 33; nothing applied)"},
	} {
		p := watchHeap()
		code, body := h.authPost(t, c.token, c.path, c.body, "")
		t.Logf("%s: heap peak %d MiB", c.path, p.stop()/mib)
		if want := `{"error":"` + c.want + `"}`; code != 400 || body != want {
			t.Errorf("%s: %d %.200s; want 400 %s", c.path, code, body, want)
		}
	}
	h.wsExpectOver(t, "txn", over+"; the transaction was applied, its replies dropped")
	peak := heap.stop()
	t.Logf("heap peak %.1f MiB over a start of %.1f MiB", float64(peak-min(peak, base))/mib, float64(base)/mib)
	if peak > base+4*uint64(limit) {
		t.Errorf("heap peak %d MiB over the start, want under %d (4 x the limit)", (peak-base)/mib, 4*limit/mib)
	}
	if code, body := h.authPost(t, "ro", "/get/n", "", ""); code != 200 || body != `{"result":"2"}` {
		t.Errorf("after the transactions n = %d %s; want 2 (EXEC applied, the atomic batch did not)", code, body)
	}
	h.checkLargeValue(t)
}

// pipeline200 is 200 x ["GET","k"].
var pipeline200 = "[" + strings.Repeat(`["GET","k"],`, 199) + `["GET","k"]]`

// setLargeValue sets k to 1 MiB with the full token and returns the
// server's response limit.
func (h *hostileServer) setLargeValue(t *testing.T) int64 {
	t.Helper()
	if code, body := h.authPost(t, "full", "/", `["SET","k","`+strings.Repeat("v", mib)+`"]`, ""); code != 200 {
		t.Fatalf("SET: %d %s", code, body)
	}
	return h.cfg.HTTPMaxResponse
}

// checkLargeValue checks that the server answers promptly and k is intact.
func (h *hostileServer) checkLargeValue(t *testing.T) {
	t.Helper()
	start := time.Now()
	if code, body := h.authPost(t, "ro", "/", `["PING"]`, ""); code != 200 || time.Since(start) > time.Second {
		t.Errorf("PING after: %d %s in %v", code, body, time.Since(start))
	}
	if code, body := h.authPost(t, "ro", "/pipeline", `[["GETRANGE","k","0","3"],["STRLEN","k"]]`, ""); code != 200 || body != fmt.Sprintf(`[{"result":"vvvv"},{"result":%d}]`, mib) {
		t.Fatalf("data after: %d %s", code, body)
	}
}

// wsExpectOver sends the 200 GETs as a WebSocket message of type typ
// with the read-only token and expects the error msg.
func (h *hostileServer) wsExpectOver(t *testing.T, typ, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.httpURL, "http")+"/v1/ws?_token=ro", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(64 * mib)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"`+typ+`","id":"1","cmds":`+pipeline200+`}`)); err != nil {
		t.Fatal(err)
	}
	_, got, err := ws.Read(ctx)
	want := `{"type":"error","id":"1","error":"` + msg + `"}`
	if err != nil || string(got) != want {
		t.Errorf("WebSocket %s: %v %.200s; want %s", typ, err, got, want)
	}
}

// authPost posts body to path with a bearer token and one optional extra
// header line ("Name: value").
func (h *hostileServer) authPost(t testing.TB, token, path, body, header string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", h.httpURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if name, val, ok := strings.Cut(header, ": "); ok {
		req.Header.Set(name, val)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHostileHTTPUnreadAnswers: one write of 500 pipelined POST / of
// ["GET","k"] for a 1 MiB value (30 KB asking for 500 MiB of answers),
// never read. The event loop runs a connection's requests one at a time
// and waits for each answer to be written, so the client holds about one
// answer while another client is answered at once. Heap bound: 64 MiB
// over the start.
func TestHostileHTTPUnreadAnswers(t *testing.T) {
	h := startHostile(t)
	if code, body := h.tryPost("/", `["SET","k","`+strings.Repeat("v", mib)+`"]`); code != 200 {
		t.Fatalf("SET: %d %s", code, body)
	}
	heap := watchHeap()
	base := liveHeap()
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(h.httpURL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n" + `["GET","k"]`
	if _, err := io.WriteString(nc, strings.Repeat(req, 500)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // let the server do what it will with them
	start := time.Now()
	if code, body := h.tryPost("/", `["STRLEN","k"]`); code != 200 || body != fmt.Sprintf(`{"result":%d}`, mib) || time.Since(start) > time.Second {
		t.Errorf("another client: %d %.100s after %v", code, body, time.Since(start))
	}
	peak := heap.stop()
	t.Logf("heap peak %.1f MiB over a start of %.1f MiB; another client answered in %v", float64(peak-min(peak, base))/mib, float64(base)/mib, time.Since(start))
	if peak > base+64*mib {
		t.Errorf("heap peak %d MiB over the start, want under 64", (peak-base)/mib)
	}
}
