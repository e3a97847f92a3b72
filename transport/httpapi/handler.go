package httpapi

import (
	"bytes"
	"crypto/subtle"
	"errors"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
	"github.com/valyala/fasthttp"
)

// perm is what a request's token allows: the router's permission, so the
// rule of what a read-only credential may run is the one RESP applies.
type perm = router.Perm

const (
	permAll  = router.PermAll  // no tokens configured, or the full token
	permRead = router.PermRead // the read-only token
)

const (
	contentJSON = "application/json"
	contentText = "text/plain; charset=utf-8"
	corsMethods = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
	corsHeaders = "Authorization, Content-Type, Upstash-Encoding, Accept, If-Match, If-None-Match"
)

// The CORS header every response carries, set in canonical form so that
// fasthttp does not normalise its name on every request.
var (
	corsOriginKey   = []byte("Access-Control-Allow-Origin")
	corsOriginValue = []byte("*")
)

// allowOrigin sets Access-Control-Allow-Origin: *.
func allowOrigin(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.SetCanonical(corsOriginKey, corsOriginValue)
}

// handle routes one request. It runs on a fasthttp worker goroutine.
func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	defer s.recoverPanic(ctx)
	allowOrigin(ctx)
	if ctx.IsOptions() {
		ctx.Response.Header.Set("Access-Control-Allow-Methods", corsMethods)
		ctx.Response.Header.Set("Access-Control-Allow-Headers", corsHeaders)
		ctx.Response.Header.Set("Access-Control-Max-Age", "86400")
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return
	}
	path := ctx.Request.URI().PathOriginal()
	switch string(path) {
	case "/livez":
		s.probe(ctx, true)
		return
	case "/readyz":
		s.probe(ctx, s.ready.Load() && !s.closing.Load())
		return
	}
	if s.wsRoute(ctx, path) { // WebSockets authenticate in-band too
		return
	}
	p, ok := s.auth(ctx)
	if !ok {
		return
	}
	switch string(path) {
	case "/", "":
		if s.method(ctx, "POST") {
			s.root(ctx, p)
		}
	case "/pipeline":
		if s.method(ctx, "POST") {
			s.pipeline(ctx, p)
		}
	case "/multi-exec":
		if s.method(ctx, "POST") {
			s.multiExec(ctx, p)
		}
	case "/v1/execute":
		if s.method(ctx, "POST") {
			s.execute(ctx, p)
		}
	case "/v1/txn":
		if s.method(ctx, "POST") {
			s.txn(ctx, p)
		}
	case "/metrics":
		if s.method(ctx, "GET") {
			s.metrics(ctx)
		}
	default:
		if s.kv(ctx, p, path) {
			return
		}
		if ctx.IsGet() || ctx.IsPost() {
			s.pathStyle(ctx, p, path)
			return
		}
		ctx.Response.Header.Set("Allow", "GET, POST, OPTIONS")
		s.fail(ctx, fasthttp.StatusMethodNotAllowed, "ERR method not allowed")
	}
}

// probe answers a health check: 200 OK or 503.
func (s *Server) probe(ctx *fasthttp.RequestCtx, ok bool) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD, OPTIONS")
		s.fail(ctx, fasthttp.StatusMethodNotAllowed, "ERR method not allowed")
		return
	}
	ctx.SetContentType(contentText)
	if ok {
		ctx.SetBodyString("OK")
		return
	}
	ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
	ctx.SetBodyString("not ready")
}

// method reports whether the request uses want, answering 405 if not.
func (s *Server) method(ctx *fasthttp.RequestCtx, want string) bool {
	if string(ctx.Method()) == want {
		return true
	}
	ctx.Response.Header.Set("Allow", want+", OPTIONS")
	s.fail(ctx, fasthttp.StatusMethodNotAllowed, "ERR method not allowed")
	return false
}

// auth checks the request's token, answering 401 when it lacks a valid one.
func (s *Server) auth(ctx *fasthttp.RequestCtx) (perm, bool) {
	if s.cfg.Token == "" && s.cfg.ReadOnlyToken == "" {
		return permAll, true
	}
	tok := requestToken(ctx)
	if len(tok) == 0 {
		s.fail(ctx, fasthttp.StatusUnauthorized, "ERR Unauthorized: missing token")
		return 0, false
	}
	p, ok := s.tokenPerm(tok)
	if !ok {
		s.fail(ctx, fasthttp.StatusUnauthorized, "ERR Unauthorized: invalid token")
	}
	return p, ok
}

// requestToken is the request's token: the Authorization bearer token,
// else the _token query argument.
func requestToken(ctx *fasthttp.RequestCtx) []byte {
	if tok, ok := bearer(ctx.Request.Header.Peek("Authorization")); ok {
		return tok
	}
	return ctx.QueryArgs().Peek("_token")
}

// bearer is the token of an Authorization value "Bearer <token>".
func bearer(h []byte) ([]byte, bool) {
	if len(h) > 7 && bytes.EqualFold(h[:7], []byte("Bearer ")) {
		return trimOWS(h[7:]), true
	}
	return nil, false
}

