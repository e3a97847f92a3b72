//go:build linux

package httpapi

import (
	"sync/atomic"
	"syscall"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/transport/netpoll"
)

// loop is an epoll event loop for HTTP/1.1 keep-alive connections, built
// like the RESP transport's: each round it reads the ready connections,
// starts the commands of every complete fast-path request on the router
// (one shard wake-up for the whole round), then finishes them and answers
// each connection with one write — one read and one write system call per
// request, where fasthttp's goroutine per connection also pays a wake-up
// and a read that finds nothing. A request the fast path does not serve
// (fastpath.go) hands its connection, with the bytes read so far, over to
// fasthttp for good. Only the loop's goroutine touches its connections;
// others reach it through the inbox and the poller's wake-up pipe.
type loop struct {
	s       *Server
	p       *netpoll.Poller
	conns   map[int]*lconn // by socket
	started []*lconn       // requests in flight this round
	ready   []*lconn       // connections with requests read but not started
	now     time.Time
	swept   time.Time
	date    httpDate
	body    []byte       // scratch for one answer's body
	open    atomic.Int64 // connections the loop serves
	drainBy time.Time    // when stopping: the deadline for requests under way

	inbox netpoll.Inbox[*lconn] // new connections, and the stop request
}

// lconn is one connection served by a loop.
type lconn struct {
	fd      int
	in      []byte // read buffer; in[start:end] is not consumed yet
	start   int
	end     int
	out     []byte // answers not written yet, from woff
	woff    int
	blocked bool // waiting for the socket to take the rest of out
	queued  bool // in loop.ready
	handOff bool // hand over to fasthttp once out is written
	lastIO  time.Time
	reqFrom time.Time // when the unfinished request's first byte came; the first request's: when the connection came
	served  bool      // a request has been read whole
	release func()    // gives back the connection's MaxConns slot

	sess *router.Session
	decs []*decoder // one per request of the round
	reqs []loopReq  // the round's request (one: see start)
	cmds [][][]byte // the round's commands
}

// loopReq is one request of a round.
type loopReq struct {
	route fastRoute
	b64   bool // Upstash-Encoding: base64
	cmds  int  // its commands in lconn.cmds
}

const (
	loopsSupported = true
	loopReadBuf    = 4 << 10 // as fasthttp's; a request head on the fast path fits (maxFastHead)
)

func newLoop(s *Server) (*loop, error) {
	p, err := netpoll.New(256)
	if err != nil {
		return nil, err
	}
	return &loop{s: s, p: p, conns: map[int]*lconn{}}, nil
}

// add hands the loop a new connection's socket. Safe from any goroutine.
func (l *loop) add(fd int, release func()) {
	c := &lconn{fd: fd, release: release}
	l.open.Add(1)
	l.inbox.Put(c)
	l.p.Wake()
}

// shutdown makes the loop stop: it closes idle connections at once, the
// others once the request they are sending has been answered (for up to
// shutdownGrace), and returns.
func (l *loop) shutdown() {
	l.inbox.Stop()
	l.p.Wake()
}

// run is the loop's goroutine.
func (l *loop) run(<-chan struct{}) { l.p.Run(l) }

// Timeout, Begin, Event, End and Failed make the loop a netpoll.Round.
// Timeout: the loop goes on at once when requests were started at the end
// of the last round, wakes once a second when connections may time out,
// and more often while it drains.
func (l *loop) Timeout() int {
	switch {
	case len(l.started) > 0:
		return 0
	case !l.drainBy.IsZero():
		return 100
	case l.s.loopTimeout() > 0:
		return 1000
	}
	return -1
}

func (l *loop) Begin() { l.now = time.Now() }

// End answers the round's requests, starts the next request of each
// connection that has one read already, takes new connections and the
// stop request, and sweeps.
func (l *loop) End() bool {
	for i, c := range l.started {
		l.finish(c)
		l.started[i] = nil
	}
	l.started = l.started[:0]
	if !l.control() {
		return false
	}
	l.sweep()
	l.startReady() // last: drain and sweep never meet a request in flight
	return true
}

// startReady starts the next request of each connection flush queued.
func (l *loop) startReady() {
	for i, c := range l.ready {
		l.ready[i] = nil
		c.queued = false
		switch {
		case l.conns[c.fd] != c || c.blocked || len(c.reqs) > 0:
		case l.start(c):
			l.started = append(l.started, c)
		case c.handOff:
			l.handOver(c)
		}
	}
	l.ready = l.ready[:0]
}

