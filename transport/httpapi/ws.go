package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
	"github.com/memshard/memshard/transport/text"
	"github.com/valyala/fasthttp"
)

// WebSocket sessions.
//
// GET / with Upgrade: websocket opens a session in which each frame is
//
//   - a MemFast text query (first non-space byte neither '[' nor '{'),
//     answered by a text frame with the rendered MemFast text;
//   - a JSON command array, answered by {"result": ...} or {"error": ...}
//     exactly as POST / answers it;
//   - a JSON object: a protocol message, as on /v1/ws.
//
// GET /v1/ws takes only protocol messages (the id, a string or a number,
// is echoed when present):
//
//	{"type":"cmd","id":"1","cmd":["SET","k","v"]}
//	  -> {"type":"result","id":"1","result":"OK"}
//	   | {"type":"error","id":"1","error":"ERR ..."}
//	{"type":"pipeline","id":"2","cmds":[[...],[...]]}      in order, not atomic
//	  -> {"type":"result","id":"2","result":[{"result":...}|{"error":...},...]}
//	{"type":"txn","id":"3","cmds":[[...],[...]]}           MULTI ... EXEC, atomic
//	  -> as pipeline, or {"type":"error","id":"3","error":"EXECABORT ..."}
//	{"type":"auth","id":"0","token":"..."}
//	  -> {"type":"result","id":"0","result":"OK"}
//	{"type":"subscribe",...}
//	  -> {"type":"error","error":"ERR subscribe is not available yet"}
//
// A bad command inside a well-formed message (wrong argument type, refused
// by the token) is an error reply; a message that is not valid JSON, lacks
// its fields or has an unknown type closes the session with 4400.
//
// Authentication: when a token is configured, it comes with the upgrade
// request (Authorization: Bearer or ?_token=) or in an auth message sent
// first; anything else first, or a wrong token, closes with 4401. The
// read-only token has the same permissions as on HTTP.
//
// Each connection has one router.Session used only by its reader loop, which
// runs a frame and writes its reply before reading the next: a client may
// send many frames without waiting and gets the replies in request order.
// A message over Config.WSMaxMessage closes with 1009; the server pings
// every 30 s and drops a connection silent for 60 s; Server.Close sends
// 1001 (going away) to every session.

// WebSocket keep-alive and shutdown timings.
const (
	wsPingInterval = 30 * time.Second // the server pings this often
	wsReadTimeout  = 60 * time.Second // a connection silent this long is dropped
	wsWriteTimeout = 10 * time.Second // bounds writing one frame
	wsCloseGrace   = time.Second      // Close waits this long for clients to answer 1001
)

// Close codes of the protocol beyond RFC 6455's.
const (
	wsCloseMalformed    = 4400
	wsCloseUnauthorized = 4401
)

// wsConns is the set of open WebSocket connections of a Server.
type wsConns struct {
	mu       sync.Mutex
	open     map[*wsConn]struct{}
	closed   bool  // Close has begun: no new connection is registered
	accepted int64 // connections registered since start
	wg       sync.WaitGroup
}

// add registers c, or reports false once Close has begun.
func (w *wsConns) add(c *wsConn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	if w.open == nil {
		w.open = make(map[*wsConn]struct{})
	}
	w.open[c] = struct{}{}
	w.accepted++
	w.wg.Add(1)
	return true
}

func (w *wsConns) remove(c *wsConn) {
	w.mu.Lock()
	delete(w.open, c)
	w.mu.Unlock()
	w.wg.Done()
}

// closeAll sends 1001 (going away) to every open connection, waits up to
// wsCloseGrace for their loops to end, then drops the stragglers' sockets
// and waits for them.
func (w *wsConns) closeAll() {
	// Under w.mu: a registered connection's handler has not returned, so
	// fasthttp has not recycled its socket. One deadline bounds it all.
	deadline := time.Now().Add(wsCloseGrace)
	w.mu.Lock()
	w.closed = true
	for c := range w.open {
		c.sendClose(websocket.CloseGoingAway, "server shutting down", deadline)
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wsCloseGrace):
		// Unblock the loops still registered (their sockets are not
		// recycled yet): a read or write that times out ends a loop, and
		// fasthttp closes a hijacked socket when its handler returns.
		w.mu.Lock()
		for c := range w.open {
			_ = c.conn.NetConn().SetDeadline(time.Now())
		}
		w.mu.Unlock()
		<-done
	}
}

// wsAuthState is how the upgrade request authenticated.
type wsAuthState uint8

const (
	wsAuthed  wsAuthState = iota // no token needed, or a valid one came
	wsPending                    // a token is needed: the first message must be auth
	wsBadAuth                    // a wrong token came: close 4401
)

