package resp

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard"
)

const (
	readBufSize  = 16 << 10 // initial read buffer
	keepBufSize  = 64 << 10 // a buffer grown past this is dropped when idle
	maxKeepBuf   = 4 << 20  // a larger one is dropped as soon as it drains
	writeBufSize = 16 << 10
)

// reply modes of CLIENT REPLY.
const (
	replyOn = iota
	replyOff
	replySkip
)

// conn is one client connection: its read buffer, parser, router session and
// connection state. Only its own goroutine touches it, except that Close
// and CLIENT KILL close nc.
type conn struct {
	s        *Server
	nc       net.Conn // nil when an event loop serves the connection
	lp       *loop    // the event loop serving it, or nil
	fd       int      // its socket when lp is set
	raddr    net.Addr
	laddr    net.Addr
	id       int64
	sess     *router.Session
	parser   *Parser
	in       []byte
	start    int // unparsed input is in[start:end]
	end      int
	out      []byte
	proto    int
	authed   bool
	readOnly bool // authenticated with the read-only token
	created  time.Time
	lastCmd  time.Time

	name, libName, libVer string
	replyMode             int
	closeAfter            bool     // QUIT, protocol error, CLIENT KILL of self
	info                  connInfo // what CLIENT LIST shows other connections

	// event-loop state (see loop)
	killed  atomic.Bool // close requested by another goroutine
	blocked bool        // the socket is full: out[woff:] waits to be written
	woff    int
	lastIO  time.Time // the last read, for the idle timeout
	pend    pipeline  // a pipeline started on sess, not finished yet

	capturing bool        // reply() stores into captured (see queue)
	captured  shard.Reply // the reply of a queued connection command
	replyErr  bool        // the last reply was an error (command statistics)
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		s:       s,
		nc:      nc,
		fd:      -1,
		raddr:   nc.RemoteAddr(),
		laddr:   nc.LocalAddr(),
		id:      s.nextID.Add(1),
		sess:    s.r.NewSessionFor(router.TransportRESP),
		in:      make([]byte, readBufSize),
		out:     make([]byte, 0, writeBufSize),
		proto:   2,
		authed:  !s.cfg.authRequired(),
		created: time.Now(),
	}
	lim := s.cfg.Limits
	lim.Unauthenticated = !c.authed
	c.parser = NewParser(lim)
	c.lastCmd = c.created
	return c
}

// serve is the connection's goroutine: read what is available, parse every
// complete command, run them as one pipeline (one batch per shard), write
// all replies with one write, repeat.
func (c *conn) serve() {
	defer func() {
		c.sess.Close()
		c.nc.Close()
		c.s.forget(c)
	}()
	waiting := time.Now() // since when the connection waits for input
	armed := false        // a read deadline is set
	for {
		// The read deadline: the idle timeout, or sooner the moment to drop
		// a grown buffer kept for the next large command (as loop.sweep).
		var until time.Time
		if t := c.s.idleTimeout(); t > 0 {
			until = waiting.Add(t)
		}
		kept := c.start == c.end && len(c.in) > keepBufSize
		if drop := waiting.Add(time.Second); kept && (until.IsZero() || drop.Before(until)) {
			until = drop
		}
		if !until.IsZero() || armed {
			c.nc.SetReadDeadline(until)
			armed = !until.IsZero()
		}
		n, err := c.nc.Read(c.in[c.end:])
		if n > 0 {
			c.end += n
			c.s.stats.netIn.Add(int64(n))
			if !c.process() {
				return
			}
			waiting = time.Now()
		}
		if err != nil {
			if t := c.s.idleTimeout(); kept && n == 0 && errors.Is(err, os.ErrDeadlineExceeded) &&
				(t <= 0 || time.Since(waiting) < t) {
				c.dropInBuf()
				continue
			}
			return
		}
	}
}

// process handles the buffered input and reports whether to keep reading.
func (c *conn) process() bool {
	for {
		cmds, used, need, perr := c.parser.Parse(c.in[c.start:c.end])
		if len(cmds) > 0 {
			c.lastCmd = time.Now()
			c.handle(cmds)
			c.publish(cmds[len(cmds)-1])
		}
		more, ok := c.advance(used, need, perr)
		if !more {
			return ok
		}
	}
}

// pipeline is a parsed pipeline the event loop started on the session:
// the commands and what Parse said about the input.
type pipeline struct {
	cmds       [][][]byte
	used, need int
}

