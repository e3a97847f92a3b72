package httpapi

import (
	"bufio"
	"io"
	"net/http"
	"testing"
)

// TestLoopHandsOverSlowCommands: a request holding a command that may take
// long (DUMP, IMPORT) is not run on the event loop, where it would hold up
// the loop's other connections; the connection goes to fasthttp, which
// runs it on the connection's own goroutine and answers as always.
func TestLoopHandsOverSlowCommands(t *testing.T) {
	if !loopsSupported {
		t.Skip("event loops need Linux")
	}
	for _, body := range []string{`["IMPORT","nope.csv"]`, `[["SET","d","1"],["DUMP","d.csv"]]`} {
		s, c := startServer(t, func(c *Config) { c.EventLoops = 1 })
		nc := c.dial()
		br := bufio.NewReader(nc)
		path := "/"
		if body[1] == '[' {
			path = "/pipeline"
		}
		if _, err := io.WriteString(nc, rawPost(path, body)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(b) == 0 {
			t.Fatalf("%s %s: empty answer", path, body)
		}
		waitFor(t, "handed over", func() bool {
			return s.loops[0].openConns() == 0 && s.srv.GetOpenConnectionsCount() == 1
		})
		t.Logf("%s %s: %d %s (served by fasthttp)", path, body, resp.StatusCode, b)
	}
}
