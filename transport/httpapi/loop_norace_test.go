//go:build linux && !race

package httpapi

import (
	"bufio"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestNoRaceLoopHandOverKeepsDeadline sends the start of a fast-path
// request line, then, well into the read timeout, bytes that make it a
// request fasthttp serves: the connection moves to fasthttp with the
// request's deadline, not a fresh one, so the 408 comes within the read
// timeout of the first byte (plus the loop's one-second sweep), never two.
func TestNoRaceLoopHandOverKeepsDeadline(t *testing.T) {
	const read = 2 * time.Second
	_, c := startServer(t, func(c *Config) { c.EventLoops, c.ReadTimeout, c.IdleTimeout = 1, read, read })
	nc := c.dial()
	start := time.Now()
	io.WriteString(nc, "POST /")
	time.Sleep(1500 * time.Millisecond)
	io.WriteString(nc, "livez HTTP/1.1\r\nHost: x\r\n") // fasthttp's now; the head never ends
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("%v after %v", err, took)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || took > read+700*time.Millisecond {
		t.Errorf("%s after %v; want 408 within %v of the first byte", resp.Status, took, read)
	}
}
