package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsDial opens a WebSocket on the test server; headers alternate name,
// value. The connection is dropped when the test ends.
func wsDial(t testing.TB, c *client, path string, headers ...string) *websocket.Conn {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws://"+strings.TrimPrefix(c.base, "http://")+path, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

func wsSend(t testing.TB, conn *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("send %q: %v", msg, err)
	}
}

func wsRecv(t testing.TB, conn *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("reply is a %v frame", typ)
	}
	return string(b)
}

// wsExpect sends msg and checks the reply.
func wsExpect(t testing.TB, conn *websocket.Conn, msg, want string) {
	t.Helper()
	wsSend(t, conn, msg)
	if got := wsRecv(t, conn); got != want {
		t.Errorf("%s: got %s, want %s", msg, got, want)
	}
}

// wsExpectClose reads until the server closes and checks the close code.
func wsExpectClose(t testing.TB, conn *websocket.Conn, code websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := conn.Read(ctx)
		if err == nil {
			t.Errorf("unexpected frame %s while waiting for close %d", b, code)
			continue
		}
		if got := websocket.CloseStatus(err); got != code {
			t.Errorf("closed with %d (%v), want %d", got, err, code)
		}
		return
	}
}

func TestWSMemFastAndArrays(t *testing.T) {
	_, c := startServer(t, nil)
	conn := wsDial(t, c, "/")
	wsExpect(t, conn, `SET k "a b"`, "Inserted!")
	wsExpect(t, conn, `GET k`, "a b")
	wsExpect(t, conn, `  set k c`, "a b") // SET answers the previous value
	wsExpect(t, conn, `GET nope`, "Nil")
	wsExpect(t, conn, `EXISTS k`, "true")
	wsExpect(t, conn, `SET k "a`, "ERR unbalanced quotes in query")
	wsExpect(t, conn, `GET k extra`, "ERR wrong number of arguments for 'get' command")
	wsExpect(t, conn, `MULTI`, `ERR MULTI is not available here: send a {"type":"txn"} message for transactions`)

	wsExpect(t, conn, `["SET","n",10]`, `{"result":"OK"}`)
	wsExpect(t, conn, ` ["INCR","n"]`, `{"result":11}`)
	wsExpect(t, conn, `["INCR","k"]`, `{"error":"ERR value is not an integer or out of range"}`)
	wsExpect(t, conn, `["GET",`, `{"error":"ERR malformed JSON body"}`)
	wsExpect(t, conn, `[]`, `{"error":"ERR empty command"}`)
	// A JSON object on / is a protocol message.
	wsExpect(t, conn, `{"type":"cmd","id":"x","cmd":["GET","k"]}`, `{"type":"result","id":"x","result":"c"}`)
	wsExpect(t, wsDial(t, c, "/"), `GET k`, "c") // another session sees the same data
	wsSend(t, conn, `{"type":"nope"}`)
	wsExpectClose(t, conn, 4400)
}

