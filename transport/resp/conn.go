package resp

import (
	"context"
	"errors"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
)

const (
	readBufSize  = 16 << 10 // initial read buffer
	keepBufSize  = 64 << 10 // a buffer grown past this is dropped when idle
	maxKeepBuf   = 4 << 20  // a larger one is dropped as soon as it drains
	writeBufSize = 16 << 10

	// replyBudget is the session's reply budget (router.Session.SetReplyBudget):
	// a pipeline's replies are made at most this many bytes per shard at a
	// time, and written out between parts once flushPartSize have gathered.
	replyBudget   = 256 << 10
	flushPartSize = 64 << 10
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

	// busy is set while a goroutine runs one slow command of pend off the
	// event loop (see loop.offload), under ctx, which CLIENT KILL and
	// shutdown cancel; ctx is nil otherwise. slowTx is set while an open
	// MULTI queued a slow command: its EXEC is slow too.
	busy   bool
	slowTx bool
	ctx    context.Context
	cancel context.CancelFunc

	capturing bool        // reply() stores into captured (see queue)
	captured  reply.Reply // the reply of a queued connection command
	replyErr  bool        // the last reply was an error (command statistics)
	softSince time.Time   // when the unwritten replies passed the soft output limit
	// segs are replies to write before out: reply buffers and large bulk
	// replies that were not copied (see queueBig); outLen is their length.
	segs   [][]byte
	outLen int
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		s:       s,
		nc:      nc,
		fd:      -1,
		raddr:   nc.RemoteAddr(),
		laddr:   nc.LocalAddr(),
		id:      s.nextID.Add(1),
		in:      make([]byte, readBufSize),
		out:     make([]byte, 0, writeBufSize),
		proto:   2,
		authed:  !s.cfg.authRequired(),
		created: time.Now(),
	}
	c.sess = c.newSession()
	lim := s.cfg.Limits
	lim.Unauthenticated = !c.authed
	c.parser = NewParser(lim)
	c.lastCmd = c.created
	return c
}

// newSession returns a router session for the connection: its pipelines
// run part by part (replyBudget), and a transaction's replies stop being
// kept once they pass the hard output limit of normal clients in force now
// (router.Session.SetReplyLimit), the size at which their client would be
// dropped anyway.
func (c *conn) newSession() *router.Session {
	sess := c.s.r.NewSessionFor(router.TransportRESP)
	sess.SetReplyBudget(replyBudget)
	if hard := c.s.live().outLimits.Load().Normal.Hard; hard > 0 {
		sess.SetReplyLimit(int(min(hard, math.MaxInt32)), "ERR EXEC reply exceeds client-output-buffer-limit normal "+
			strconv.FormatInt(hard, 10)+" bytes")
	}
	return sess
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
			c.begin(cmds, used, need, perr)
			if !c.exec() {
				return true // paused (event loops only): finishPipeline goes on
			}
			c.publish(cmds[len(cmds)-1])
			c.pend = pipeline{}
		}
		more, ok := c.advance(used, need, perr)
		if !more {
			return ok
		}
	}
}

// pipeline is a parsed pipeline being run: the commands, what Parse said
// about the input, and how far it got. Commands for the router run on the
// session in runs between connection commands.
type pipeline struct {
	cmds       [][][]byte
	used, need int
	err        error      // a protocol error after the commands, reported once they ran
	at         int        // the next command to look at
	from       int        // the first router command not started yet
	run        [][][]byte // the run in progress on the session, or nil
}

// begin makes cmds the pipeline to run.
func (c *conn) begin(cmds [][][]byte, used, need int, perr error) {
	c.s.stats.commands.Add(int64(len(cmds)))
	c.pend = pipeline{cmds: cmds, used: used, need: need, err: perr}
}

// paused reports whether the connection has a pipeline that waits for its
// replies to drain before it runs on (event loops only).
func (c *conn) paused() bool { return c.pend.cmds != nil }

// startPipeline is process for an event loop. When the input holds only
// commands for the router it starts them on the session without waiting
// and reports started; the loop calls finishPipeline after starting the
// other ready connections' pipelines. Anything else runs here and now, as
// process runs it; if it pauses (see exec) the loop calls finishPipeline
// once the socket drains. ok is false when the connection must close.
func (c *conn) startPipeline(now time.Time) (started, ok bool) {
	for {
		cmds, used, need, perr := c.parser.Parse(c.in[c.start:c.end])
		if len(cmds) > 0 {
			c.lastCmd = now
			c.begin(cmds, used, need, perr)
			if perr == nil && c.plain(cmds) {
				c.pend.run, c.pend.at, c.pend.from = cmds, len(cmds), len(cmds)
				c.sess.Start(cmds)
				return true, true
			}
			if !c.exec() {
				return false, true // paused
			}
			c.publish(cmds[len(cmds)-1])
			c.pend = pipeline{}
		}
		more, ok := c.advance(used, need, perr)
		if !more {
			return false, ok
		}
	}
}

