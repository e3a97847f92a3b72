package httpapi

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memshard/memshard/router"
)

// client talks to one test server.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

type response struct {
	status int
	header http.Header
	body   string
}

// startServer runs a server on 127.0.0.1:0 over a 4-shard router and
// closes both (server first) when the test ends.
func startServer(t testing.TB, mod func(*Config)) (*Server, *client) {
	t.Helper()
	r, err := router.New(router.Config{Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.ReadTimeout, cfg.IdleTimeout = 5*time.Second, 5*time.Second
	if mod != nil {
		mod(&cfg)
	}
	s := New(r, cfg)
	addr, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return s, &client{t: t, base: "http://" + addr.String(), hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// do sends one request; headers alternate name, value.
func (c *client) do(method, path, body string, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// rawStatus sends a raw request on a new connection and returns the
// status line of the answer.
func (c *client) rawStatus(req string) string {
	c.t.Helper()
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(c.base, "http://"), 5*time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		c.t.Fatal(err)
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil {
		c.t.Fatalf("raw %q: %v", req, err)
	}
	return strings.TrimRight(line, "\r\n")
}

// dial opens a raw connection to the server, closed when the test ends,
// with a 30-second deadline.
func (c *client) dial() net.Conn {
	c.t.Helper()
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(c.base, "http://"), 5*time.Second)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	return nc
}

func (c *client) post(path, body string, headers ...string) response {
	c.t.Helper()
	return c.do("POST", path, body, headers...)
}

// expect checks status and exact body.
func expect(t testing.TB, what string, got response, status int, body string) {
	t.Helper()
	if got.status != status || got.body != body {
		t.Errorf("%s: got %d %s, want %d %s", what, got.status, got.body, status, body)
	}
}

// expectError checks status, a JSON error body, and that the message starts
// with prefix.
func expectError(t testing.TB, what string, got response, status int, prefix string) {
	t.Helper()
	var e struct {
		Error *string `json:"error"`
	}
	if got.status != status {
		t.Errorf("%s: status %d, want %d (%s)", what, got.status, status, got.body)
	}
	if err := json.Unmarshal([]byte(got.body), &e); err != nil || e.Error == nil {
		t.Errorf("%s: body %q is not a JSON error", what, got.body)
		return
	}
	if !strings.HasPrefix(*e.Error, prefix) {
		t.Errorf("%s: error %q, want prefix %q", what, *e.Error, prefix)
	}
	if ct := got.header.Get("Content-Type"); ct != contentJSON {
		t.Errorf("%s: content type %q", what, ct)
	}
}

func TestSingleCommand(t *testing.T) {
	_, c := startServer(t, nil)
	cases := []struct{ body, want string }{
		{`["SET","k","v","EX",10]`, `{"result":"OK"}`},
		{`["GET","k"]`, `{"result":"v"}`},
		{` [ "get" , "k" ] `, `{"result":"v"}`},
		{`["TTL","k"]`, `{"result":10}`},
		{`["GET","missing"]`, `{"result":null}`},
		{`["SET","n",41]`, `{"result":"OK"}`},
		{`["INCR","n"]`, `{"result":42}`},
		{`["SET","f",1.5e3]`, `{"result":"OK"}`},
		{`["GET","f"]`, `{"result":"1500"}`},
		{`["SET","g",-0.25]`, `{"result":"OK"}`},
		{`["GET","g"]`, `{"result":"-0.25"}`},
		{`["SET","b",true]`, `{"result":"OK"}`},
		{`["GET","b"]`, `{"result":"1"}`},
		{`["SET","b",false]`, `{"result":"OK"}`},
		{`["GET","b"]`, `{"result":"0"}`},
		{`["INCRBYFLOAT","n",0.5]`, `{"result":"42.5"}`},
		{`["MGET","k","missing","b"]`, `{"result":["v",null,"0"]}`},
		{`["SET","q","a \"quoted\"\nline \u00e9"]`, `{"result":"OK"}`},
		{`["GET","q"]`, `{"result":"a \"quoted\"\nline é"}`},
		{`["PING"]`, `{"result":"PONG"}`},
	}
	for _, tc := range cases {
		expect(t, tc.body, c.post("/", tc.body), 200, tc.want)
	}
	got := c.post("/", `["NOSUCH","a"]`)
	expectError(t, "unknown", got, 400, "ERR unknown command 'NOSUCH'")
	expectError(t, "arity", c.post("/", `["GET"]`), 400, "ERR wrong number of arguments for 'get'")
	c.post("/", `["SET","s","x"]`)
	expectError(t, "wrongtype", c.post("/", `["INCR","s"]`), 400, "ERR value is not an integer")
	if got.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS header: %v", got.header)
	}
}

func TestBadBodies(t *testing.T) {
	_, c := startServer(t, nil)
	cases := []struct{ body, prefix string }{
		{``, "ERR body must be"},
		{`   `, "ERR body must be"},
		{`"GET"`, "ERR body must be"},
		{`42`, "ERR body must be"},
		{`[`, "ERR malformed JSON"},
		{`["GET","k"`, "ERR malformed JSON"},
		{`["GET","k"] x`, "ERR malformed JSON"},
		{`["GET","k"][]`, "ERR malformed JSON"},
		{`[]`, "ERR empty command"},
		{`[1,"k"]`, "ERR command name must be"},
		{`[null]`, "ERR command name must be"},
		{`["GET",null]`, "ERR command arguments must be"},
		{`["GET",{"a":1}]`, "ERR command arguments must be"},
		{`["GET",["k"]]`, "ERR command arguments must be"},
		{`["GET",1e999]`, "ERR command arguments must be"},
		{`{"query":1}`, `ERR body must be a JSON object {"query"`},
		{`{"other":"GET k"}`, `ERR body must be a JSON object {"query"`},
		{`{}`, `ERR body must be a JSON object {"query"`},
		{`{"query":"GET k"} x`, "ERR malformed JSON"},
		{`{"query":"GET k"`, "ERR malformed JSON"},
	}
	for _, tc := range cases {
		expectError(t, tc.body, c.post("/", tc.body), 400, tc.prefix)
	}
	for _, name := range []string{"MULTI", "EXEC", "DISCARD", "UNWATCH", "multi"} {
		expectError(t, name, c.post("/", `["`+name+`"]`), 400, "ERR "+strings.ToUpper(name)+" needs a connection")
	}
	expectError(t, "watch", c.post("/", `["WATCH","k"]`), 400, "ERR WATCH needs a connection")
	expectError(t, "path multi", c.do("GET", "/multi", ""), 400, "ERR MULTI needs a connection")
	expectError(t, "query multi", c.post("/", `{"query":"MULTI"}`, "Accept", contentJSON), 400, "ERR MULTI needs")
}

func TestQueryRoute(t *testing.T) {
	_, c := startServer(t, nil)
	text := func(what, query string, status int, want string) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"query": query})
		got := c.post("/", string(b))
		expect(t, what, got, status, want)
		if ct := got.header.Get("Content-Type"); ct != contentText {
			t.Errorf("%s: content type %q", what, ct)
		}
	}
	text("insert", "SET k v", 200, "Inserted!")
	text("replace", "SET k w", 200, "v")
	text("get", "get k", 200, "w")
	text("quoted", `SET "a b" 'c d'`, 200, "Inserted!")
	text("get quoted", `GET "a b"`, 200, "c d")
	text("nil", "GET nope", 200, "Nil")
	text("exists", "EXISTS k", 200, "true")
	text("len", "LEN", 200, "2")
	text("del", "DEL k", 200, "Deleted!")
	text("unbalanced", `GET "k`, 400, "ERR unbalanced quotes in query")
	text("empty", "   ", 400, "ERR empty query")
	text("extra tokens", "GET a b", 400, "ERR wrong number of arguments for 'get' command")
	text("unknown", "NOPE", 400, "ERR unknown command 'NOPE', with args beginning with: ")

	js := func(what, query string, status int, want string) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"query": query})
		got := c.post("/", string(b), "Accept", "application/json")
		expect(t, what, got, status, want)
		if ct := got.header.Get("Content-Type"); ct != contentJSON {
			t.Errorf("%s: content type %q", what, ct)
		}
	}
	js("json insert", "SET j 1", 200, `{"result":"Inserted!"}`)
	js("json get", "GET j", 200, `{"result":"1"}`)
	js("json error", "INCRBY j x", 400, `{"error":"ERR value is not an integer or out of range"}`)
	js("json tokenize", `GET 'j`, 400, `{"error":"ERR unbalanced quotes in query"}`)
}

