package httpapi

import (
	"strings"
	"testing"
)

// TestResponseLimitRoutes checks every route that answers replies against
// a 4 KiB MaxResponse: a reply that would pass it answers 400 with the
// error naming the limit, one that fits answers as usual, and a pipeline
// stops at the reply that does not fit (the commands before it ran, those
// after it only if their shard had them already).
func TestResponseLimitRoutes(t *testing.T) {
	for _, loops := range []int{1, -1} {
		_, c := startServer(t, func(c *Config) { c.EventLoops, c.MaxResponse = loops, 4<<10 })
		over := `{"error":"ERR reply exceeds http-max-response (4096 bytes)"}`
		big := strings.Repeat("x", 5000)
		expect(t, "set", c.post("/", `["SET","big","`+big+`"]`), 200, `{"result":"OK"}`)
		expect(t, "GET big", c.post("/", `["GET","big"]`), 400, over)
		expect(t, "path style", c.do("GET", "/GET/big", ""), 400, over)
		expect(t, "pipeline", c.post("/pipeline", `[["INCR","n"],["GET","big"],["INCR","n"]]`), 400, over)
		// The INCR before the stop ran; the one after it may have too, if
		// its shard had it already (another shard than big's).
		if n := c.post("/", `["GET","n"]`); n.body != `{"result":"1"}` && n.body != `{"result":"2"}` {
			t.Errorf("n after the stopped pipeline: %d %s", n.status, n.body)
		}
		// A transaction stops keeping replies past the limit (the engine's
		// reply limit): MULTI … EXEC has run, an atomic batch has not.
		applied := `{"error":"ERR reply exceeds http-max-response (4096 bytes); the transaction was applied, its replies dropped"}`
		notApplied := `{"error":"ERR reply exceeds http-max-response (4096 bytes) (command 1; nothing applied)"}`
		expect(t, "multi-exec", c.post("/multi-exec", `[["GET","big"]]`), 400, applied)
		expect(t, "execute", c.post("/v1/execute", `{"commands":[{"cmd_type":"get","key":"big"}]}`), 400, notApplied)
		expect(t, "txn", c.post("/v1/txn", `{"commands":[["GET","big"]]}`), 400, notApplied)
		// One whose raw replies fit but whose JSON does not is refused by
		// the encoder: the plain error.
		expect(t, "set quotes", c.post("/", `["SET","q","`+strings.Repeat(`\"`, 2100)+`"]`), 200, `{"result":"OK"}`)
		expect(t, "multi-exec, JSON over", c.post("/multi-exec", `[["GET","q"]]`), 400, over)
		if r := c.post("/", `{"query":"GET big"}`); r.status != 400 || r.body != "ERR reply exceeds http-max-response (4096 bytes)" {
			t.Errorf("MemFast query: %d %.100s", r.status, r.body)
		}
		if r := c.post("/", `{"query":"GETRANGE big 0 2"}`); r.status != 200 || r.body != "xxx" {
			t.Errorf("MemFast query that fits: %d %.100s", r.status, r.body)
		}
		expect(t, "fits", c.post("/pipeline", `[["STRLEN","big"],["GETRANGE","big","0","2"]]`), 200, `[{"result":5000},{"result":"xxx"}]`)

		for _, path := range []string{"/", "/v1/ws"} {
			ws := wsDial(t, c, path)
			if path == "/" {
				wsExpect(t, ws, `GET big`, "ERR reply exceeds http-max-response (4096 bytes)")
				wsExpect(t, ws, `GETRANGE big 0 1`, "xx")
				wsExpect(t, ws, `["GET","big"]`, over)
				wsExpect(t, ws, `["STRLEN","big"]`, `{"result":5000}`)
			}
			wsExpect(t, ws, `{"type":"cmd","id":"1","cmd":["GET","big"]}`,
				`{"type":"error","id":"1","error":"ERR reply exceeds http-max-response (4096 bytes)"}`)
			wsExpect(t, ws, `{"type":"pipeline","id":"2","cmds":[["INCR","w"],["GET","big"],["INCR","w"]]}`,
				`{"type":"error","id":"2","error":"ERR reply exceeds http-max-response (4096 bytes)"}`)
			wsExpect(t, ws, `{"type":"txn","id":"3","cmds":[["GET","big"]]}`,
				`{"type":"error","id":"3","error":"ERR reply exceeds http-max-response (4096 bytes); the transaction was applied, its replies dropped"}`)
			wsExpect(t, ws, `{"type":"pipeline","id":"4","cmds":[["GETRANGE","big","0","1"]]}`,
				`{"type":"result","id":"4","result":[{"result":"xx"}]}`)
		}
		if w := c.post("/", `["GET","w"]`); w.body < `{"result":"2"}` || w.body > `{"result":"4"}` {
			t.Errorf("w after two stopped pipelines: %d %s", w.status, w.body)
		}
		c.post("/", `["DEL","n","w","q"]`)
	}
}
