// Package httpapi serves memshard over HTTP with fasthttp: an Upstash-REST
// compatible JSON API in the Redis dialect, the MemFast text dialect, and
// health probes, all on one port.
//
// # Routes
//
//	POST /              ["SET","k","v","EX",10]    one command, Redis dialect
//	                    -> 200 {"result": ...} | 400 {"error": "ERR ..."}
//	POST /              {"query": "SET k v"}       one command, MemFast dialect
//	                    -> text/plain rendered reply (200, or 400 for an error);
//	                       {"result": "..."} / {"error": "..."} with
//	                       Accept: application/json
//	GET|POST /{cmd}/{arg}/...                       Upstash path style
//	POST /pipeline      [[...],[...]]               not atomic
//	                    -> 200 [{"result": ...} | {"error": ...}, ...]
//	POST /multi-exec    [[...],[...]]               atomic (MULTI ... EXEC)
//	                    -> 200 [{"result": ...} | {"error": ...}, ...]
//	                    -> 400 {"error": "EXECABORT ..."} when discarded
//	POST /v1/execute    memstore batch, all or nothing (see execute.go)
//	POST /v1/txn        version checks, then an atomic batch (see txn.go)
//	                    -> 200 {"ok":true,"seq":N,"results":[...]} | 409 {"ok":false,"failed":[...]}
//	GET|HEAD|PUT|DELETE /v1/kv/{key}                raw values with ETag versions (see kv.go)
//	GET|DELETE /v1/kv?prefix=p                      list / delete keys by prefix
//	GET / (Upgrade), GET /v1/ws                     WebSocket sessions (see ws.go)
//	GET /livez          200 OK while the process serves
//	GET /readyz         200 when ready (SetReady), 503 otherwise
//	OPTIONS *           204, CORS preflight
//
// Anything else answers 404 (unknown route) or 405 (method), always with a
// JSON body {"error": "ERR ..."}.
//
// # Arguments
//
// JSON command arrays take strings, numbers and booleans. An integer is sent
// as its decimal text, another number as strconv.FormatFloat(f, 'f', -1, 64)
// (so 1.5e3 is "1500"), true and false as "1" and "0". The command name must
// be a string; null, objects and nested arrays are rejected with 400.
//
// In the path style every segment after the first slash is one argument,
// URL-unescaped (%2F is a slash inside an argument; a trailing slash adds
// nothing). The body of a POST, when not empty, is appended after the path
// arguments, and then each query pair ?K=V as the two arguments K and V (a
// pair with an empty value, ?NX, adds only K). The _token pair is never an
// argument.
//
// # Replies
//
// Results map onto JSON as Upstash does with RESP2 semantics: status and
// bulk strings are JSON strings, integers are numbers, doubles are strings
// (as Redis prints them), nil and nil arrays are null, arrays are arrays and
// maps are flat arrays [k0, v0, k1, v1, ...]. An error nested in an array
// (a failed command inside EXEC) is {"error": "..."}.
//
// Strings that are not valid UTF-8 cannot travel as JSON strings: without
// Upstash-Encoding each invalid byte is replaced by U+FFFD, so binary values
// need Upstash-Encoding: base64, which base64-encodes (standard alphabet,
// padded) every string of a result except a whole result equal to OK, as the
// @upstash/redis client expects. Error messages are never encoded.
//
// # Authentication
//
// When Config.Token or Config.ReadOnlyToken is set, every route but the
// health probes and CORS preflights needs Authorization: Bearer <token> or
// ?_token=<token>; a missing or wrong token answers 401. The read-only token
// may run only what router.Allowed grants router.PermRead — no write, no
// administrative command (router.FlagWrite, router.FlagAdmin, and server
// commands such as CONFIG or DEBUG that RESP serves); anything else answers
// 403 NOPERM, and the whole request runs nothing.
//
// # Sessions
//
// Each request borrows a router.Session from a pool for its duration, so
// commands that hold connection state (MULTI, EXEC, DISCARD, WATCH, UNWATCH)
// are refused on POST /, the path style and /pipeline; /multi-exec is the
// transaction route.
//
// # Errors
//
// Malformed JSON and wrong shapes answer 400, a body over Config.MaxBodySize
// 413, headers over the read buffer 431, a request not read within
// Config.ReadTimeout 408, replies that would take an answer past
// Config.MaxResponse 400 (replysize.go), and a connection over
// Config.MaxConns (WebSockets count) 503 before it is closed; every error
// body is JSON {"error": "PREFIX message"}.
package httpapi