func TestPathStyle(t *testing.T) {
	_, c := startServer(t, nil)
	expect(t, "set", c.do("GET", "/set/k/v", ""), 200, `{"result":"OK"}`)
	expect(t, "get", c.do("GET", "/get/k", ""), 200, `{"result":"v"}`)
	expect(t, "trailing slash", c.do("GET", "/get/k/", ""), 200, `{"result":"v"}`)
	expect(t, "post body", c.post("/set/k2", "hello world/ä"), 200, `{"result":"OK"}`)
	expect(t, "get body", c.post("/get/k2", ""), 200, `{"result":"hello world/ä"}`)
	expect(t, "escaped", c.do("GET", "/set/a%2Fb/x%20y%25", ""), 200, `{"result":"OK"}`)
	expect(t, "get escaped", c.do("GET", "/GET/a%2Fb", ""), 200, `{"result":"x y%"}`)
	expect(t, "query pairs", c.do("GET", "/set/k3/v?EX=100", ""), 200, `{"result":"OK"}`)
	expect(t, "ttl", c.do("GET", "/ttl/k3", ""), 200, `{"result":100}`)
	expect(t, "body then pairs", c.post("/set/k4?EX=50&NX", "val"), 200, `{"result":"OK"}`)
	expect(t, "nx refused", c.post("/set/k4?NX", "other"), 200, `{"result":null}`)
	expect(t, "get k4", c.do("GET", "/get/k4", ""), 200, `{"result":"val"}`)
	expect(t, "ttl k4", c.do("GET", "/ttl/k4", ""), 200, `{"result":50}`)
	expect(t, "empty arg", c.do("GET", "/set/e/", ""), 400, `{"error":"ERR wrong number of arguments for 'set' command"}`)
	expect(t, "empty value", c.do("GET", "/set/e//", ""), 200, `{"result":"OK"}`)
	expect(t, "mget", c.do("GET", "/mget/k/e/none", ""), 200, `{"result":["v","",null]}`)
	expectError(t, "unknown", c.do("GET", "/nosuch/x", ""), 404, "ERR unknown command 'nosuch'")
	expectError(t, "empty name", c.do("GET", "//x", ""), 404, "ERR not found")
	if st := c.rawStatus("GET /get/%zz HTTP/1.1\r\nHost: x\r\n\r\n"); st != "HTTP/1.1 400 Bad Request" {
		t.Errorf("bad escape: %q", st)
	}
	expectError(t, "put", c.do("PUT", "/get/k", ""), 405, "ERR method not allowed")
	expectError(t, "delete", c.do("DELETE", "/get/k", ""), 405, "ERR method not allowed")
	expectError(t, "wrongtype", c.do("GET", "/incr/k", ""), 400, "ERR value is not an integer")
}

