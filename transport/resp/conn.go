package resp

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard"
)

const (
	readBufSize  = 16 << 10 // initial read buffer
	keepBufSize  = 64 << 10 // a buffer grown past this is dropped when idle
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
	busy    bool      // a goroutine runs pend off the loop (see loop.offload)
	cancel  context.CancelFunc

	// slowTx is set while the connection's pipelines hold a slow command
	// (router.Slow, DEBUG) or an open MULTI that queued one: they run off
	// the event loop, under ctx, which shutdown (and, on a loop, CLIENT
	// KILL) cancels. ctx is nil otherwise.
	slowTx bool
	ctx    context.Context

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
	for {
		if t := c.s.idleTimeout(); t > 0 {
			c.nc.SetReadDeadline(time.Now().Add(t))
		}
		n, err := c.nc.Read(c.in[c.end:])
		if n > 0 {
			c.end += n
			c.s.stats.netIn.Add(int64(n))
			if !c.process() {
				return
			}
		}
		if err != nil {
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
			if c.slow(cmds) {
				c.ctx = c.s.ctx // Close cancels a sleep or an IMPORT under way
			}
			c.handle(cmds)
			c.publish(cmds[len(cmds)-1])
			c.ctx = nil
			c.slowTx = c.slowTx && c.sess.InMulti()
		}
		more, ok := c.advance(used, need, perr)
		if !more {
			return ok
		}
	}
}

// slow reports whether cmds must run off an event loop: they hold a
// command marked slow (DUMP, IMPORT, DEBUG), or an EXEC may run one that
// an open MULTI queued.
func (c *conn) slow(cmds [][][]byte) bool {
	for _, args := range cmds {
		if c.slowTx {
			return true
		}
		if router.Slow(args[0]) {
			c.slowTx = true
		} else if h := connCommand(args[0]); h != nil && h.slow {
			c.slowTx = true
		}
	}
	return c.slowTx
}

// pipeline is a parsed pipeline the event loop started on the session:
// the commands and what Parse said about the input.
type pipeline struct {
	cmds       [][][]byte
	used, need int
	perr       error
}

// startPipeline is process for an event loop. When the input holds only
// commands for the router it starts them on the session without waiting
// and reports started; the loop calls finishPipeline after starting the
// other ready connections' pipelines. Commands that may take long (see
// slow) go to a goroutine of their own (loop.offload), and c is not read
// until they are done. Anything else runs here and now, as process runs
// it. ok is false when the connection must close.
func (c *conn) startPipeline(now time.Time) (started, ok bool) {
	for {
		cmds, used, need, perr := c.parser.Parse(c.in[c.start:c.end])
		if len(cmds) > 0 {
			c.lastCmd = now
			if c.slow(cmds) {
				c.pend = pipeline{cmds: cmds, used: used, need: need, perr: perr}
				return false, c.lp.offload(c)
			}
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
		return c.next()
	}
	return ok
}

// resume completes a pipeline that ran off the event loop (loop.offload):
// it writes the replies and serves the input behind it.
func (c *conn) resume() bool {
	p := c.pend
	c.pend = pipeline{}
	c.slowTx = c.slowTx && c.sess.InMulti()
	more, ok := c.advance(p.used, p.need, p.perr)
	if more {
		return c.next()
	}
	return ok
}

// next serves the input left after a pipeline, as process does, but on an
// event loop by its rules (slow commands off the loop).
func (c *conn) next() bool {
	if c.lp == nil {
		return c.process()
	}
	started, ok := c.startPipeline(time.Now())
	if started {
		return c.finishPipeline()
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
	c.in, c.start, c.end = make([]byte, readBufSize), 0, 0
}

// makeRoom prepares the read buffer for more input: it drops what was
// parsed, and grows the buffer when a command needs more room than is left,
// up to the query buffer limit.
func (c *conn) makeRoom(need int) bool {
	if c.start == c.end {
		// A grown buffer goes when what it held fitted a small one; an
		// event loop keeps it through a run of large pipelines (re-growing
		// it for each costs more than the pipeline) and drops it once the
		// connection idles (loop.sweep).
		if len(c.in) > keepBufSize && (c.lp == nil || c.end <= keepBufSize) {
			c.dropInBuf()
		}
		c.start, c.end = 0, 0
	}
	free := len(c.in) - c.end
	if free > 0 && free >= need {
		return true
	}
	if c.start > 0 { // move the partial command to the front
		c.end = copy(c.in, c.in[c.start:c.end])
		c.start = 0
		if len(c.in)-c.end >= max(need, 1) {
			return true
		}
	}
	want := max(2*len(c.in), c.end+need)
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
	c.in = grown
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
		if h == nil && c.authed && !(c.readOnly && deniedReadOnly(args)) {
			continue
		}
		c.run(cmds[from:i])
		from = i + 1
		c.replyErr = false
		switch {
		case h == nil && c.authed || c.readOnly && h != nil && h.administers(args):
			c.sess.FlagQueueError() // as Redis's ACL check aborts a MULTI
			c.reply(noPerm(args[0]))
		case h == nil || !c.authed && !h.noAuth:
			c.reply(errNoAuth)
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
	ctx := context.Background()
	if c.ctx != nil {
		ctx = c.ctx
	}
	for _, r := range c.sess.Exec(ctx, cmds) {
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

// deniedReadOnly reports whether a read-only connection may not run the
// router command args (one that writes or administers).
func deniedReadOnly(args [][]byte) bool {
	cmd := router.Lookup(args[0])
	return cmd != nil && cmd.Flags&(router.FlagWrite|router.FlagAdmin) != 0
}

func noPerm(name []byte) shard.Reply {
	return shard.Error("NOPERM this user has no permissions to run the '" + strings.ToLower(string(name)) + "' command")
}
