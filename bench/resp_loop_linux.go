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

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/memshard/memshard/transport/netpoll"
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
	p      *netpoll.Poller
	conns  []*loopConn
	byFD   []*loopConn // conns indexed by socket
	hist   *hdrhistogram.Histogram
	sc     Scenario
	value  []byte
	active int // connections that have not stopped
}

// loopConn is one client connection of a loop.
type loopConn struct {
	fd         int
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
	p, err := netpoll.New(64)
	if err != nil {
		return nil, err
	}
	return &clientLoop{p: p, hist: newHist(), sc: sc, value: value}, nil
}

func (l *clientLoop) close() {
	for _, c := range l.conns {
		netpoll.Close(c.fd)
	}
	l.conns, l.byFD = nil, nil
	l.p.Close()
}

// dial connects client number i (quota commands, -1 for no limit) and
// adds it to the loop.
func (l *clientLoop) dial(ctx context.Context, addr string, i, quota int) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	fd, err := netpoll.Detach(nc)
	if err != nil {
		nc.Close()
		return err
	}
	c := &loopConn{fd: fd, in: make([]byte, 64<<10), quota: quota, keys: newKeyGen(i, l.sc.KeySpace)}
	if err := l.p.Watch(fd, syscall.EPOLL_CTL_ADD, syscall.EPOLLIN); err != nil {
		netpoll.Close(fd)
		return err
	}
	l.conns = append(l.conns, c)
	for len(l.byFD) <= fd {
		l.byFD = append(l.byFD, nil)
	}
	l.byFD[fd] = c
	return nil
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
		n, err := l.p.Wait(100) // wake up now and then to see a cancelled ctx
		if err != nil && err != syscall.EINTR {
			return err
		}
		for i := range n {
			fd, events := l.p.Event(i)
			if fd >= len(l.byFD) || l.byFD[fd] == nil {
				continue // the wake-up pipe, never written here
			}
			c := l.byFD[fd]
			if events&syscall.EPOLLOUT != 0 {
				if err := l.write(c); err != nil {
					return err
				}
			}
			if events&^syscall.EPOLLOUT != 0 {
				if err := l.read(c, deadline); err != nil {
					return err
				}
			}
		}
	}
	return nil
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
		n, err := netpoll.Write(c.fd, c.out[c.woff:])
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
	events := uint32(syscall.EPOLLIN) // replies keep coming while a batch waits to go
	if on {
		events |= syscall.EPOLLOUT
	}
	return l.p.Watch(c.fd, syscall.EPOLL_CTL_MOD, events)
}

// read takes what c's socket holds and counts the replies in it. When the
// batch's last reply is in, it records the batch's round trip and starts
// the next batch.
func (l *clientLoop) read(c *loopConn, deadline time.Time) error {
	if c.end == len(c.in) && !c.makeRoom() {
		return fmt.Errorf("%w: a reply over %d bytes", ErrProtocol, respReplyMax)
	}
	n, err := netpoll.Read(c.fd, c.in[c.end:])
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