func (l *loop) Failed(err error) {
	l.s.cfg.Logger.Error().Err(err).Msg("epoll_wait failed; closing the loop's connections")
	l.closeAll()
}

// Event handles one ready descriptor.
func (l *loop) Event(fd int, _ uint32) {
	c := l.conns[fd]
	if c == nil {
		return
	}
	if c.blocked { // waiting to write the rest of its answers
		l.flush(c)
		return
	}
	if len(c.reqs) > 0 {
		return // a request in flight since End; read once it is answered
	}
	switch {
	case c.in == nil:
		c.in = make([]byte, loopReadBuf)
	case c.end == len(c.in) && c.start > 0:
		c.compact()
	case c.end == len(c.in): // a request larger than the buffer: grow as it arrives
		in := make([]byte, 2*len(c.in))
		copy(in, c.in[:c.end])
		c.in = in
	}
	n, err := netpoll.Read(fd, c.in[c.end:])
	if n <= 0 {
		if n < 0 && (err == syscall.EAGAIN || err == syscall.EINTR) {
			return
		}
		l.closeConn(c) // end of stream or a socket error
		return
	}
	pending := c.start < c.end
	c.end += n
	c.lastIO = l.now
	started := l.start(c)
	if !started && !pending && c.served {
		c.reqFrom = l.now // a new request began in this read
	}
	if started {
		l.started = append(l.started, c)
	} else if c.handOff {
		l.handOver(c)
	}
}

// start parses c's next request and starts its commands; it reports
// whether it started one. It stops at a request fasthttp must serve
// (setting handOff) and at an incomplete one, growing the buffer when
// that one will not fit. One request a round: its answer is written
// before the next one starts (flush queues it), so a client sending many
// requests and reading none holds one answer, and a pipeline stopped at
// the response limit never has a later request's commands in flight.
func (l *loop) start(c *lconn) bool {
	c.cmds, c.reqs = c.cmds[:0], c.reqs[:0]
	for pos := c.start; ; {
		h, v := parseHead(c.in[pos:c.end])
		if v == headFast && h.bodyLen > l.s.cfg.MaxBodySize {
			v = headHandOver // fasthttp answers 413
		}
		if v == headHandOver {
			c.handOff = true
			break
		}
		if v == headMore {
			c.grow(pos, maxFastHead)
			break
		}
		if pos+h.size+h.bodyLen > c.end {
			c.grow(pos, h.size+h.bodyLen)
			break
		}
		p, ok := l.s.fastPerm(h.auth)
		var cmds [][][]byte
		if ok {
			cmds, ok = fastCommands(c.decoder(len(c.reqs)), h.route, c.in[pos+h.size:pos+h.size+h.bodyLen], p)
		}
		if !ok {
			c.handOff = true
			break
		}
		c.cmds = append(c.cmds, cmds...)
		c.reqs = append(c.reqs, loopReq{route: h.route, b64: h.b64 > 0, cmds: len(cmds)})
		c.served = true
		c.reqFrom = l.now // the next request's clock starts as fasthttp's would
		pos += h.size + h.bodyLen
		c.start = pos
		break
	}
	if len(c.reqs) == 0 {
		return false
	}
	if c.sess == nil {
		c.sess = l.s.newSession(router.TransportHTTP)
	}
	c.sess.Start(c.cmds)
	return true
}

// decoder returns the connection's decoder for the i-th request of a round.
func (c *lconn) decoder(i int) *decoder {
	for len(c.decs) <= i {
		c.decs = append(c.decs, new(decoder))
	}
	return c.decs[i]
}

// grow makes room for the rest of a request of need bytes starting at
// pos: it moves the request to the front of the buffer, unless started
// requests' arguments alias the buffer (finish compacts it then). The
// buffer itself grows only as the bytes arrive (see event), so a head
// announcing a large body costs nothing until the body comes.
func (c *lconn) grow(pos, need int) {
	if pos+need <= len(c.in) || len(c.reqs) > 0 {
		return
	}
	c.start = pos
	c.compact()
}

// compact moves the unconsumed input to the front of the buffer.
func (c *lconn) compact() {
	if c.start > 0 {
		c.end = copy(c.in, c.in[c.start:c.end])
		c.start = 0
	}
}

