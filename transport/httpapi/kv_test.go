package httpapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func etagOf(t *testing.T, r response) uint64 {
	t.Helper()
	tag := r.header.Get("ETag")
	v, err := strconv.ParseUint(strings.Trim(tag, `"`), 10, 64)
	if err != nil || v == 0 || !strings.HasPrefix(tag, `"`) {
		t.Fatalf("ETag %q (status %d %s)", tag, r.status, r.body)
	}
	return v
}

func TestKVRoutes(t *testing.T) {
	_, c := startServer(t, nil)

	expectError(t, "get missing", c.do("GET", "/v1/kv/doc", ""), 404, "ERR no such key")
	expectError(t, "If-Match on missing", c.do("PUT", "/v1/kv/doc", "x", "If-Match", "*"), 412, "ERR precondition failed")

	created := c.do("PUT", "/v1/kv/doc", "hello world", "If-None-Match", "*")
	v1 := etagOf(t, created)
	expect(t, "create", created, 201, `{"ver":`+strconv.FormatUint(v1, 10)+`}`)
	again := c.do("PUT", "/v1/kv/doc", "x", "If-None-Match", "*")
	expectError(t, "create twice", again, 412, "ERR precondition failed")
	if etagOf(t, again) != v1 {
		t.Fatalf("412 ETag %q, want %d", again.header.Get("ETag"), v1)
	}

	got := c.do("GET", "/v1/kv/doc", "")
	if got.status != 200 || got.body != "hello world" || etagOf(t, got) != v1 ||
		got.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("get: %d %q %v", got.status, got.body, got.header)
	}
	if nm := c.do("GET", "/v1/kv/doc", "", "If-None-Match", `"`+strconv.FormatUint(v1, 10)+`"`); nm.status != 304 || nm.body != "" {
		t.Fatalf("If-None-Match with the current ETag: %d %q", nm.status, nm.body)
	}
	// The RESP-visible value is the same key.
	expect(t, "same key over POST /", c.post("/", `["GET","doc"]`), 200, `{"result":"hello world"}`)

	stale := c.do("PUT", "/v1/kv/doc", "v2", "If-Match", `"`+strconv.FormatUint(v1+100, 10)+`"`)
	expectError(t, "stale If-Match", stale, 412, "ERR precondition failed: the key's version is "+strconv.FormatUint(v1, 10))
	replaced := c.do("PUT", "/v1/kv/doc?ex=100", "v2", "If-Match", `"`+strconv.FormatUint(v1, 10)+`"`)
	v2 := etagOf(t, replaced)
	if replaced.status != 200 || v2 <= v1 {
		t.Fatalf("replace: %d %s version %d after %d", replaced.status, replaced.body, v2, v1)
	}
	if ttl := c.post("/", `["TTL","doc"]`); ttl.body != `{"result":100}` && ttl.body != `{"result":99}` {
		t.Fatalf("ttl after ?ex=100: %s", ttl.body)
	}
	// A write through the Redis interface moves the version too.
	c.post("/", `["APPEND","doc","!"]`)
	if v3 := etagOf(t, c.do("GET", "/v1/kv/doc", "")); v3 <= v2 {
		t.Fatalf("APPEND left the version at %d (was %d)", v3, v2)
	}
	expectError(t, "delete stale", c.do("DELETE", "/v1/kv/doc", "", "If-Match", `"`+strconv.FormatUint(v2, 10)+`"`), 412, "ERR precondition failed")
	expect(t, "delete", c.do("DELETE", "/v1/kv/doc", ""), 200, `{"deleted":1}`)
	expectError(t, "delete missing", c.do("DELETE", "/v1/kv/doc", ""), 404, "ERR no such key")

	// Keys with slashes and escapes.
	if r := c.do("PUT", "/v1/kv/a/b%20c", "1"); r.status != 201 {
		t.Fatalf("put nested: %d %s", r.status, r.body)
	}
	expect(t, "nested via Redis", c.post("/", `["GET","a/b c"]`), 200, `{"result":"1"}`)

	// Bad inputs.
	expectError(t, "bad If-Match", c.do("PUT", "/v1/kv/x", "1", "If-Match", "nope"), 400, "ERR If-Match")
	expectError(t, "both conditions", c.do("PUT", "/v1/kv/x", "1", "If-Match", "*", "If-None-Match", "*"), 400, "ERR use either")
	expectError(t, "bad ttl", c.do("PUT", "/v1/kv/x?ex=-1", "1"), 400, "ERR invalid expire time")
	expectError(t, "ex and px", c.do("PUT", "/v1/kv/x?ex=1&px=1", "1"), 400, "ERR use either ex or px")
	if st := c.rawStatus("GET /v1/kv/%zz HTTP/1.1\r\nHost: x\r\n\r\n"); st != "HTTP/1.1 400 Bad Request" {
		t.Fatalf("bad escape: %s", st)
	}
	expectError(t, "method", c.do("POST", "/v1/kv/x", "1"), 405, "ERR method not allowed")
}