func TestPipeline(t *testing.T) {
	_, c := startServer(t, nil)
	got := c.post("/pipeline", `[["SET","a",1],["INCR","a"],["GET","nope"],["NOSUCH"],["MGET","a","nope"],["INCR","x","y"]]`)
	expect(t, "pipeline", got, 200, `[{"result":"OK"},{"result":2},{"result":null},`+
		`{"error":"ERR unknown command 'NOSUCH', with args beginning with: "},{"result":["2",null]},`+
		`{"error":"ERR wrong number of arguments for 'incr' command"}]`)
	expectError(t, "empty", c.post("/pipeline", `[]`), 400, "ERR empty pipeline")
	expectError(t, "not nested", c.post("/pipeline", `["GET","a"]`), 400, "ERR body must be a JSON array of command arrays")
	expectError(t, "object", c.post("/pipeline", `{"a":1}`), 400, "ERR body must be a JSON array of command arrays")
	expectError(t, "malformed", c.post("/pipeline", `[["GET"`), 400, "ERR malformed JSON")
	expectError(t, "empty command", c.post("/pipeline", `[["GET","a"],[]]`), 400, "ERR empty command (command 2)")
	expectError(t, "bad arg", c.post("/pipeline", `[["GET",{}]]`), 400, "ERR command arguments must be")
	expectError(t, "multi", c.post("/pipeline", `[["MULTI"],["EXEC"]]`), 400, "ERR MULTI needs a connection")
	expectError(t, "get", c.do("GET", "/pipeline", ""), 405, "ERR method not allowed")
}