// startPipeline is process for an event loop. When the input holds only
// commands for the router it starts them on the session without waiting
// and reports started; the loop calls finishPipeline after starting the
// other ready connections' pipelines. Anything else runs here and now, as
// process runs it. ok is false when the connection must close.
func (c *conn) startPipeline(now time.Time) (started, ok bool) {
	for {
		cmds, used, need, perr := c.parser.Parse(c.in[c.start:c.end])
		if len(cmds) > 0 {
			c.lastCmd = now
		}
		if perr == nil && len(cmds) > 0 && c.plain(cmds) {
			c.s.stats.commands.Add(int64(len(cmds)))
			c.sess.Start(cmds)
			c.pend = pipeline{cmds: cmds, used: used, need: need}
			return true, true
		}
		if len(cmds) > 0 {
			c.handle(cmds)
			c.publish(cmds[len(cmds)-1])
		}
		more, ok := c.advance(used, need, perr)
		if !more {
			return false, ok
		}
	}
}

// finishPipeline completes what startPipeline started: it encodes the
// replies, writes them, and reports whether to keep the connection.
func (c *conn) finishPipeline() bool {
	p := c.pend
	c.pend = pipeline{}
	for _, r := range c.sess.Finish(context.Background(), p.cmds) {
		c.reply(r)
	}
	c.publish(p.cmds[len(p.cmds)-1])
	more, ok := c.advance(p.used, p.need, nil)
	if more {
		return c.process()
	}
	return ok
}

// plain reports whether every command of cmds goes to the router as it is:
// no connection command, nothing this connection must refuse.
func (c *conn) plain(cmds [][][]byte) bool {
	if !c.authed || c.readOnly || c.capturing {
		return false
	}
	for _, args := range cmds {
		if connCommand(args[0]) != nil {
			return false
		}
	}
	return true
}

// advance moves past what was parsed and handled: it reports a protocol
// error, flushes the replies and makes room for more input. more says that
// the rest of the buffer needs parsing now; otherwise ok says whether to
// keep the connection.
func (c *conn) advance(used, need int, perr error) (more, ok bool) {
	c.start += used
	if perr != nil {
		c.out = AppendError(c.out, perr.Error())
		c.closeAfter = true
		c.s.cfg.Logger.Debug().Int64("client", c.id).Str("error", perr.Error()).Msg("protocol error; closing")
	}
	if perr == nil && !c.closeAfter && need == 0 && used > 0 && c.start < c.end {
		// The parser stopped early so that limits changed by what just
		// ran (AUTH, RESET) apply to the rest, as in Redis.
		return true, true
	}
	if len(c.out) > 0 && !c.flush() {
		return false, false
	}
	if c.closeAfter {
		return false, false
	}
	return false, c.makeRoom(need)
}

// flush writes the pending replies with one write.
func (c *conn) flush() bool {
	if c.lp != nil {
		return c.lp.write(c)
	}
	n, err := c.nc.Write(c.out)
	c.s.stats.netOut.Add(int64(n))
	c.resetOut()
	return err == nil
}

// resetOut empties the reply buffer, dropping it when it grew large.
func (c *conn) resetOut() {
	if cap(c.out) > keepBufSize {
		c.out = make([]byte, 0, writeBufSize)
	} else {
		c.out = c.out[:0]
	}
}

// dropInBuf replaces a drained read buffer by a fresh small one.
func (c *conn) dropInBuf() {
	c.setInBuf(make([]byte, readBufSize))
	c.start, c.end = 0, 0
	c.infoOf().rbs.Store(readBufSize)
}

// setInBuf makes buf the read buffer. The parser and the router session
// forget the arguments of the last pipeline, which point into the old one:
// else they would keep it alive for as long as the connection idles.
func (c *conn) setInBuf(buf []byte) {
	c.in = buf
	c.parser.release()
	c.sess.Release()
}

// makeRoom prepares the read buffer for more input: it drops what was
// parsed and, when the buffer is full of a command still arriving, grows
// it. The buffer follows the bytes that came, not the length a header
// announced: it doubles, and for an argument of declared length no further
// than that argument needs; past the query buffer limit the connection
// closes.
func (c *conn) makeRoom(need int) bool {
	if c.start == c.end {
		// A grown buffer goes when what it held fitted a small one; one of
		// up to maxKeepBuf stays through a run of large commands
		// (re-growing it for each costs more than the command) until the
		// connection idles for a second (serve, loop.sweep).
		if len(c.in) > keepBufSize && (c.end <= keepBufSize || len(c.in) > maxKeepBuf) {
			c.dropInBuf()
		}
		c.start, c.end = 0, 0
	}
	if len(c.in)-c.end >= max(need, 1) {
		return true
	}
	if c.start > 0 { // move the partial command to the front
		c.end = copy(c.in, c.in[c.start:c.end])
		c.start = 0
	}
	if c.end < len(c.in) {
		return true // read into the room left; only a full buffer grows
	}
	want := 2 * len(c.in)
	if exact := c.end + need; c.parser.inArgument() && exact <= want+want/4 {
		want = exact // what completes the argument, when that is about a doubling
	}
	if want > c.s.cfg.MaxQueryBuf {
		if c.end+need > c.s.cfg.MaxQueryBuf {
			c.s.cfg.Logger.Warn().Int64("client", c.id).Int("qbuf", c.end+need).
				Msg("closing client that reached max query buffer length")
			return false
		}
		want = c.s.cfg.MaxQueryBuf
	}
	grown := make([]byte, want)
	copy(grown, c.in[:c.end])
	c.setInBuf(grown)
	if c.lp != nil && want > keepBufSize {
		c.lp.bigBufs = true // the loop must wake to drop it when idle
	}
	return true
}