// wsRoute serves the WebSocket routes, GET /v1/ws and GET / with an
// Upgrade header, and reports whether path was one of them.
func (s *Server) wsRoute(ctx *fasthttp.RequestCtx, path []byte) bool {
	var protocolOnly bool
	switch string(path) {
	case "/v1/ws":
		protocolOnly = true
		if !s.method(ctx, "GET") {
			return true
		}
	case "/", "":
		if !ctx.IsGet() || !websocket.FastHTTPIsWebSocketUpgrade(ctx) {
			return false
		}
	default:
		return false
	}
	p, st := s.wsAuth(ctx)
	up := websocket.FastHTTPUpgrader{
		// The HTTP API answers any origin (CORS *); WebSockets do too.
		CheckOrigin: func(*fasthttp.RequestCtx) bool { return true },
		Error: func(ctx *fasthttp.RequestCtx, status int, reason error) {
			s.fail(ctx, status, "ERR "+reason.Error())
		},
	}
	// Upgrade answers the handshake errors itself.
	_ = up.Upgrade(ctx, func(conn *websocket.Conn) {
		c := &wsConn{s: s, conn: conn, protocolOnly: protocolOnly, perm: p, auth: st}
		c.run()
	})
	return true
}

// wsAuth checks the token of an upgrade request without answering.
func (s *Server) wsAuth(ctx *fasthttp.RequestCtx) (perm, wsAuthState) {
	if s.cfg.Token == "" && s.cfg.ReadOnlyToken == "" {
		return permAll, wsAuthed
	}
	tok := requestToken(ctx)
	if len(tok) == 0 {
		return 0, wsPending
	}
	if p, ok := s.tokenPerm(tok); ok {
		return p, wsAuthed
	}
	return 0, wsBadAuth
}

// wsConn is one WebSocket session. Its loop reads a frame, runs it and
// writes the reply before reading the next, so replies keep request order.
type wsConn struct {
	s            *Server
	conn         *websocket.Conn
	sess         *router.Session
	protocolOnly bool // /v1/ws: only JSON protocol messages
	perm         perm
	auth         wsAuthState
	in           bytes.Buffer // the frame being served
	out          []byte       // the reply being built
}

// errWSClosed ends the loop after the connection was closed on purpose.
var errWSClosed = errors.New("httpapi: websocket closed")

// run serves the connection until it closes.
func (c *wsConn) run() {
	if !c.s.ws.add(c) {
		c.sendClose(websocket.CloseGoingAway, "server shutting down", time.Now().Add(wsWriteTimeout))
		return
	}
	defer c.s.ws.remove(c)
	defer func() {
		// The handler runs on a goroutine of its own: a panic would end
		// the process.
		if v := recover(); v != nil {
			c.s.cfg.Logger.Error().Interface("panic", v).Msg("WebSocket handler panicked")
			c.sendClose(websocket.CloseInternalServerErr, "internal error", time.Now().Add(wsWriteTimeout))
		}
	}()
	if c.auth == wsBadAuth {
		c.closeWith(wsCloseUnauthorized, "invalid token")
		c.linger()
		return
	}
	c.sess = c.s.newSession(router.TransportWebSocket)
	defer c.sess.Close()

	stop, pinged := make(chan struct{}), make(chan struct{})
	go c.ping(stop, pinged)
	defer func() { close(stop); <-pinged }()

	c.conn.SetReadLimit(int64(c.s.cfg.WSMaxMessage))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(wsReadTimeout))
	})
	for {
		if err := c.conn.SetReadDeadline(time.Now().Add(wsReadTimeout)); err != nil {
			return
		}
		_, r, err := c.conn.NextReader()
		if err != nil {
			// ErrReadLimit: the library already sent 1009.
			return
		}
		c.in.Reset()
		if _, err := c.in.ReadFrom(r); err != nil {
			return
		}
		if err := c.serve(c.in.Bytes()); err != nil {
			if err == errWSClosed {
				c.linger()
			}
			return
		}
	}
}

// ping keeps the connection alive until stop closes.
func (c *wsConn) ping(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(wsPingInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout)) != nil {
				return
			}
		}
	}
}

// sendClose sends a close frame; the loop ends when the client answers or
// its socket goes. Safe from any goroutine.
func (c *wsConn) sendClose(code int, reason string, deadline time.Time) {
	if len(reason) > 120 { // a control frame carries at most 125 bytes
		reason = reason[:120]
	}
	_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline)
}

// closeWith sends a close frame and ends the loop.
func (c *wsConn) closeWith(code int, reason string) error {
	c.sendClose(code, reason, time.Now().Add(wsWriteTimeout))
	return errWSClosed
}