func TestWSProtocol(t *testing.T) {
	_, c := startServer(t, nil)
	conn := wsDial(t, c, "/v1/ws")
	wsExpect(t, conn, `{"type":"cmd","id":"1","cmd":["SET","k","v"]}`, `{"type":"result","id":"1","result":"OK"}`)
	wsExpect(t, conn, `{"type":"cmd","id":2,"cmd":["GET","k"]}`, `{"type":"result","id":2,"result":"v"}`)
	wsExpect(t, conn, `{"type":"cmd","cmd":["GET","nope"]}`, `{"type":"result","result":null}`)
	wsExpect(t, conn, `{"type":"cmd","id":"3","cmd":["INCR","k"]}`, `{"type":"error","id":"3","error":"ERR value is not an integer or out of range"}`)
	wsExpect(t, conn, `{"type":"cmd","id":"4","cmd":["FOO"]}`, `{"type":"error","id":"4","error":"ERR unknown command 'FOO', with args beginning with: "}`)
	wsExpect(t, conn, `{"type":"cmd","id":"5","cmd":["SET","k",null]}`, `{"type":"error","id":"5","error":"ERR command arguments must be JSON strings, numbers or booleans"}`)
	wsExpect(t, conn, `{"type":"cmd","id":"6","cmd":["EXEC"]}`, `{"type":"error","id":"6","error":"ERR EXEC is not available here: send a {\"type\":\"txn\"} message for transactions"}`)

	wsExpect(t, conn, `{"type":"pipeline","id":"p","cmds":[["SET","a","1"],["INCR","a"],["INCR","k"],["MGET","a","k"]]}`,
		`{"type":"result","id":"p","result":[{"result":"OK"},{"result":2},{"error":"ERR value is not an integer or out of range"},{"result":["2","v"]}]}`)
	wsExpect(t, conn, `{"type":"pipeline","id":"e","cmds":[]}`, `{"type":"error","id":"e","error":"ERR empty pipeline"}`)

	wsExpect(t, conn, `{"type":"txn","id":"t","cmds":[["INCR","a"],["SET","b","x"],["GET","b"]]}`,
		`{"type":"result","id":"t","result":[{"result":3},{"result":"OK"},{"result":"x"}]}`)
	// A runtime error inside EXEC is an entry; the rest still applies.
	wsExpect(t, conn, `{"type":"txn","id":"t2","cmds":[["INCR","k"],["INCR","a"]]}`,
		`{"type":"result","id":"t2","result":[{"error":"ERR value is not an integer or out of range"},{"result":4}]}`)
	// A command refused while queueing discards everything.
	wsSend(t, conn, `{"type":"txn","id":"t3","cmds":[["SET","a","100"],["GET"]]}`)
	if got := wsRecv(t, conn); !strings.HasPrefix(got, `{"type":"error","id":"t3","error":"EXECABORT `) {
		t.Errorf("EXECABORT: %s", got)
	}
	wsExpect(t, conn, `{"type":"cmd","id":"7","cmd":["GET","a"]}`, `{"type":"result","id":"7","result":"4"}`)
	wsExpect(t, conn, `{"type":"txn","id":"t4","cmds":[["WATCH","a"]]}`, `{"type":"error","id":"t4","error":"ERR WATCH is not allowed inside a txn message (command 1)"}`)

	wsExpect(t, conn, `{"type":"subscribe","id":"s","prefix":"a"}`, `{"type":"error","id":"s","error":"ERR subscribe is not available yet"}`)
	wsExpect(t, conn, `{"type":"auth","id":"0","token":"anything"}`, `{"type":"result","id":"0","result":"OK"}`)

	wsSend(t, conn, `{"type":"exec","id":"8"}`)
	wsExpectClose(t, conn, 4400)

	for _, bad := range []string{
		`{"type":"cmd","id":"1","cmd":["GET","k"]`, // truncated
		`{"type":"cmd","id":"1"}`,                  // no cmd
		`{"id":"1","cmd":["GET","k"]}`,             // no type
		`{"type":"cmd","cmd":"GET k"}`,             // cmd not an array
		`{"type":"cmd","id":{},"cmd":["GET","k"]}`, // id not a scalar
		`{"type":"pipeline","cmds":["GET"]}`,       // cmds not arrays
		`["GET","k"]`,                              // /v1/ws takes objects only
		`GET k`,
	} {
		conn := wsDial(t, c, "/v1/ws")
		wsSend(t, conn, bad)
		wsExpectClose(t, conn, 4400)
	}
}

