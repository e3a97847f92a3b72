//go:build linux

package resp

import (
	"context"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/memshard/memshard/transport/netpoll"
)

// loop serves many plain-TCP connections from one goroutine with its own
// epoll set, as Redis's event loop does: it reads every connection that is
// ready, starts all their pipelines on the router (so each shard gets the
// whole round's batches in one wake-up), then finishes each and writes its
// replies with one write. Per request that is one read and one write system
// call and no goroutine switch of its own; the goroutine-per-connection
// model pays a wake-up and a read that finds nothing on every request.
//
// Only the loop's goroutine touches its connections' buffers and sockets,
// except while a connection runs a slow pipeline (DEBUG SLEEP, DUMP,
// IMPORT) on a goroutine of its own: the loop then neither reads nor
// touches it until the goroutine hands it back (see offload). Other
// goroutines hand the loop new connections, kills and finished slow
// pipelines through its inbox and wake it through the poller's pipe.
type loop struct {
	s        *Server
	p        *netpoll.Poller
	conns    map[int]*conn // by socket
	started  []*conn       // pipelines in flight this round
	now      time.Time
	swept    time.Time
	bigBufs  bool // some connection holds a grown read buffer (see sweep)
	overSoft bool // some blocked connection is over the soft output limit (see sweep)

	inbox netpoll.Inbox[loopMsg]
	offs  sync.WaitGroup // goroutines running slow pipelines
}

// loopMsg is a new connection for the loop or, with kill, one to close, or
// with back, one whose slow pipeline has run.
type loopMsg struct {
	c    *conn
	kill bool
	back bool
}

const loopsSupported = true

func newLoop(s *Server) (*loop, error) {
	p, err := netpoll.New(256)
	if err != nil {
		return nil, err
	}
	return &loop{s: s, p: p, conns: map[int]*conn{}}, nil
}

// detach takes a freshly accepted connection's socket off Go's poller.
func detach(nc net.Conn) (int, error) { return netpoll.Detach(nc) }

// add hands the loop a new connection (c.fd set). Safe from any goroutine.
func (l *loop) add(c *conn) {
	l.inbox.Put(loopMsg{c: c})
	l.p.Wake()
}

// kill asks the loop to close c once its running commands finish. Safe
// from any goroutine, also before the loop has registered c.
func (l *loop) kill(c *conn) {
	c.killed.Store(true)
	l.inbox.Put(loopMsg{c: c, kill: true})
	l.p.Wake()
}

// shutdown makes the loop close every connection and return.
func (l *loop) shutdown() {
	l.inbox.Stop()
	l.p.Wake()
}

// run is the loop's goroutine.
func (l *loop) run(<-chan struct{}) { l.p.Run(l) }

// Timeout, Begin, Event, End and Failed make the loop a netpoll.Round.
// Timeout: the loop wakes once a second while idle connections may time out
// or hold a grown buffer (see sweep).
func (l *loop) Timeout() int {
	if l.s.idleTimeout() > 0 || l.bigBufs || l.overSoft {
		return 1000
	}
	return -1
}

func (l *loop) Begin() { l.now = time.Now() }

// End finishes the round's pipelines, takes new connections and kills, and
// sweeps.
func (l *loop) End() bool {
	for i, c := range l.started {
		if !c.finishPipeline() {
			l.closeConn(c)
		}
		l.started[i] = nil
	}
	l.started = l.started[:0]
	if !l.control() {
		return false
	}
	l.sweep()
	return true
}

func (l *loop) Failed(err error) {
	l.s.cfg.Logger.Error().Err(err).Msg("epoll_wait failed; closing the loop's connections")
	l.closeAll()
	l.settle()
}

// Event handles one ready descriptor.
func (l *loop) Event(fd int, events uint32) {
	c := l.conns[fd]
	if c == nil || c.busy {
		return
	}
	if c.blocked { // waiting to write the rest of its replies
		if !l.write(c) || !c.blocked && c.paused() && !c.finishPipeline() {
			l.closeConn(c)
		}
		return
	}
	n, err := netpoll.Read(fd, c.in[c.end:])
	if n <= 0 {
		if n < 0 && (err == syscall.EAGAIN || err == syscall.EINTR) {
			return
		}
		l.closeConn(c) // end of stream or a socket error
		return
	}
	c.end += n
	c.lastIO = l.now
	l.s.stats.netIn.Add(int64(n))
	started, ok := c.startPipeline(l.now)
	switch {
	case !ok:
		l.closeConn(c)
	case started:
		l.started = append(l.started, c)
	}
}

// write sends c's pending replies. When the socket is full it keeps the
// rest, stops reading c and waits until the socket can take more. It
// reports false when the connection failed.
func (l *loop) write(c *conn) bool {
	for len(c.segs) > 0 { // large replies and the buffers before them
		seg := c.segs[0]
		n, done, err := l.p.Flush(c.fd, seg, &c.woff, &c.blocked)
		l.s.stats.netOut.Add(int64(n))
		if !done || err != nil {
			l.overSoft = l.overSoft || !c.softSince.IsZero()
			return err == nil
		}
		c.segs[0] = nil
		c.segs = c.segs[1:]
		c.outLen -= len(seg)
	}
	n, done, err := l.p.Flush(c.fd, c.out, &c.woff, &c.blocked)
	l.s.stats.netOut.Add(int64(n))
	if done {
		c.resetOut()
		c.softSince = time.Time{}
	}
	l.overSoft = l.overSoft || !c.softSince.IsZero()
	return err == nil
}