func TestMultiExec(t *testing.T) {
	_, c := startServer(t, nil)
	expect(t, "txn", c.post("/multi-exec", `[["SET","t",1],["INCR","t"],["MGET","t","u"],["SET","u","x"],["INCR","u"]]`), 200,
		`[{"result":"OK"},{"result":2},{"result":["2",null]},{"result":"OK"},{"error":"ERR value is not an integer or out of range"}]`)
	got := c.post("/multi-exec", `[["SET","t",5],["NOSUCH"]]`)
	expectError(t, "unknown aborts", got, 400, "EXECABORT Transaction discarded")
	if !strings.Contains(got.body, "(command 2: ERR unknown command") {
		t.Errorf("cause missing: %s", got.body)
	}
	expectError(t, "arity aborts", c.post("/multi-exec", `[["SET","t",6],["GET"]]`), 400, "EXECABORT")
	expect(t, "nothing applied", c.post("/", `["GET","t"]`), 200, `{"result":"2"}`)
	for _, inner := range []string{`["MULTI"]`, `["EXEC"]`, `["DISCARD"]`, `["WATCH","t"]`, `["UNWATCH"]`} {
		expectError(t, inner, c.post("/multi-exec", `[["SET","t",7],`+inner+`]`), 400, "ERR ")
	}
	expect(t, "still 2", c.post("/", `["GET","t"]`), 200, `{"result":"2"}`)
	expectError(t, "empty", c.post("/multi-exec", `[]`), 400, "ERR empty pipeline")
	expectError(t, "get", c.do("GET", "/multi-exec", ""), 405, "ERR method not allowed")
	// The session went back to the pool outside MULTI: a plain command runs.
	expect(t, "after", c.post("/", `["SET","t",3]`), 200, `{"result":"OK"}`)
}

func TestHealthAndRoutes(t *testing.T) {
	s, c := startServer(t, func(cfg *Config) { cfg.Token = "secret" })
	expect(t, "livez", c.do("GET", "/livez", ""), 200, "OK")
	expect(t, "readyz", c.do("GET", "/readyz", ""), 200, "OK")
	s.SetReady(false)
	expect(t, "not ready", c.do("GET", "/readyz", ""), 503, "not ready")
	s.SetReady(true)
	expect(t, "ready again", c.do("GET", "/readyz", ""), 200, "OK")
	expectError(t, "post livez", c.post("/livez", ""), 405, "ERR method not allowed")

	auth := []string{"Authorization", "Bearer secret"}
	expectError(t, "GET /", c.do("GET", "/", "", auth...), 405, "ERR method not allowed")
	expectError(t, "DELETE /", c.do("DELETE", "/", "", auth...), 405, "ERR method not allowed")
	got := c.do("OPTIONS", "/", "", "Origin", "https://example.com", "Access-Control-Request-Method", "POST")
	if got.status != 204 {
		t.Errorf("preflight status %d", got.status)
	}
	h := got.header
	if h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Upstash-Encoding") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight headers: %v", h)
	}
}