// handle runs a parsed pipeline. Runs of ordinary commands go to the
// router as one Exec (batched per shard); connection commands (AUTH, HELLO,
// CLIENT, …) are answered here, in order.
func (c *conn) handle(cmds [][][]byte) {
	c.s.stats.commands.Add(int64(len(cmds)))
	from := 0
	for i, args := range cmds {
		h := connCommand(args[0])
		if h == nil && (c.authed || routerRefuses(args)) && !(c.readOnly && deniedReadOnly(args)) {
			continue // the router runs it, or answers that it is unknown or miscounted
		}
		c.run(cmds[from:i])
		from = i + 1
		c.replyErr = false
		switch {
		case h == nil && c.authed || c.readOnly && h != nil && h.administers(args):
			c.sess.FlagQueueError() // as Redis's ACL check aborts a MULTI
			c.reply(noPerm(args[0]))
		case h == nil: // Redis checks the name and the count before AUTH
			c.reply(errNoAuth)
		case !c.authed && !h.noAuth:
			c.reply(h.beforeAuth(args))
		case !h.arityOK(len(args)):
			c.sess.FlagQueueError()
			c.reply(shard.Error("ERR wrong number of arguments for '" + h.name + "' command"))
		case c.sess.InMulti() && !h.inMulti:
			c.queue(h, args)
		default:
			h.fn(c, args)
		}
		id := router.UnknownCommand
		if h != nil {
			id = h.id
		} else {
			id = router.CommandID(args[0])
		}
		c.sess.CountLocal(id, c.replyErr)
		if c.closeAfter {
			return
		}
	}
	c.run(cmds[from:])
}

// queue queues a connection command inside MULTI, as Redis does: its
// arguments are checked now, and it runs when EXEC does.
func (c *conn) queue(h *connCmd, args [][]byte) {
	if h.check != nil {
		if rep, bad := h.check(args); bad {
			c.sess.FlagQueueError()
			c.reply(rep)
			return
		}
	}
	c.reply(c.sess.QueueLocal(args, func(a [][]byte) shard.Reply {
		c.capturing, c.captured = true, shard.Reply{}
		h.fn(c, a)
		c.capturing = false
		return c.captured
	}))
}

// run executes ordinary commands through the router session.
func (c *conn) run(cmds [][][]byte) {
	if len(cmds) == 0 {
		return
	}
	for _, r := range c.sess.Exec(context.Background(), cmds) {
		c.reply(r)
	}
}

// reply encodes one reply, honouring CLIENT REPLY.
func (c *conn) reply(r shard.Reply) {
	c.replyErr = r.Kind == shard.KindError
	if c.capturing { // a queued connection command running inside EXEC
		c.captured = r.Clone()
		if c.proto == 2 && r.Kind == shard.KindMap {
			// Keep the protocol in force when it ran: a later HELLO 3 in the
			// same transaction must not turn this map into a RESP3 map.
			c.captured.Kind = shard.KindArray
		}
		return
	}
	switch c.replyMode {
	case replyOff:
		return
	case replySkip:
		c.replyMode = replyOn
		return
	}
	c.out = AppendReply(c.out, r, c.proto)
}

var errNoAuth = shard.Error("NOAUTH Authentication required.")

// routerRefuses reports whether the router answers args with an error
// without running anything: an unknown command or a wrong argument count.
// Redis 7 checks both before authentication, so a connection that has not
// authenticated gets these errors rather than NOAUTH.
func routerRefuses(args [][]byte) bool {
	cmd := router.Lookup(args[0])
	return cmd == nil || cmd.Arity >= 0 && len(args) != cmd.Arity || cmd.Arity < 0 && len(args) < -cmd.Arity
}

// deniedReadOnly reports whether a read-only connection may not run the
// router command args (one that writes or administers).
func deniedReadOnly(args [][]byte) bool {
	cmd := router.Lookup(args[0])
	return cmd != nil && cmd.Flags&(router.FlagWrite|router.FlagAdmin) != 0
}

func noPerm(name []byte) shard.Reply {
	return shard.Error("NOPERM this user has no permissions to run the '" + strings.ToLower(string(name)) + "' command")
}