// linger reads, for at most wsCloseGrace, what the client still sends
// after a close frame, until its answering close: a socket closed with
// unread data would reset the connection and could lose the close frame.
func (c *wsConn) linger() {
	if c.conn.SetReadDeadline(time.Now().Add(wsCloseGrace)) != nil {
		return
	}
	for {
		if _, _, err := c.conn.NextReader(); err != nil {
			return
		}
	}
}

// write sends c.out as one text frame.
func (c *wsConn) write() error {
	if err := c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout)); err != nil {
		return err
	}
	err := c.conn.WriteMessage(websocket.TextMessage, c.out)
	if cap(c.out) > 64<<10 {
		c.out = nil // drop a buffer a large reply grew
	}
	return err
}

// serve runs one frame and writes its reply; an error ends the loop.
func (c *wsConn) serve(frame []byte) error {
	body := bytes.TrimLeft(frame, " \t\r\n")
	c.out = c.out[:0]
	isObject := len(body) > 0 && body[0] == '{'
	if c.auth == wsPending && !isObject {
		return c.closeWith(wsCloseUnauthorized, "authentication required: send an auth message first")
	}
	switch {
	case isObject:
		return c.message(body)
	case c.protocolOnly:
		return c.closeWith(wsCloseMalformed, "message must be a JSON object")
	case len(body) > 0 && body[0] == '[':
		c.command(body)
	default:
		c.query(frame)
	}
	return c.write()
}

// command runs a JSON command array sent on /: {"result"} or {"error"}.
func (c *wsConn) command(body []byte) {
	args, err := DecodeCommand(body)
	if err != nil {
		c.out = AppendError(c.out, []byte(err.Error()))
		return
	}
	if msg := c.check(args, false); msg != "" {
		c.out = AppendError(c.out, []byte(msg))
		return
	}
	w := within{b: c.out, limit: c.s.cfg.MaxResponse}
	if w.add(c.sess.Do(context.Background(), args), false, true) {
		c.out = w.b
	} else {
		c.out = AppendError(c.out, c.s.overMsg)
	}
}

// query runs a MemFast text query: the reply is its rendered text.
func (c *wsConn) query(line []byte) {
	args, err := text.Tokenize(line)
	if err != nil {
		c.out = append(c.out, err.Error()...)
		return
	}
	q := text.Prepare(args)
	if msg := c.check(q.Args, false); msg != "" {
		c.out = append(c.out, msg...)
		return
	}
	var ok bool
	if c.out, ok = renderWithin(c.out, q, c.sess.Do(context.Background(), q.Args), c.s.cfg.MaxResponse); !ok {
		c.out = append(c.out, c.s.overMsg...)
	}
}

// check is check() with messages that fit a WebSocket; "" means allowed.
func (c *wsConn) check(args [][]byte, inTxn bool) string {
	st, msg := check(c.perm, args, inTxn)
	if st != 0 {
		c.sess.CountLocal(router.CommandID(args[0]), true)
	}
	switch {
	case st == 0:
		return ""
	case st == fasthttp.StatusBadRequest && !inTxn:
		name := upper(router.Lookup(args[0]).Name)
		return "ERR " + name + ` is not available here: send a {"type":"txn"} message for transactions`
	case st == fasthttp.StatusBadRequest:
		name := upper(router.Lookup(args[0]).Name)
		return "ERR " + name + " is not allowed inside a txn message"
	}
	return msg
}

// wsMessage is a protocol message; fields a type does not use are ignored.
type wsMessage struct {
	Type  *string             `json:"type"`
	ID    json.RawMessage     `json:"id"`
	Cmd   []json.RawMessage   `json:"cmd"`
	Cmds  [][]json.RawMessage `json:"cmds"`
	Token *string             `json:"token"`
}