func TestKVPrefix(t *testing.T) {
	_, c := startServer(t, nil)
	for _, k := range []string{"user:3", "user:1", "user:2", "users", "order:1"} {
		if r := c.do("PUT", "/v1/kv/"+k, "v"); r.status != 201 {
			t.Fatalf("put %s: %d %s", k, r.status, r.body)
		}
	}
	expect(t, "list", c.do("GET", "/v1/kv?prefix=user:", ""), 200, `["user:1","user:2","user:3"]`)
	expect(t, "list limit", c.do("GET", "/v1/kv?prefix=user&limit=2", ""), 200, `["user:1","user:2"]`)
	expect(t, "list all", c.do("GET", "/v1/kv", ""), 200, `["order:1","user:1","user:2","user:3","users"]`)
	expect(t, "list none", c.do("GET", "/v1/kv/?prefix=zzz", ""), 200, `[]`)
	expectError(t, "bad limit", c.do("GET", "/v1/kv?limit=x", ""), 400, "ERR limit")
	expectError(t, "delete without prefix", c.do("DELETE", "/v1/kv", ""), 400, "ERR DELETE /v1/kv needs ?prefix=")
	expect(t, "delete prefix", c.do("DELETE", "/v1/kv?prefix=user:", ""), 200, `{"deleted":3}`)
	expect(t, "after delete", c.do("GET", "/v1/kv", ""), 200, `["order:1","users"]`)
	expectError(t, "method", c.do("PUT", "/v1/kv", ""), 405, "ERR method not allowed")
	// Not a /v1/kv route: path style command.
	expectError(t, "v1/kvx", c.do("GET", "/v1/kvx", ""), 404, "ERR unknown command 'v1'")
}

