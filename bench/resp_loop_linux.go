//go:build linux

package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The RESP load generator drives its connections from event loops, as
// redis-benchmark does: each loop owns some connections and an epoll set,
// writes a connection's next pipeline as soon as the last reply of the
// previous one arrives, and otherwise waits for whichever connection is
// ready. Per batch that is one write and (usually) one read system call; a
// goroutine per connection would pay a read that finds nothing, a park and
// a wake-up besides, and the load generator shares the machine's cores
// with the server it measures.

// respLoopsMax is how many event loops drive one scenario's clients at
// most (one per core, two at most: the server needs the rest).
const respLoopsMax = 2

// respReplyMax bounds the buffered part of one reply, so a server that
// never ends a line cannot make the generator grow its buffer forever.
const respReplyMax = 256 << 20

// runRESP runs sc against the RESP server at addr.
func runRESP(ctx context.Context, addr string, sc Scenario) (Sample, error) {
	nloops := max(1, min(respLoopsMax, sc.Clients, runtime.GOMAXPROCS(0)))
	loops := make([]*clientLoop, nloops)
	value := Value(sc.ValueSize)
	for i := range loops {
		l, err := newClientLoop(sc, value)
		if err != nil {
			closeLoops(loops)
			return Sample{}, err
		}
		loops[i] = l
	}
	defer closeLoops(loops)
	for i := range sc.Clients {
		if err := loops[i%nloops].dial(ctx, addr, i, clientQuota(sc, i)); err != nil {
			return Sample{}, fmt.Errorf("client %d: %w", i, err)
		}
	}
	start := time.Now()
	deadline := start.Add(sc.Duration)
	errs := make([]error, nloops)
	var wg sync.WaitGroup
	for i, l := range loops {
		wg.Go(func() { errs[i] = l.run(ctx, deadline) })
	}
	wg.Wait()
	run := Sample{Elapsed: time.Since(start), Hist: newHist()}
	for _, l := range loops {
		for _, c := range l.conns {
			run.Ops += c.ops
			run.Errors += c.errs
		}
		run.Hist.Merge(l.hist)
	}
	if err := ctx.Err(); err != nil {
		return run, err
	}
	return run, errors.Join(errs...)
}

func closeLoops(loops []*clientLoop) {
	for _, l := range loops {
		if l != nil {
			l.close()
		}
	}
}

// clientLoop is one event loop and its connections.
type clientLoop struct {
	epfd   int
	conns  []*loopConn
	events []syscall.EpollEvent
	hist   *hdrhistogram.Histogram
	sc     Scenario
	value  []byte
	active int // connections that have not stopped
}

// loopConn is one client connection of a loop.
type loopConn struct {
	fd         int
	id         int // index in the loop's conns, the epoll event's data
	in         []byte
	start, end int // unread replies are in[start:end]
	out        []byte
	woff       int  // out[woff:] is still to be written
	wantOut    bool // watching for the socket to take more
	want       int  // replies still due for the batch in flight
	batch      int  // commands in the batch in flight
	t0         time.Time
	ops, errs  int64
	quota      int // commands left to send in all, or -1 for no limit
	keys       keyGen
	stopped    bool
}

func newClientLoop(sc Scenario, value []byte) (*clientLoop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &clientLoop{epfd: epfd, events: make([]syscall.EpollEvent, 64), hist: newHist(), sc: sc, value: value}, nil
}

func (l *clientLoop) close() {
	for _, c := range l.conns {
		syscall.Close(c.fd)
	}
	l.conns = nil
	syscall.Close(l.epfd)
}

// dial connects client number i (quota commands, -1 for no limit) and
// adds it to the loop.
func (l *clientLoop) dial(ctx context.Context, addr string, i, quota int) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	fd, err := takeSocket(nc)
	if err != nil {
		return err
	}
	c := &loopConn{fd: fd, id: len(l.conns), in: make([]byte, 64<<10), quota: quota, keys: newKeyGen(i, l.sc.KeySpace)}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.id)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		syscall.Close(fd)
		return err
	}
	l.conns = append(l.conns, c)
	return nil
}