// message runs one protocol message and builds its reply in c.out.
func (c *wsConn) message(body []byte) error {
	var m wsMessage
	if err := json.Unmarshal(body, &m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return c.closeWith(wsCloseMalformed, "malformed message: field "+te.Field+" has the wrong type")
		}
		return c.closeWith(wsCloseMalformed, "malformed message: invalid JSON")
	}
	if m.Type == nil {
		return c.closeWith(wsCloseMalformed, "malformed message: type is missing")
	}
	if id := bytes.TrimSpace(m.ID); len(id) > 0 && id[0] != '"' && (id[0] < '0' || id[0] > '9') && id[0] != '-' {
		return c.closeWith(wsCloseMalformed, "malformed message: id must be a string or a number")
	}
	if c.auth == wsPending && *m.Type != "auth" {
		return c.closeWith(wsCloseUnauthorized, "authentication required: send an auth message first")
	}
	switch *m.Type {
	case "auth":
		if m.Token == nil {
			return c.closeWith(wsCloseMalformed, "malformed message: auth needs a token")
		}
		if c.s.cfg.Token == "" && c.s.cfg.ReadOnlyToken == "" {
			c.result(m.ID, okResult) // nothing to check
			break
		}
		p, ok := c.s.tokenPerm([]byte(*m.Token))
		if !ok {
			return c.closeWith(wsCloseUnauthorized, "invalid token")
		}
		c.perm, c.auth = p, wsAuthed
		c.result(m.ID, okResult)
	case "cmd":
		if m.Cmd == nil {
			return c.closeWith(wsCloseMalformed, "malformed message: cmd is missing")
		}
		c.cmd(m.ID, m.Cmd)
	case "pipeline", "txn":
		if m.Cmds == nil {
			return c.closeWith(wsCloseMalformed, "malformed message: cmds is missing")
		}
		c.batch(m.ID, m.Cmds, *m.Type == "txn")
	case "subscribe":
		c.errorReply(m.ID, "ERR subscribe is not available yet")
	default:
		return c.closeWith(wsCloseMalformed, "unknown message type "+strconv.Quote(*m.Type))
	}
	return c.write()
}

var okResult = reply.Reply{Kind: reply.KindStatus, Str: []byte("OK")}

// head appends {"type":typ and the id when there is one.
func (c *wsConn) head(id json.RawMessage, typ string) {
	c.out = append(c.out, `{"type":"`...)
	c.out = append(c.out, typ...)
	c.out = append(c.out, '"')
	if id = bytes.TrimSpace(id); len(id) > 0 {
		c.out = append(c.out, `,"id":`...)
		c.out = append(c.out, id...) // valid JSON: Unmarshal checked it
	}
}

// result builds {"type":"result","id":...,"result":r}, or the error reply
// when r is an error.
func (c *wsConn) result(id json.RawMessage, r reply.Reply) {
	if r.Kind == reply.KindError {
		c.errorReply(id, string(r.Str))
		return
	}
	start := len(c.out)
	c.head(id, "result")
	w := within{b: append(c.out, `,"result":`...), limit: start + c.s.cfg.MaxResponse}
	if !w.add(r, false, false) {
		c.out = c.out[:start]
		c.errorReply(id, string(c.s.overMsg))
		return
	}
	c.out = append(w.b, '}')
}

// errorReply builds {"type":"error","id":...,"error":msg}.
func (c *wsConn) errorReply(id json.RawMessage, msg string) {
	c.head(id, "error")
	c.out = append(c.out, `,"error":`...)
	c.out = appendString(c.out, []byte(msg), false)
	c.out = append(c.out, '}')
}

// cmd runs one command message.
func (c *wsConn) cmd(id json.RawMessage, raw []json.RawMessage) {
	args, err := commandArgs(raw)
	if err != nil {
		c.errorReply(id, err.Error())
		return
	}
	if msg := c.check(args, false); msg != "" {
		c.errorReply(id, msg)
		return
	}
	c.result(id, c.sess.Do(context.Background(), args))
}

// batch runs a pipeline message (in order, not atomic) or a txn message
// (MULTI ... EXEC in one session call, so all or nothing). As on HTTP, a
// command the token may not run refuses the whole message.
func (c *wsConn) batch(id json.RawMessage, raw [][]json.RawMessage, txn bool) {
	if len(raw) == 0 {
		c.errorReply(id, ErrEmptyPipeline.Error())
		return
	}
	cmds := make([][][]byte, 0, len(raw))
	for i, r := range raw {
		args, err := commandArgs(r)
		if err == nil {
			if msg := c.check(args, txn); msg != "" {
				err = errors.New(msg)
			}
		}
		if err != nil {
			c.errorReply(id, err.Error()+" (command "+strconv.Itoa(i+1)+")")
			return
		}
		cmds = append(cmds, args)
	}
	start := len(c.out)
	c.head(id, "result")
	w := within{b: append(c.out, `,"result":[`...), limit: start + c.s.cfg.MaxResponse}
	if !txn {
		c.sess.Start(cmds)
		runPipeline(&w, c.sess, cmds, false)
	} else if entries, msg := runTxn(c.sess, cmds); msg != "" {
		c.out = c.out[:start]
		c.errorReply(id, msg)
		return
	} else {
		w.addAll(entries, false, true)
	}
	if w.over {
		c.out = c.out[:start]
		c.errorReply(id, string(c.s.overMsg))
		return
	}
	c.out = append(w.b, "]}"...)
}