// tokenPerm is what tok allows; false when it is neither token.
func (s *Server) tokenPerm(tok []byte) (perm, bool) {
	switch {
	case tokenIs(tok, s.cfg.Token):
		return permAll, true
	case tokenIs(tok, s.cfg.ReadOnlyToken):
		return permRead, true
	}
	return 0, false
}

func tokenIs(got []byte, want string) bool {
	return want != "" && subtle.ConstantTimeCompare(got, []byte(want)) == 1
}

// check refuses, with the 4xx to send, a command the route or the token may
// not run; status 0 means it may run.
func check(p perm, args [][]byte, inTxn bool) (int, string) {
	c := router.Lookup(args[0])
	if c == nil {
		if !router.Allowed(p, args) { // a server command such as CONFIG or DEBUG
			return fasthttp.StatusForbidden, "NOPERM this token has no permissions to run the '" + string(bytes.ToLower(args[0])) + "' command"
		}
		return 0, "" // the router answers unknown commands
	}
	if c.Flags&router.FlagNoMulti != 0 || c.Name == "unwatch" {
		if inTxn {
			return fasthttp.StatusBadRequest, "ERR " + upper(c.Name) + " is not allowed inside /multi-exec"
		}
		return fasthttp.StatusBadRequest, "ERR " + upper(c.Name) + " needs a connection: use POST /multi-exec for transactions"
	}
	if !c.Allows(p) {
		return fasthttp.StatusForbidden, "NOPERM this token has no permissions to run the '" + c.Name + "' command"
	}
	return 0, ""
}

// refused counts a command that check refused as an error of its command:
// the router never sees it.
func (s *Server) refused(args [][]byte) {
	sess := s.session()
	sess.CountLocal(router.CommandID(args[0]), true)
	s.sessions.Put(sess)
}

func upper(s string) string { return string(bytes.ToUpper([]byte(s))) }

// fail answers status with {"error": msg}.
func (s *Server) fail(ctx *fasthttp.RequestCtx, status int, msg string) {
	ctx.SetStatusCode(status)
	ctx.SetContentType(contentJSON)
	b := s.buf()
	*b = AppendError(*b, []byte(msg))
	ctx.SetBody(*b)
	s.putBuf(b)
}

// handleReadError answers a request fasthttp could not read.
func (s *Server) handleReadError(ctx *fasthttp.RequestCtx, err error) {
	allowOrigin(ctx)
	var small *fasthttp.ErrSmallBuffer
	var ne interface{ Timeout() bool }
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		s.fail(ctx, fasthttp.StatusRequestEntityTooLarge, "ERR request body too large")
	case errors.As(err, &small):
		s.fail(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge, "ERR request headers too large")
	case errors.As(err, &ne) && ne.Timeout():
		s.fail(ctx, fasthttp.StatusRequestTimeout, "ERR request timeout")
	default:
		s.fail(ctx, fasthttp.StatusBadRequest, "ERR malformed HTTP request")
	}
}

// recoverPanic turns a handler panic into a 500 instead of a dead process.
func (s *Server) recoverPanic(ctx *fasthttp.RequestCtx) {
	if v := recover(); v != nil {
		// The path only: the query may carry a token (?_token=).
		s.cfg.Logger.Error().Interface("panic", v).Bytes("path", ctx.Path()).Msg("HTTP handler panicked")
		ctx.Response.Reset()
		allowOrigin(ctx)
		s.fail(ctx, fasthttp.StatusInternalServerError, "ERR internal error")
	}
}

// wantsBase64 reports whether the client sent Upstash-Encoding: base64.
// Callers skip it for replies it cannot change (see plainReply).
func wantsBase64(ctx *fasthttp.RequestCtx) bool {
	return isBase64(ctx.Request.Header.Peek("Upstash-Encoding"))
}

// isBase64 reports whether an Upstash-Encoding value asks for base64. The
// event loop (fastpath.go) and the fasthttp routes both decide through it.
func isBase64(v []byte) bool { return bytes.EqualFold(trimOWS(v), []byte("base64")) }

// trimOWS strips the optional whitespace HTTP allows around a header value
// or an item of a header list: spaces and tabs, nothing else (RFC 9110
// 5.6.3), as fasthttp trims the values it parses. Every header value either
// path reads goes through it, so a value means the same on both:
// "base64\u00a0" is not base64 on either, as U+00A0 is not HTTP whitespace.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// plainReply reports whether r reads the same with and without
// Upstash-Encoding: base64 when it is a whole result: no strings but a
// whole-result OK.
func plainReply(r reply.Reply) bool {
	switch r.Kind {
	case reply.KindInt, reply.KindNil, reply.KindNilArray, reply.KindError:
		return true
	case reply.KindStatus, reply.KindBulk:
		return string(r.Str) == "OK"
	}
	return false
}