// finish waits for c's started commands, queues their answers, moves
// unconsumed input to the front and writes the answers.
func (l *loop) finish(c *lconn) {
	date := l.date.at(l.now)
	for _, r := range c.reqs {
		c.out, l.body = appendFastReply(c.out, l.body, r.route, r.b64, c.sess, c.cmds, l.s.cfg.MaxResponse, l.s.overMsg, date)
	}
	c.reqs = c.reqs[:0]
	for _, d := range c.decs {
		d.release()
	}
	c.compact()
	if c.end == 0 && len(c.in) > 4*loopReadBuf {
		c.in = nil // a large request grew it; the next read takes a small one
	}
	if cap(l.body) > 64<<10 {
		l.body = nil
	}
	l.flush(c)
}

// flush writes c's pending answers. When the socket is full it keeps the
// rest, stops reading c and waits until the socket can take more; once
// all is written it hands a connection marked handOff to fasthttp, or
// queues one with more input for End to start its next request.
func (l *loop) flush(c *lconn) {
	_, done, err := l.p.Flush(c.fd, c.out, &c.woff, &c.blocked)
	switch {
	case err != nil:
		l.closeConn(c)
	case done:
		c.out = c.out[:0]
		if cap(c.out) > 64<<10 {
			c.out = nil
		}
		switch {
		case c.handOff:
			l.handOver(c)
		case c.start < c.end && !c.queued:
			c.queued = true
			l.ready = append(l.ready, c)
		}
	}
}

// handOver gives c, with what it sent that the loop has not consumed, to
// fasthttp, with the read deadline of the request it is sending.
func (l *loop) handOver(c *lconn) {
	pre := append([]byte(nil), c.in[c.start:c.end]...)
	var due time.Time
	if read := l.s.cfg.ReadTimeout; read > 0 && (len(pre) > 0 || !c.served) {
		due = c.reqFrom.Add(read)
	}
	l.forget(c)
	l.s.handBack(c.fd, pre, due, c.release)
}

// forget stops serving c without closing its socket.
func (l *loop) forget(c *lconn) {
	if l.conns[c.fd] == c {
		delete(l.conns, c.fd)
		l.p.Forget(c.fd)
	}
	if c.sess != nil {
		c.sess.Close()
	}
	l.open.Add(-1)
}

// control takes what other goroutines handed over: new connections and the
// stop request. It reports false when the loop must return.
func (l *loop) control() bool {
	adds, stop := l.inbox.Take()
	for _, c := range adds {
		c.lastIO, c.reqFrom = l.now, l.now
		if err := l.p.Watch(c.fd, syscall.EPOLL_CTL_ADD, syscall.EPOLLIN); err != nil || stop {
			l.open.Add(-1)
			netpoll.Close(c.fd)
			c.release()
			continue
		}
		l.conns[c.fd] = c
	}
	if stop {
		return l.drain()
	}
	return true
}

// drain closes the connections that are not in the middle of a request;
// it reports false once none is left or the grace period is over.
func (l *loop) drain() bool {
	if l.drainBy.IsZero() {
		l.drainBy = l.now.Add(shutdownGrace)
	}
	for _, c := range l.conns {
		if (c.start == c.end && !c.blocked) || l.now.After(l.drainBy) {
			l.closeConn(c)
		}
	}
	return len(l.conns) > 0
}

// closeConn closes c and forgets it.
func (l *loop) closeConn(c *lconn) {
	l.forget(c)
	netpoll.Close(c.fd)
	c.release()
}

func (l *loop) closeAll() {
	for _, c := range l.conns {
		l.closeConn(c)
	}
}

// sweep, once a second when a timeout is configured, applies fasthttp's
// timeouts: between requests a connection may idle for the idle timeout
// (then it is closed); a request must arrive whole, head and body, within
// the read timeout of its first byte — the first request on a connection
// within the read timeout of the connection's arrival, bytes or none —
// or it is answered 408 and closed. It is a deadline, not a bound on each
// read: a client sending a byte a second gains nothing.
func (l *loop) sweep() {
	idle, read := l.s.loopTimeout(), l.s.cfg.ReadTimeout
	if idle <= 0 || l.now.Sub(l.swept) < time.Second {
		return
	}
	l.swept = l.now
	for _, c := range l.conns {
		switch {
		case c.blocked:
		case c.start == c.end && c.served:
			if l.now.Sub(c.lastIO) > idle {
				l.closeConn(c)
			}
		case read > 0 && l.now.Sub(c.reqFrom) > read:
			l.body = appendAnswer(l.body[:0], "408 Request Timeout", l.date.at(l.now), []byte(errTimeout), true)
			netpoll.Write(c.fd, l.body) // best effort: the connection closes anyway
			l.closeConn(c)
		}
	}
}

// openConns is how many connections the loop serves. Safe from any
// goroutine.
func (l *loop) openConns() int64 { return l.open.Load() }
