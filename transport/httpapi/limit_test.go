package httpapi

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// keepAlive is one raw keep-alive HTTP connection.
type keepAlive struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dialKeepAlive(t *testing.T, c *client) *keepAlive {
	t.Helper()
	nc := c.dial()
	return &keepAlive{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// post sends POST / with body and returns the status and body of the answer.
func (k *keepAlive) post(body string) (int, string) {
	k.t.Helper()
	k.nc.SetDeadline(time.Now().Add(5 * time.Second))
	req := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(k.nc, req); err != nil {
		k.t.Fatal(err)
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		k.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		k.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestMaxConns: with MaxConns 2, a third connection gets the JSON 503 and
// is closed, the two others keep being served, and a slot freed by a
// closed connection is used again.
func TestMaxConns(t *testing.T) {
	_, c := startServer(t, func(cfg *Config) { cfg.MaxConns = 2 })
	a, b := dialKeepAlive(t, c), dialKeepAlive(t, c)
	for _, k := range []*keepAlive{a, b} {
		if st, body := k.post(`["SET","k","v"]`); st != 200 || body != `{"result":"OK"}` {
			t.Fatalf("under the limit: %d %s", st, body)
		}
	}

	extra := dialKeepAlive(t, c)
	st, body := extra.post(`["GET","k"]`)
	if st != http.StatusServiceUnavailable || body != `{"error":"ERR max number of clients reached"}` {
		t.Fatalf("over the limit: %d %s", st, body)
	}
	if _, err := extra.br.ReadByte(); err != io.EOF {
		t.Fatalf("refused connection not closed: %v", err)
	}

	for _, k := range []*keepAlive{a, b} {
		if st, body := k.post(`["GET","k"]`); st != 200 || body != `{"result":"v"}` {
			t.Fatalf("others after the refusal: %d %s", st, body)
		}
	}

	// Closing one frees its slot once the server has noticed.
	a.nc.Close()
	waitForSlot(t, c)
}

// waitForSlot polls until a new connection is served again, failing on
// anything but the limit's 503 meanwhile.
func waitForSlot(t *testing.T, c *client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		k := dialKeepAlive(t, c)
		st, body := k.post(`["GET","k"]`)
		k.nc.Close()
		if st == 200 && body == `{"result":"v"}` {
			return
		}
		if st != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("waiting for a free slot: %d %s", st, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMaxConnsCountsWebSockets: an open WebSocket holds its slot until it
// is closed.
func TestMaxConnsCountsWebSockets(t *testing.T) {
	_, c := startServer(t, func(cfg *Config) { cfg.MaxConns = 1 })
	if r := c.post("/", `["SET","k","v"]`); r.status != 200 {
		t.Fatalf("SET: %d %s", r.status, r.body)
	}
	c.hc.Transport.(*http.Transport).CloseIdleConnections()
	// The closed connection's slot comes back once the server notices.
	var ws *websocket.Conn
	for deadline := time.Now().Add(10 * time.Second); ws == nil; {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, resp, err := websocket.Dial(ctx, "ws://"+strings.TrimPrefix(c.base, "http://")+"/v1/ws", nil)
		cancel()
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		switch {
		case err == nil:
			ws = conn
			t.Cleanup(func() { conn.CloseNow() })
		case resp == nil || resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline):
			t.Fatalf("dial: %v", err)
		default:
			time.Sleep(10 * time.Millisecond)
		}
	}
	if st, body := dialKeepAlive(t, c).post(`["GET","k"]`); st != http.StatusServiceUnavailable ||
		body != `{"error":"ERR max number of clients reached"}` {
		t.Fatalf("beside an open WebSocket: %d %s", st, body)
	}
	wsSend(t, ws, `{"type":"cmd","id":"1","cmd":["GET","k"]}`)
	if got := wsRecv(t, ws); got != `{"type":"result","id":"1","result":"v"}` {
		t.Fatalf("WebSocket reply %s", got)
	}
	ws.Close(websocket.StatusNormalClosure, "")
	waitForSlot(t, c)
}