func TestWSAuth(t *testing.T) {
	_, c := startServer(t, func(cfg *Config) { cfg.Token, cfg.ReadOnlyToken = "full", "ro" })

	conn := wsDial(t, c, "/v1/ws")
	wsSend(t, conn, `{"type":"cmd","id":"1","cmd":["GET","k"]}`)
	wsExpectClose(t, conn, 4401)

	conn = wsDial(t, c, "/")
	wsSend(t, conn, `GET k`)
	wsExpectClose(t, conn, 4401)

	conn = wsDial(t, c, "/v1/ws?_token=wrong")
	wsExpectClose(t, conn, 4401)

	conn = wsDial(t, c, "/v1/ws")
	wsSend(t, conn, `{"type":"auth","token":"wrong"}`)
	wsExpectClose(t, conn, 4401)

	conn = wsDial(t, c, "/v1/ws?_token=full")
	wsExpect(t, conn, `{"type":"cmd","id":"1","cmd":["SET","k","v"]}`, `{"type":"result","id":"1","result":"OK"}`)

	conn = wsDial(t, c, "/", "Authorization", "Bearer full")
	wsExpect(t, conn, `GET k`, "v")

	conn = wsDial(t, c, "/v1/ws")
	wsExpect(t, conn, `{"type":"auth","id":"a","token":"full"}`, `{"type":"result","id":"a","result":"OK"}`)
	wsExpect(t, conn, `{"type":"cmd","id":"1","cmd":["SET","k","w"]}`, `{"type":"result","id":"1","result":"OK"}`)

	// The auth message may be pipelined with what follows.
	conn = wsDial(t, c, "/")
	wsSend(t, conn, `{"type":"auth","token":"ro"}`)
	wsSend(t, conn, `GET k`)
	wsSend(t, conn, `SET k x`)
	wsSend(t, conn, `["DEL","k"]`)
	wsSend(t, conn, `{"type":"pipeline","id":"p","cmds":[["GET","k"],["SET","k","y"]]}`)
	for _, want := range []string{
		`{"type":"result","result":"OK"}`,
		"w",
		"NOPERM this token has no permissions to run the 'set' command",
		`{"error":"NOPERM this token has no permissions to run the 'del' command"}`,
		`{"type":"error","id":"p","error":"NOPERM this token has no permissions to run the 'set' command (command 2)"}`,
	} {
		if got := wsRecv(t, conn); got != want {
			t.Errorf("read-only: got %s, want %s", got, want)
		}
	}

	conn = wsDial(t, c, "/v1/ws", "Authorization", "Bearer ro")
	wsExpect(t, conn, `{"type":"cmd","id":"1","cmd":["FLUSHALL"]}`, `{"type":"error","id":"1","error":"NOPERM this token has no permissions to run the 'flushall' command"}`)
	wsExpect(t, conn, `{"type":"cmd","id":"2","cmd":["GET","k"]}`, `{"type":"result","id":"2","result":"w"}`)
}