func TestAuth(t *testing.T) {
	_, c := startServer(t, func(cfg *Config) { cfg.Token, cfg.ReadOnlyToken = "full", "ro" })
	full := []string{"Authorization", "Bearer full"}
	ro := []string{"Authorization", "bearer ro"}
	expectError(t, "missing", c.post("/", `["GET","k"]`), 401, "ERR Unauthorized")
	expectError(t, "wrong", c.post("/", `["GET","k"]`, "Authorization", "Bearer nope"), 401, "ERR Unauthorized")
	expectError(t, "wrong query", c.post("/?_token=nope", `["GET","k"]`), 401, "ERR Unauthorized")
	expectError(t, "not bearer", c.post("/", `["GET","k"]`, "Authorization", "Basic full"), 401, "ERR Unauthorized")
	expectError(t, "path missing", c.do("GET", "/get/k", ""), 401, "ERR Unauthorized")
	expectError(t, "pipeline missing", c.post("/pipeline", `[["GET","k"]]`), 401, "ERR Unauthorized")
	expect(t, "full", c.post("/", `["SET","k","v"]`, full...), 200, `{"result":"OK"}`)
	expect(t, "query token", c.post("/?_token=full", `["SET","k2","v"]`), 200, `{"result":"OK"}`)
	expect(t, "path query token", c.do("GET", "/get/k2?_token=ro", ""), 200, `{"result":"v"}`)
	expect(t, "ro read", c.post("/", `["GET","k"]`, ro...), 200, `{"result":"v"}`)
	expect(t, "ro mget", c.post("/pipeline", `[["GET","k"],["EXISTS","k"]]`, ro...), 200, `[{"result":"v"},{"result":1}]`)
	expect(t, "ro txn read", c.post("/multi-exec", `[["GET","k"]]`, ro...), 200, `[{"result":"v"}]`)
	expectError(t, "ro write", c.post("/", `["SET","k","w"]`, ro...), 403, "NOPERM")
	expectError(t, "ro path write", c.do("GET", "/del/k", "", ro...), 403, "NOPERM")
	expectError(t, "ro admin", c.post("/", `["FLUSHALL"]`, ro...), 403, "NOPERM")
	expectError(t, "ro pipeline", c.post("/pipeline", `[["GET","k"],["SET","k","w"]]`, ro...), 403, "NOPERM")
	expectError(t, "ro txn", c.post("/multi-exec", `[["GET","k"],["INCR","n"]]`, ro...), 403, "NOPERM")
	// Server commands Redis flags admin are refused to the read-only token
	// too (the router serves none of them over HTTP: the full token gets
	// "unknown command").
	expectError(t, "ro config", c.post("/", `["CONFIG","GET","*"]`, ro...), 403, "NOPERM this token has no permissions to run the 'config' command")
	expectError(t, "ro debug", c.post("/pipeline", `[["GET","k"],["DEBUG","SLEEP","0"]]`, ro...), 403, "NOPERM")
	expectError(t, "ro client kill", c.do("GET", "/client/kill/id/1", "", ro...), 403, "NOPERM")
	expectError(t, "full config", c.post("/", `["CONFIG","GET","*"]`, full...), 400, "ERR unknown command 'CONFIG'")
	got := c.post("/", `{"query":"SET k w"}`, ro...)
	if got.status != 403 || !strings.HasPrefix(got.body, "NOPERM") {
		t.Errorf("ro query write: %d %s", got.status, got.body)
	}
	expect(t, "nothing written", c.post("/", `["GET","k"]`, full...), 200, `{"result":"v"}`)
	expect(t, "livez open", c.do("GET", "/livez", ""), 200, "OK")
}

func TestBase64(t *testing.T) {
	_, c := startServer(t, nil)
	b64 := []string{"Upstash-Encoding", "base64"}
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	expect(t, "set ok", c.post("/", `["SET","k","hello"]`, b64...), 200, `{"result":"OK"}`)
	expect(t, "get", c.post("/", `["GET","k"]`, b64...), 200, `{"result":"`+enc("hello")+`"}`)
	expect(t, "int", c.post("/", `["STRLEN","k"]`, b64...), 200, `{"result":5}`)
	expect(t, "nil", c.post("/", `["GET","none"]`, b64...), 200, `{"result":null}`)
	expect(t, "pong", c.post("/", `["PING"]`, b64...), 200, `{"result":"`+enc("PONG")+`"}`)
	expect(t, "array", c.post("/", `["MGET","k","none"]`, b64...), 200, `{"result":["`+enc("hello")+`",null]}`)
	expect(t, "error plain", c.post("/", `["INCR","k"]`, b64...), 400, `{"error":"ERR value is not an integer or out of range"}`)
	expect(t, "pipeline", c.post("/pipeline", `[["SET","o","OK"],["GET","o"],["GET","k"]]`, b64...), 200,
		`[{"result":"OK"},{"result":"OK"},{"result":"`+enc("hello")+`"}]`)
	expect(t, "txn", c.post("/multi-exec", `[["SET","o","x"],["GET","o"]]`, b64...), 200,
		`[{"result":"OK"},{"result":"`+enc("x")+`"}]`)

	// Binary values: exact in base64, U+FFFD per invalid byte without.
	bin := "a\xff\x00\xc3\x28z"
	expect(t, "set binary", c.post("/set/bin", bin), 200, `{"result":"OK"}`)
	expect(t, "binary b64", c.do("GET", "/get/bin", "", b64...), 200, `{"result":"`+enc(bin)+`"}`)
	got := c.do("GET", "/get/bin", "")
	expect(t, "binary plain", got, 200, `{"result":"a\ufffd\u0000\ufffd(z"}`)
	var v struct{ Result string }
	if err := json.Unmarshal([]byte(got.body), &v); err != nil || v.Result != "a\uFFFD\x00\uFFFD(z" {
		t.Errorf("binary plain decodes to %q, %v", v.Result, err)
	}
}