func TestKVAuth(t *testing.T) {
	_, c := startServer(t, func(cfg *Config) { cfg.Token, cfg.ReadOnlyToken = "full", "ro" })
	expectError(t, "no token", c.do("GET", "/v1/kv/a", ""), 401, "ERR Unauthorized")
	if r := c.do("PUT", "/v1/kv/a", "1", "Authorization", "Bearer full"); r.status != 201 {
		t.Fatalf("put with the full token: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/v1/kv/a", "", "Authorization", "Bearer ro"); r.status != 200 || r.body != "1" {
		t.Fatalf("get with the read-only token: %d %s", r.status, r.body)
	}
	expectError(t, "ro put", c.do("PUT", "/v1/kv/a", "2", "Authorization", "Bearer ro"), 403, "NOPERM")
	expectError(t, "ro delete", c.do("DELETE", "/v1/kv/a", "", "Authorization", "Bearer ro"), 403, "NOPERM")
	expectError(t, "ro delete prefix", c.do("DELETE", "/v1/kv?prefix=", "", "Authorization", "Bearer ro"), 403, "NOPERM")
	expectError(t, "ro txn write", c.post("/v1/txn", `{"commands":[["SET","a","3"]]}`, "Authorization", "Bearer ro"), 403, "NOPERM")
	expect(t, "value kept", c.do("GET", "/v1/kv/a", "", "Authorization", "Bearer ro"), 200, "1")
}

func TestTxnRoute(t *testing.T) {
	_, c := startServer(t, nil)
	v := etagOf(t, c.do("PUT", "/v1/kv/a", "10"))

	// A failed check: 409 with what failed, nothing runs.
	body := `{"checks":[{"key":"a","ver":` + strconv.FormatUint(v+5, 10) + `},{"key":"b","ver":0}],"commands":[["SET","b","x"]]}`
	expect(t, "failed check", c.post("/v1/txn", body), 409,
		`{"ok":false,"failed":[{"key":"a","ver":`+strconv.FormatUint(v+5, 10)+`,"current":`+strconv.FormatUint(v, 10)+`}]}`)
	expect(t, "b untouched", c.post("/", `["EXISTS","b"]`), 200, `{"result":0}`)

	// Passing checks: the commands run, and seq is the new version.
	body = `{"checks":[{"key":"a","ver":` + strconv.FormatUint(v, 10) + `},{"key":"b","ver":0}],"commands":[["INCRBY","a",5],["SET","b","x"],["GET","b"]]}`
	r := c.post("/v1/txn", body)
	var ok struct {
		OK      bool              `json:"ok"`
		Seq     uint64            `json:"seq"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.body), &ok); err != nil || r.status != 200 || !ok.OK || len(ok.Results) != 3 ||
		string(ok.Results[0]) != "15" || string(ok.Results[2]) != `"x"` {
		t.Fatalf("passing txn: %d %s", r.status, r.body)
	}
	if ea, eb := etagOf(t, c.do("GET", "/v1/kv/a", "")), etagOf(t, c.do("GET", "/v1/kv/b", "")); ea != ok.Seq || eb != ok.Seq {
		t.Fatalf("versions %d %d, txn seq %d", ea, eb, ok.Seq)
	}
	// The same checks again now fail: a's version moved.
	if r := c.post("/v1/txn", body); r.status != 409 {
		t.Fatalf("replayed txn: %d %s", r.status, r.body)
	}
	// A failing command applies nothing.
	body = `{"checks":[{"key":"a","ver":` + strconv.FormatUint(ok.Seq, 10) + `}],"commands":[["SET","a","new"],["INCR","b"]]}`
	expectError(t, "failing command", c.post("/v1/txn", body), 400, "ERR value is not an integer or out of range (command 2; nothing applied)")
	expect(t, "a kept", c.post("/", `["GET","a"]`), 200, `{"result":"15"}`)
	// Checks alone.
	r = c.post("/v1/txn", `{"checks":[{"key":"a","ver":`+strconv.FormatUint(ok.Seq, 10)+`}]}`)
	if r.status != 200 || !strings.HasPrefix(r.body, `{"ok":true,"seq":`) || !strings.HasSuffix(r.body, `"results":[]}`) {
		t.Fatalf("checks only: %d %s", r.status, r.body)
	}

	for _, bad := range []struct{ body, prefix string }{
		{`{`, "ERR body must be"},
		{`[]`, "ERR body must be"},
		{`{"checks":[{"key":"a"}]}`, `ERR check 1 needs "key" and "ver"`},
		{`{"checks":[{"key":"a","ver":-1}]}`, "ERR body must be"},
		{`{"checks":[],"commands":[]}`, "ERR a transaction needs"},
		{`{"commands":[["SET"]]}`, "ERR wrong number of arguments"},
		{`{"commands":[[1]]}`, "ERR command name must be"},
		{`{"commands":[["MULTI"]]}`, "ERR MULTI is not allowed"},
		{`{"commands":[["FLUSHALL"]]}`, "ERR flushall is not allowed in an atomic batch"},
		{`{"other":1}`, "ERR body must be"},
	} {
		expectError(t, "bad txn "+bad.body, c.post("/v1/txn", bad.body), 400, bad.prefix)
	}
	expectError(t, "GET /v1/txn", c.do("GET", "/v1/txn", ""), 405, "ERR method not allowed")
}

// FuzzDecodeTxn: any body decodes to a clear error or to checks and
// commands that each have a key / a command name; never a panic.
func FuzzDecodeTxn(f *testing.F) {
	for _, s := range []string{
		`{"checks":[{"key":"a","ver":41}],"commands":[["SET","a","1"]]}`,
		`{"checks":[{"key":"a","ver":0}]}`, `{"commands":[["GET","k"],["INCRBY","n",5]]}`,
		`{"checks":null,"commands":null}`, `{"checks":[{"key":"\u00e9","ver":18446744073709551615}]}`,
		`{"checks":[{"key":"a","ver":1.5}]}`, `{"commands":[[]]}`, `{} {}`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checks, cmds, err := decodeTxn(body)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ERR ") {
				t.Fatalf("error without a prefix: %v", err)
			}
			return
		}
		if len(checks)+len(cmds) == 0 {
			t.Fatal("accepted an empty transaction")
		}
		for _, c := range cmds {
			if len(c) == 0 {
				t.Fatal("accepted an empty command")
			}
		}
	})
}