// finishPipeline completes what startPipeline started, or goes on with a
// paused pipeline once its replies drained: it runs the rest, writes the
// replies, and reports whether to keep the connection. It returns true with
// the pipeline still pending when it paused again.
func (c *conn) finishPipeline() bool {
	if !c.exec() {
		return true
	}
	p := c.pend
	c.pend = pipeline{}
	c.publish(p.cmds[len(p.cmds)-1])
	more, ok := c.advance(p.used, p.need, p.err)
	if more {
		return c.process()
	}
	return ok
}

// exec runs the pipeline from where it stopped: the rest of a run in
// progress, then every command after it, answering connection commands
// here and sending each run of router commands between them to the
// session (batched per shard). It reports false when it paused: a run's
// replies reached flushPartSize and the socket could not take them (event
// loops only; a connection with its own goroutine blocks in the write
// instead). The rest of the pipeline has not run then, so a client that
// sends much and reads little holds about one part's replies, not all.
func (c *conn) exec() bool {
	p := &c.pend
	if p.run != nil && !c.finishRun() {
		return false
	}
	for p.at < len(p.cmds) {
		args := p.cmds[p.at]
		h := connCommand(args[0])
		slow := c.slowCmd(h, args)
		if !slow && c.routed(h, args) {
			p.at++
			continue
		}
		if !c.startRun(p.at) {
			return false
		}
		if c.closeAfter {
			return true
		}
		if slow {
			if c.lp != nil && !c.busy {
				if !c.lp.offload(c) { // the server is closing
					c.giveUp()
					return true
				}
				return false
			}
			if !c.runSlow(h, args) || c.busy {
				return false // back to the loop, which runs the rest
			}
		} else {
			p.at++
			p.from = p.at
			c.connCmd(h, args)
		}
		if c.closeAfter {
			p.at = len(p.cmds)
			return true
		}
	}
	return c.startRun(len(p.cmds))
}

// routed reports whether the session runs args as it is: it is not a
// connection command, and this connection may run it (or the router
// answers that it is unknown or miscounted, as Redis does before AUTH).
func (c *conn) routed(h *connCmd, args [][]byte) bool {
	return h == nil && (c.authed || routerRefuses(args)) && !(c.readOnly && deniedReadOnly(args))
}

// slowCmd reports whether args may take long: a router command marked slow
// (DUMP, IMPORT), DEBUG, or an EXEC whose MULTI queued DEBUG. An event loop
// runs such a command on a goroutine of its own (loop.offload), so that it
// holds up only its own connection.
func (c *conn) slowCmd(h *connCmd, args [][]byte) bool {
	if h != nil {
		return h.slow
	}
	return router.Slow(args[0]) || c.slowTx && eq(args[0], "exec")
}

// runSlow runs the slow command at p.at by itself, under the connection's
// context (the server's when it has none), so that shutdown or CLIENT KILL
// cuts it short. false: its run paused (its replies wait to be written).
func (c *conn) runSlow(h *connCmd, args [][]byte) bool {
	p := &c.pend
	if c.ctx == nil {
		c.ctx = c.s.ctx
		defer func() { c.ctx = nil }()
	}
	p.at++
	ok := true
	if c.routed(h, args) {
		ok = c.startRun(p.at)
	} else {
		p.from = p.at
		c.connCmd(h, args)
	}
	c.slowTx = c.slowTx && c.sess.InMulti()
	return ok
}

// runCtx is the context the session's commands run under.
func (c *conn) runCtx() context.Context {
	if c.ctx != nil {
		return c.ctx
	}
	return context.Background()
}

// startRun runs the router commands from p.from up to cmds[to].
func (c *conn) startRun(to int) bool {
	p := &c.pend
	if p.from >= to {
		return true
	}
	p.run = p.cmds[p.from:to]
	p.from = to
	c.sess.Start(p.run)
	return c.finishRun()
}

// finishRun encodes the replies of the run in progress part by part (see
// router.Session.FinishPart), writing them out between parts; false: it
// paused.
func (c *conn) finishRun() bool {
	p := &c.pend
	for {
		reps, done := c.sess.FinishPart(c.runCtx(), p.run)
		for _, r := range reps {
			c.reply(r)
		}
		if done {
			p.run = nil
			return true
		}
		if c.pendingOut() < flushPartSize {
			continue
		}
		if c.busy {
			return false // off the loop: the loop writes them
		}
		if !c.flush() {
			c.giveUp()
			return true
		}
		if c.blocked {
			return false
		}
	}
}