func TestWSPipelinedInOrder(t *testing.T) {
	_, c := startServer(t, nil)
	conn := wsDial(t, c, "/v1/ws")
	const n = 1000
	sent := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for i := range n {
			var msg string
			if i%10 == 9 {
				msg = `{"type":"pipeline","id":"` + strconv.Itoa(i) + `","cmds":[["INCR","ctr"],["GET","ctr"]]}`
			} else {
				msg = `{"type":"cmd","id":"` + strconv.Itoa(i) + `","cmd":["INCR","ctr"]}`
			}
			if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	for i := range n {
		got := wsRecv(t, conn)
		id, v := strconv.Itoa(i), strconv.Itoa(i+1)
		want := `{"type":"result","id":"` + id + `","result":` + v + `}`
		if i%10 == 9 {
			want = `{"type":"result","id":"` + id + `","result":[{"result":` + v + `},{"result":"` + v + `"}]}`
		}
		if got != want {
			t.Fatalf("reply %d: got %s, want %s", i, got, want)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

func TestWSConcurrentSessions(t *testing.T) {
	_, c := startServer(t, nil)
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for w := range workers {
		conn := wsDial(t, c, []string{"/", "/v1/ws"}[w%2])
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "w" + strconv.Itoa(w)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i := range each {
				var msg, prefix string
				switch {
				case w%2 == 0 && i%2 == 0:
					msg, prefix = `INCR shared`, ""
				case w%2 == 0:
					msg, prefix = `["INCR","shared"]`, `{"result":`
				case i%3 == 0:
					msg, prefix = `{"type":"cmd","id":"`+strconv.Itoa(i)+`","cmd":["INCR","shared"]}`, `{"type":"result","id":"`+strconv.Itoa(i)+`","result":`
				case i%3 == 1:
					msg, prefix = `{"type":"pipeline","id":"p","cmds":[["INCR","shared"],["SET","`+key+`","`+strconv.Itoa(i)+`"]]}`, `{"type":"result","id":"p","result":[{"result":`
				default:
					msg, prefix = `{"type":"txn","id":"t","cmds":[["INCR","shared"],["GET","`+key+`"]]}`, `{"type":"result","id":"t","result":[{"result":`
				}
				if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
					t.Errorf("worker %d op %d: %v", w, i, err)
					return
				}
				_, b, err := conn.Read(ctx)
				if err != nil || !strings.HasPrefix(string(b), prefix) {
					t.Errorf("worker %d op %d: %s %v", w, i, b, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	conn := wsDial(t, c, "/")
	wsExpect(t, conn, `GET shared`, strconv.Itoa(workers*each))
}

func TestWSMaxMessage(t *testing.T) {
	_, c := startServer(t, func(cfg *Config) { cfg.WSMaxMessage = 1024 })
	conn := wsDial(t, c, "/")
	wsExpect(t, conn, `SET k `+strings.Repeat("x", 1000), "Inserted!")
	wsSend(t, conn, `SET k `+strings.Repeat("x", 4096))
	wsExpectClose(t, conn, websocket.StatusMessageTooBig)
}

func TestWSCloseGoingAway(t *testing.T) {
	s, c := startServer(t, nil)
	conns := []*websocket.Conn{wsDial(t, c, "/"), wsDial(t, c, "/v1/ws")}
	wsExpect(t, conns[0], `SET k v`, "Inserted!")
	wsExpect(t, conns[1], `{"type":"cmd","id":"1","cmd":["GET","k"]}`, `{"type":"result","id":"1","result":"v"}`)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	for _, conn := range conns {
		wsExpectClose(t, conn, websocket.StatusGoingAway)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	// A client that never answers the close frame does not hold Close up
	// for long.
	s2, c2 := startServer(t, nil)
	_ = wsDial(t, c2, "/v1/ws") // never read: it cannot answer 1001
	start := time.Now()
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v", d)
	}
}

func TestWSHandshakeErrors(t *testing.T) {
	_, c := startServer(t, nil)
	// /v1/ws without an Upgrade header is not a WebSocket handshake.
	expectError(t, "plain GET", c.do("GET", "/v1/ws", ""), 400, "ERR websocket:")
	expectError(t, "POST", c.post("/v1/ws", ""), 405, "ERR method not allowed")
	// GET / without Upgrade stays an HTTP route.
	expectError(t, "GET /", c.do("GET", "/", ""), 405, "ERR method not allowed")
}

func TestWSNoGoroutineLeak(t *testing.T) {
	run := func(t *testing.T) {
		_, c := startServer(t, nil)
		done := wsDial(t, c, "/v1/ws")
		wsExpect(t, done, `{"type":"cmd","cmd":["SET","k","v"]}`, `{"type":"result","result":"OK"}`)
		done.Close(websocket.StatusNormalClosure, "")
		open := wsDial(t, c, "/")
		wsExpect(t, open, `GET k`, "v")
		// Left open: the server drops it on Close. Read in the background
		// so the client answers; the read ends with the connection.
		go open.Read(context.Background())
	}
	expectNoGoroutineGrowth(t, run)
}