// takeSocket moves a dialled connection's socket out of Go's poller: it
// keeps a non-blocking duplicate of the descriptor and closes nc.
func takeSocket(nc net.Conn) (int, error) {
	defer nc.Close()
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return -1, errors.New("not a TCP connection")
	}
	f, err := tc.File()
	if err != nil {
		return -1, err
	}
	defer f.Close()
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// run sends every connection's first batch and serves replies until every
// connection has stopped (its quota is done, or the deadline has passed
// when a batch completes) or ctx ends.
func (l *clientLoop) run(ctx context.Context, deadline time.Time) error {
	l.active = len(l.conns)
	for _, c := range l.conns {
		if err := l.next(c, time.Now(), deadline); err != nil {
			return err
		}
	}
	for l.active > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := l.poll()
		if err != nil && err != syscall.EINTR {
			return err
		}
		for _, ev := range l.events[:max(n, 0)] {
			c := l.conns[ev.Fd]
			if ev.Events&syscall.EPOLLOUT != 0 {
				if err := l.write(c); err != nil {
					return err
				}
			}
			if ev.Events&^syscall.EPOLLOUT != 0 {
				if err := l.read(c, deadline); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// poll asks for ready connections without blocking first, then waits up
// to 100 ms (so a cancelled ctx is seen).
func (l *clientLoop) poll() (int, error) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(l.epfd),
		uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), 0, 0, 0)
	if e == 0 && r > 0 {
		return int(r), nil
	}
	return syscall.EpollWait(l.epfd, l.events, 100)
}

// next starts c's next batch, or stops c when it is done.
func (l *clientLoop) next(c *loopConn, now, deadline time.Time) error {
	n := l.sc.Pipeline
	if c.quota >= 0 {
		n = min(n, c.quota)
	}
	if n <= 0 || c.quota < 0 && !now.Before(deadline) {
		c.stopped = true
		l.active--
		return nil
	}
	if c.quota > 0 {
		c.quota -= n
	}
	c.out = c.out[:0]
	for range n {
		c.out = AppendCommand(c.out, l.sc.Command, c.keys.next(), l.sc.KeySpace, l.value)
	}
	c.batch, c.want, c.woff, c.t0 = n, n, 0, now
	return l.write(c)
}

// write sends what is left of c's batch; when the socket is full it
// watches for room.
func (l *clientLoop) write(c *loopConn) error {
	for c.woff < len(c.out) {
		n, err := rawRW(syscall.SYS_WRITE, c.fd, c.out[c.woff:])
		if n > 0 {
			c.woff += n
			continue
		}
		if err == syscall.EAGAIN {
			return l.watchOut(c, true)
		}
		if err != syscall.EINTR {
			return fmt.Errorf("write: %w", err)
		}
	}
	return l.watchOut(c, false)
}

func (l *clientLoop) watchOut(c *loopConn, on bool) error {
	if c.wantOut == on {
		return nil
	}
	c.wantOut = on
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.id)}
	if on {
		ev.Events |= syscall.EPOLLOUT
	}
	return syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev)
}

// read takes what c's socket holds and counts the replies in it. When the
// batch's last reply is in, it records the batch's round trip and starts
// the next batch.
func (l *clientLoop) read(c *loopConn, deadline time.Time) error {
	if c.end == len(c.in) && !c.makeRoom() {
		return fmt.Errorf("%w: a reply over %d bytes", ErrProtocol, respReplyMax)
	}
	n, err := rawRW(syscall.SYS_READ, c.fd, c.in[c.end:])
	switch {
	case n > 0:
		c.end += n
	case n == 0:
		return errors.New("the server closed the connection")
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return nil
	default:
		return fmt.Errorf("read: %w", err)
	}
	for c.start < c.end {
		m, isErr, err := scanReply(c.in[c.start:c.end])
		if err != nil {
			return err
		}
		if m == 0 {
			break
		}
		if c.want == 0 || c.stopped {
			return fmt.Errorf("%w: a reply nobody asked for", ErrProtocol)
		}
		c.start += m
		c.want--
		if isErr {
			c.errs++
		}
	}
	if c.start == c.end {
		c.start, c.end = 0, 0
	}
	if c.want > 0 || c.stopped {
		return nil
	}
	now := time.Now()
	us := max(now.Sub(c.t0).Microseconds(), histMin)
	l.hist.RecordValues(min(us, histMax), int64(c.batch))
	c.ops += int64(c.batch)
	return l.next(c, now, deadline)
}

// makeRoom drops the replies already counted or, when one reply fills the
// whole buffer, doubles it. It reports false when the buffer may not grow.
func (c *loopConn) makeRoom() bool {
	if c.start > 0 {
		c.end = copy(c.in, c.in[c.start:c.end])
		c.start = 0
		return true
	}
	if len(c.in) >= respReplyMax {
		return false
	}
	c.in = append(c.in, make([]byte, len(c.in))...)
	return true
}

// rawRW reads or writes a non-blocking socket (the call never blocks, so
// it skips the scheduler's system-call bookkeeping).
func rawRW(trap uintptr, fd int, b []byte) (int, error) {
	r, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