// giveUp drops the rest of the pipeline of a connection that failed or was
// dropped for its output limit, as Redis drops a client's unread commands
// when it goes away: nothing more of it runs, and the session's unfinished
// run is settled when the connection closes.
func (c *conn) giveUp() {
	p := &c.pend
	p.run, p.at, p.from = nil, len(p.cmds), len(p.cmds)
	c.closeAfter = true
}

// plain reports whether every command of cmds goes to the router as it is:
// no connection command, nothing this connection must refuse.
func (c *conn) plain(cmds [][][]byte) bool {
	if !c.authed || c.readOnly || c.capturing || c.slowTx {
		return false
	}
	for _, args := range cmds {
		if connCommand(args[0]) != nil || router.Slow(args[0]) {
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
	if c.pendingOut() > 0 && !c.flush() {
		return false, false
	}
	if c.closeAfter {
		return false, false
	}
	return false, c.makeRoom(need)
}

// flush writes the pending replies with one write. A client over its
// output buffer limit is dropped instead (see overOutputLimit).
func (c *conn) flush() bool {
	if c.overOutputLimit() {
		c.dropOverLimit()
		return false
	}
	if c.lp != nil {
		return c.lp.write(c)
	}
	dl := c.softDeadline()
	if !dl.IsZero() {
		c.nc.SetWriteDeadline(dl) // the soft limit's time runs out during the write
	}
	var err error
	n := 0
	if len(c.segs) > 0 {
		bufs := net.Buffers(append(c.segs, c.out))
		var n64 int64
		n64, err = bufs.WriteTo(c.nc)
		n = int(n64)
	} else {
		n, err = c.nc.Write(c.out)
	}
	c.s.stats.netOut.Add(int64(n))
	if !dl.IsZero() {
		c.nc.SetWriteDeadline(time.Time{})
		c.softSince = time.Time{}
		if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
			c.woff = n
			c.dropOverLimit()
		}
	}
	c.resetOut()
	return err == nil
}

// resetOut empties the reply buffer, dropping it when it grew large.
func (c *conn) resetOut() {
	clear(c.segs)
	c.segs, c.outLen = c.segs[:0], 0
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

// connCmd answers a command the router does not run as it is: a
// connection command (AUTH, HELLO, CLIENT, …) or one this connection may
// not run.
func (c *conn) connCmd(h *connCmd, args [][]byte) {
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
		c.reply(reply.Error("ERR wrong number of arguments for '" + h.name + "' command"))
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
}

// queue queues a connection command inside MULTI, as Redis does: its
// arguments are checked now, and it runs when EXEC does.
func (c *conn) queue(h *connCmd, args [][]byte) {
	if rep, bad := h.refuse(c, args); bad {
		c.sess.FlagQueueError()
		c.reply(rep)
		return
	}
	c.slowTx = c.slowTx || h.slow && c.sess.InMulti()
	c.reply(c.sess.QueueLocal(args, func(a [][]byte) reply.Reply {
		c.capturing, c.captured = true, reply.Reply{}
		h.fn(c, a)
		c.capturing = false
		return c.captured
	}))
}

// reply encodes one reply, honouring CLIENT REPLY.
func (c *conn) reply(r reply.Reply) {
	c.replyErr = r.Kind == reply.KindError
	if c.capturing { // a queued connection command running inside EXEC
		c.captured = r.Clone()
		if c.proto == 2 && r.Kind == reply.KindMap {
			// Keep the protocol in force when it ran: a later HELLO 3 in the
			// same transaction must not turn this map into a RESP3 map.
			c.captured.Kind = reply.KindArray
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
	if r.Kind == reply.KindBulk && len(r.Str) >= bigReply {
		c.queueBig(r.Str)
		return
	}
	c.out = AppendReply(c.out, r, c.proto)
}

// bigReply is the size from which a bulk reply is written from the memory
// the shard made it in rather than copied into the reply buffer: such a
// reply has an allocation of its own (see shard.Keyspace.reserve), so a
// large GET costs its size once, not twice.
const bigReply = 256 << 10

// queueBig queues a large bulk reply without copying it: the replies
// before it and its header go into segs, then b itself; c.out starts
// afresh with the CRLF that ends it.
func (c *conn) queueBig(b []byte) {
	c.out = AppendBulkHeader(c.out, len(b))
	c.segs = append(c.segs, c.out, b)
	c.outLen += len(c.out) + len(b)
	c.out = append(make([]byte, 0, writeBufSize), '\r', '\n')
}

// pendingOut is how many reply bytes wait to be written.
func (c *conn) pendingOut() int { return c.outLen + len(c.out) - c.woff }

var errNoAuth = reply.Error("NOAUTH Authentication required.")

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
	return !router.Allowed(router.PermRead, args)
}

func noPerm(name []byte) reply.Reply {
	return reply.Error("NOPERM this user has no permissions to run the '" + strings.ToLower(string(name)) + "' command")
}
