package httpapi

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/memshard/memshard/transport/netpoll"
)

// startLoops starts the event loops the configuration asks for and the
// system supports; it returns false when fasthttp serves every connection.
func (s *Server) startLoops() bool {
	n := s.cfg.EventLoops
	if n == 0 {
		n = netpoll.DefaultLoops()
	}
	if !loopsSupported || n < 0 {
		return false
	}
	for range n {
		l, err := newLoop(s)
		if err == nil {
			err = s.group.Go(l.run)
		}
		if err != nil {
			s.cfg.Logger.Warn().Err(err).Msg("cannot start an HTTP event loop; fasthttp serves every connection")
			s.stopLoops()
			return false
		}
		s.loops = append(s.loops, l)
	}
	return true
}

func (s *Server) stopLoops() {
	for _, l := range s.loops {
		l.shutdown()
	}
}

// loopTimeout is how long a loop's connection may idle (fasthttp's rule:
// IdleTimeout, else ReadTimeout); 0: forever.
func (s *Server) loopTimeout() time.Duration {
	if s.cfg.IdleTimeout > 0 {
		return s.cfg.IdleTimeout
	}
	return s.cfg.ReadTimeout
}

// loopOpen is how many connections the event loops serve.
func (s *Server) loopOpen() int64 {
	var n int64
	for _, l := range s.loops {
		n += l.openConns()
	}
	return n
}

// loopListener is the listener fasthttp serves when event loops run: its
// own goroutine accepts every connection and gives it to a loop; Accept
// returns only the connections the loops hand back (and any a loop could
// not take), so fasthttp keeps its keep-alive, timeout and shutdown
// handling for them.
type loopListener struct {
	inner      *limitListener
	back       chan net.Conn
	done       chan struct{} // closed by Close
	acceptDone chan struct{} // closed when acceptLoop has returned
	once       sync.Once
}

func newLoopListener(inner *limitListener) *loopListener {
	return &loopListener{inner: inner, back: make(chan net.Conn, 128),
		done: make(chan struct{}), acceptDone: make(chan struct{})}
}

// Accept returns the next connection handed back to fasthttp.
func (l *loopListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.back:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting. Idempotent.
func (l *loopListener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.inner.Close()
	})
	return err
}

func (l *loopListener) Addr() net.Addr { return l.inner.Addr() }

// give hands c to fasthttp without blocking the caller, or closes it once
// the listener is closed.
func (l *loopListener) give(c net.Conn) {
	select {
	case <-l.done:
		c.Close()
		return
	case l.back <- c:
		return
	default:
	}
	go func() {
		select {
		case l.back <- c:
		case <-l.done:
			c.Close()
		}
	}()
}

// closeLeft closes connections handed back that fasthttp will not accept
// any more; called once nothing hands any back.
func (l *loopListener) closeLeft() {
	for {
		select {
		case c := <-l.back:
			c.Close()
		default:
			return
		}
	}
}

// acceptLoop accepts connections and spreads them over the loops until
// the listener is closed.
func (s *Server) acceptLoop(ln *loopListener) {
	defer close(ln.acceptDone)
	next := 0
	for {
		c, err := ln.inner.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.cfg.Logger.Warn().Err(err).Msg("HTTP accept failed")
			time.Sleep(10 * time.Millisecond) // e.g. out of descriptors
			continue
		}
		cc := c.(*countedConn)
		fd, err := netpoll.Detach(cc.Conn)
		if err != nil {
			ln.give(c) // fasthttp serves it
			continue
		}
		s.loops[next%len(s.loops)].add(fd, cc.release)
		next++
	}
}

// handBack gives fasthttp a socket a loop served until now, with the bytes
// the loop read and did not consume and the deadline of the request they
// begin (zero: none); the connection keeps its MaxConns slot (release
// gives it back).
func (s *Server) handBack(fd int, pre []byte, due time.Time, release func()) {
	nc, err := netpoll.Attach(fd)
	if err != nil {
		s.cfg.Logger.Warn().Err(err).Msg("cannot hand an HTTP connection to fasthttp; closing it")
		release()
		return
	}
	s.loopLn.give(&countedConn{Conn: &prefixConn{Conn: nc, pre: pre, due: due}, release: release})
}

// prefixConn reads pre before the connection. Until pre is read, read
// deadlines are held to due (when set): fasthttp starts a connection's
// clock afresh, but the request in pre began on the loop, and a client
// must not double its time by switching paths.
type prefixConn struct {
	net.Conn
	pre []byte
	due time.Time
}

func (c *prefixConn) SetReadDeadline(t time.Time) error {
	if len(c.pre) == 0 {
		c.due = time.Time{} // the handed-over request has been read
	}
	if !c.due.IsZero() && (t.IsZero() || t.After(c.due)) {
		t = c.due
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *prefixConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(b, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}
