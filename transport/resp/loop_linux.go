//go:build linux

package resp

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// loop serves many plain-TCP connections from one goroutine with its own
// epoll set, as Redis's event loop does: it reads every connection that is
// ready, starts all their pipelines on the router (so each shard gets the
// whole round's batches in one wake-up), then finishes each and writes its
// replies with one write. Per request that is one read and one write system
// call and no goroutine switch of its own; the goroutine-per-connection
// model pays a wake-up and a read that finds nothing on every request.
//
// Only the loop's goroutine touches its connections' buffers and sockets;
// other goroutines hand it new connections and kills through mu and wake it
// through a pipe.
type loop struct {
	s       *Server
	epfd    int
	wakeR   int // read end of the wake-up pipe
	wakeW   int
	conns   map[int]*conn // by socket
	events  []syscall.EpollEvent
	started []*conn // pipelines in flight this round
	now     time.Time
	swept   time.Time
	bigBufs bool // some connection holds a grown read buffer (see sweep)

	mu    sync.Mutex
	adds  []*conn
	kills []*conn
	stop  bool
	spare []*conn // the loop's copy of adds and kills
}

const loopsSupported = true

func newLoop(s *Server) (*loop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	l := &loop{s: s, epfd: epfd, wakeR: p[0], wakeW: p[1], conns: map[int]*conn{},
		events: make([]syscall.EpollEvent, 256)}
	if err := l.watch(l.wakeR, syscall.EPOLL_CTL_ADD, syscall.EPOLLIN); err != nil {
		l.closeFDs()
		return nil, err
	}
	return l, nil
}

func (l *loop) closeFDs() {
	syscall.Close(l.epfd)
	syscall.Close(l.wakeR)
	syscall.Close(l.wakeW)
}

func (l *loop) watch(fd, op int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return syscall.EpollCtl(l.epfd, op, fd, &ev)
}

// detach takes the socket of a freshly accepted TCP connection away from
// Go's poller: it duplicates the descriptor (non-blocking, close-on-exec)
// and closes nc, which leaves the connection open on the duplicate.
func detach(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1, errors.New("not a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(f uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, f, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = e
			return
		}
		fd = int(r)
	}); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	nc.Close()
	return fd, nil
}

// add hands the loop a new connection (c.fd set). Safe from any goroutine.
func (l *loop) add(c *conn) {
	l.mu.Lock()
	l.adds = append(l.adds, c)
	l.mu.Unlock()
	l.wake()
}

// kill asks the loop to close c once its running commands finish. Safe
// from any goroutine, also before the loop has registered c.
func (l *loop) kill(c *conn) {
	c.killed.Store(true)
	l.mu.Lock()
	l.kills = append(l.kills, c)
	l.mu.Unlock()
	l.wake()
}

// shutdown makes the loop close every connection and return.
func (l *loop) shutdown() {
	l.mu.Lock()
	l.stop = true
	l.mu.Unlock()
	l.wake()
}

func (l *loop) wake() {
	b := [1]byte{1}
	syscall.Write(l.wakeW, b[:]) // a full pipe already means "wake up"
}

// run is the loop's goroutine.
func (l *loop) run(<-chan struct{}) {
	defer l.closeFDs()
	for {
		timeout := -1
		if l.s.idleTimeout() > 0 || l.bigBufs {
			timeout = 1000
		}
		n, err := l.poll(timeout)
		if err != nil && err != syscall.EINTR {
			l.s.cfg.Logger.Error().Err(err).Msg("epoll_wait failed; closing the loop's connections")
			l.closeAll()
			return
		}
		l.now = time.Now()
		for _, ev := range l.events[:max(n, 0)] {
			l.event(int(ev.Fd), ev.Events)
		}
		for i, c := range l.started {
			if !c.finishPipeline() {
				l.closeConn(c)
			}
			l.started[i] = nil
		}
		l.started = l.started[:0]
		if !l.control() {
			return
		}
		l.sweep()
	}
}