// control takes what other goroutines handed over: new connections, kills,
// finished slow pipelines and the stop request. It reports false when the
// loop must return.
func (l *loop) control() bool {
	msgs, stop := l.inbox.Take()
	for _, m := range msgs {
		switch c := m.c; {
		case m.back:
			l.back(c)
		case !m.kill:
			l.register(c)
		case c.fd >= 0 && l.conns[c.fd] == c:
			l.closeConn(c)
		}
	}
	if stop {
		l.closeAll()
		l.settle()
		return false
	}
	return true
}

// offload runs the slow command at c.pend.at (see conn.slowCmd) on a
// goroutine of its own, so that the loop goes on serving its other
// connections; c's socket leaves the epoll set meanwhile (nothing more is
// read from it, and a peer that hangs up cannot make the loop spin). The
// goroutine runs that one command and hands c back through the inbox;
// back writes the replies and runs the rest of the pipeline on the loop.
// The command runs under a context that CLIENT KILL and Close cancel,
// which ends a DEBUG SLEEP and makes DUMP and IMPORT stop between chunks.
// It reports false when no goroutine could start (the server is closing).
func (l *loop) offload(c *conn) bool {
	c.ctx, c.cancel = context.WithCancel(l.s.ctx)
	c.busy = true
	l.offs.Add(1)
	err := l.s.group.Go(func(<-chan struct{}) {
		defer l.offs.Done()
		c.exec() // runs the slow command and returns (c.busy)
		l.inbox.Put(loopMsg{c: c, back: true})
		l.p.Wake()
	})
	if err != nil {
		l.offs.Done()
		c.busy = false
		c.cancel()
		c.ctx, c.cancel = nil, nil
		return false
	}
	l.p.Forget(c.fd)
	return true
}

// back takes c back from the goroutine that ran its slow command: it goes
// on with the pipeline (writing the replies) and serves what c sent
// meanwhile, or closes c if it was killed.
func (l *loop) back(c *conn) {
	c.busy = false
	c.cancel()
	c.ctx, c.cancel = nil, nil
	if l.watch(c) && !c.finishPipeline() {
		l.closeConn(c)
	}
}

// settle, when the loop is about to return, waits for the goroutines of
// slow pipelines (closeConn has cancelled them) and closes their
// connections, so that none of them touches the loop after it returned.
func (l *loop) settle() {
	l.offs.Wait()
	msgs, _ := l.inbox.Take()
	for _, m := range msgs {
		c := m.c
		if m.back {
			c.busy = false
			c.cancel()
		}
		l.closeConn(c) // a connection added late is closed too
	}
}

func (l *loop) register(c *conn) {
	if l.watch(c) {
		l.conns[c.fd] = c
	}
}

// watch adds c's socket to the epoll set for reads, as a new connection or
// one back from a slow command; a connection killed meanwhile, or one the
// poller refuses, is closed instead. It reports whether c is watched.
func (l *loop) watch(c *conn) bool {
	c.lastIO = l.now
	if c.killed.Load() {
		l.closeConn(c)
		return false
	}
	if err := l.p.Watch(c.fd, syscall.EPOLL_CTL_ADD, syscall.EPOLLIN); err != nil {
		l.s.cfg.Logger.Warn().Err(err).Int64("client", c.id).Msg("cannot watch the connection; closing it")
		l.closeConn(c)
		return false
	}
	return true
}

// closeConn closes c and forgets it. A connection running a slow
// pipeline is closed when its goroutine hands it back; its context is
// cancelled now, so that is soon.
func (l *loop) closeConn(c *conn) {
	if c.fd < 0 {
		return
	}
	if c.busy {
		c.killed.Store(true)
		c.cancel()
		return
	}
	if l.conns[c.fd] == c {
		delete(l.conns, c.fd)
		l.p.Forget(c.fd)
	}
	syscall.Close(c.fd)
	c.fd = -1
	c.sess.Close()
	l.s.forget(c)
}

func (l *loop) closeAll() {
	for _, c := range l.conns {
		l.closeConn(c)
	}
}

// sweep, once a second, closes connections idle longer than the timeout
// and drops the grown read buffer of connections idle for a second.
func (l *loop) sweep() {
	if l.now.Sub(l.swept) < time.Second {
		return
	}
	l.swept = l.now
	t := l.s.idleTimeout()
	l.bigBufs, l.overSoft = false, false
	for _, c := range l.conns {
		idle := l.now.Sub(c.lastIO)
		switch {
		case c.busy:
			continue
		case t > 0 && !c.blocked && idle > t:
			l.closeConn(c)
		case c.blocked && c.overOutputLimit():
			c.dropOverLimit()
			l.closeConn(c)
			continue
		case idle > time.Second && c.start == c.end && len(c.in) > keepBufSize:
			c.dropInBuf()
		}
		l.bigBufs = l.bigBufs || len(c.in) > keepBufSize
		l.overSoft = l.overSoft || !c.softSince.IsZero()
	}
}