func TestOversizeBody(t *testing.T) {
	_, c := startServer(t, func(cfg *Config) { cfg.MaxBodySize = 1024 })
	big := `["SET","k","` + strings.Repeat("x", 4096) + `"]`
	expectError(t, "oversize", c.post("/", big), 413, "ERR request body too large")
	expectError(t, "oversize pipeline", c.post("/pipeline", "["+big+"]"), 413, "ERR request body too large")
	expect(t, "small still fine", c.post("/", `["SET","k","v"]`), 200, `{"result":"OK"}`)
}

func TestConcurrentRequests(t *testing.T) {
	_, c := startServer(t, nil)
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "w" + strconv.Itoa(w)
			for i := range each {
				var got response
				switch i % 4 {
				case 0:
					got = c.post("/", `["INCR","shared"]`)
				case 1:
					got = c.post("/pipeline", `[["INCR","shared"],["SET","`+key+`",`+strconv.Itoa(i)+`]]`)
				case 2:
					got = c.post("/multi-exec", `[["INCR","shared"],["GET","`+key+`"]]`)
				default:
					got = c.do("GET", "/incr/shared", "")
				}
				if got.status != 200 {
					t.Errorf("worker %d op %d: %d %s", w, i, got.status, got.body)
					return
				}
			}
		}()
	}
	wg.Wait()
	expect(t, "total", c.post("/", `["GET","shared"]`), 200, `{"result":"`+strconv.Itoa(workers*each)+`"}`)
}

func TestCloseIsGraceful(t *testing.T) {
	s, c := startServer(t, nil)
	expect(t, "before", c.post("/", `["SET","k","v"]`), 200, `{"result":"OK"}`)
	addr := strings.TrimPrefix(c.base, "http://")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		nc.Close()
		t.Fatal("still accepting after Close")
	}
	if _, err := s.Start(); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

func TestStartTwice(t *testing.T) {
	s, _ := startServer(t, nil)
	if _, err := s.Start(); err == nil {
		t.Fatal("second Start succeeded")
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	run := func(t *testing.T) {
		_, c := startServer(t, nil)
		c.post("/", `["SET","k","v"]`)
		c.post("/pipeline", `[["GET","k"]]`)
	}
	expectNoGoroutineGrowth(t, run)
}

func TestReadErrors(t *testing.T) {
	_, c := startServer(t, nil)
	if st := c.rawStatus("NOT HTTP\r\n\r\n"); st != "HTTP/1.1 400 Bad Request" {
		t.Errorf("garbage: %q", st)
	}
	big := "GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 16<<10) + "\r\n\r\n"
	if st := c.rawStatus(big); st != "HTTP/1.1 431 Request Header Fields Too Large" {
		t.Errorf("big header: %q", st)
	}
	expect(t, "still serving", c.do("GET", "/livez", ""), 200, "OK")
}

func TestCloseFinishesInFlight(t *testing.T) {
	s, c := startServer(t, nil)
	nc := c.dial()
	body := `["SET","inflight","1"]`
	head := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(nc, head+body[:5]); err != nil {
		t.Fatal(err)
	}
	// Wait until the server is reading the request, then close it.
	time.Sleep(100 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned before the in-flight request finished: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := io.WriteString(nc, body[5:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"result":"OK"}` {
		t.Fatalf("in-flight answer %d %s", resp.StatusCode, b)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// expectNoGoroutineGrowth runs run once to warm up (the first server may
// start fasthttp's package-level goroutines), then again, and fails if the
// goroutine count does not come back to where it was.
func expectNoGoroutineGrowth(t *testing.T, run func(t *testing.T)) {
	t.Helper()
	t.Run("warm", run)
	before := runtime.NumGoroutine()
	t.Run("measured", run)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