// poll waits for ready descriptors. It first asks without waiting, as a
// raw system call that keeps the loop's P: under load something is always
// ready, and a call through the scheduler lets the runtime hand the P to
// another thread when the call is slow, so more threads than cores
// compete. Only when nothing is ready does it block, through the
// scheduler. (Polling again before blocking only took CPU from the
// clients.)
func (l *loop) poll(timeout int) (int, error) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(l.epfd),
		uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), 0, 0, 0)
	if e == 0 && r > 0 {
		return int(r), nil
	}
	return syscall.EpollWait(l.epfd, l.events, timeout)
}

// rawIO reads or writes a non-blocking socket without the scheduler's
// system-call bookkeeping (the call never blocks; see poll).
func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	r, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// event handles one ready descriptor.
func (l *loop) event(fd int, events uint32) {
	if fd == l.wakeR {
		var buf [64]byte
		for {
			if n, _ := syscall.Read(l.wakeR, buf[:]); n < len(buf) {
				return
			}
		}
	}
	c := l.conns[fd]
	if c == nil {
		return
	}
	if c.blocked { // waiting to write the rest of its replies
		if !l.write(c) {
			l.closeConn(c)
		}
		return
	}
	n, err := rawIO(syscall.SYS_READ, fd, c.in[c.end:])
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
	for c.woff < len(c.out) {
		n, err := rawIO(syscall.SYS_WRITE, c.fd, c.out[c.woff:])
		if n > 0 {
			c.woff += n
			l.s.stats.netOut.Add(int64(n))
		}
		switch {
		case err == nil || err == syscall.EINTR:
		case err == syscall.EAGAIN:
			if !c.blocked {
				c.blocked = true
				l.watch(c.fd, syscall.EPOLL_CTL_MOD, syscall.EPOLLOUT)
			}
			return true
		default:
			return false
		}
	}
	c.woff = 0
	c.resetOut()
	if c.blocked {
		c.blocked = false
		l.watch(c.fd, syscall.EPOLL_CTL_MOD, syscall.EPOLLIN)
	}
	return true
}

// control takes what other goroutines handed over: new connections, kills
// and the stop request. It reports false when the loop must return.
func (l *loop) control() bool {
	l.mu.Lock()
	adds := append(l.spare[:0], l.adds...)
	nadds := len(adds)
	adds = append(adds, l.kills...)
	clear(l.adds)
	clear(l.kills)
	l.adds, l.kills = l.adds[:0], l.kills[:0]
	stop := l.stop
	l.mu.Unlock()
	for i, c := range adds {
		if i < nadds {
			l.register(c)
		} else if c.fd >= 0 && l.conns[c.fd] == c {
			l.closeConn(c)
		}
	}
	clear(adds)
	l.spare = adds[:0]
	if stop {
		l.closeAll()
		return false
	}
	return true
}

func (l *loop) register(c *conn) {
	c.lastIO = l.now
	if c.killed.Load() {
		l.closeConn(c)
		return
	}
	if err := l.watch(c.fd, syscall.EPOLL_CTL_ADD, syscall.EPOLLIN); err != nil {
		l.s.cfg.Logger.Warn().Err(err).Int64("client", c.id).Msg("cannot watch the connection; closing it")
		l.closeConn(c)
		return
	}
	l.conns[c.fd] = c
}

// closeConn closes c and forgets it.
func (l *loop) closeConn(c *conn) {
	if c.fd < 0 {
		return
	}
	if l.conns[c.fd] == c {
		delete(l.conns, c.fd)
		syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
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
	l.bigBufs = false
	for _, c := range l.conns {
		idle := l.now.Sub(c.lastIO)
		switch {
		case t > 0 && !c.blocked && idle > t:
			l.closeConn(c)
		case idle > time.Second && c.start == c.end && len(c.in) > keepBufSize:
			c.dropInBuf()
			c.infoOf().rbs.Store(readBufSize)
		}
		l.bigBufs = l.bigBufs || len(c.in) > keepBufSize
	}
}
