//go:build linux

// Package netpoll holds the Linux system-call plumbing the transports' event
// loops (and memshard-bench's RESP load generator) share: an epoll set with
// a wake-up pipe, raw non-blocking reads and writes, flushing output, and
// taking a connected socket away from Go's poller.
package netpoll

import (
	"errors"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Supported reports whether event loops work on this system.
const Supported = true

// Poller is an epoll set with a wake-up pipe registered in it. One
// goroutine waits on it; any goroutine may Wake it.
type Poller struct {
	epfd   int
	wakeR  int // read end of the wake-up pipe
	wakeW  int
	events []syscall.EpollEvent
}

// New returns a poller with room for n events per wait.
func New(n int) (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	pl := &Poller{epfd: epfd, wakeR: p[0], wakeW: p[1], events: make([]syscall.EpollEvent, n)}
	if err := pl.Watch(pl.wakeR, syscall.EPOLL_CTL_ADD, syscall.EPOLLIN); err != nil {
		pl.Close()
		return nil, err
	}
	return pl, nil
}

// Close closes the epoll set and the pipe.
func (p *Poller) Close() {
	syscall.Close(p.epfd)
	syscall.Close(p.wakeR)
	syscall.Close(p.wakeW)
}

// Watch adds (op EPOLL_CTL_ADD) or changes (EPOLL_CTL_MOD) the events fd is
// watched for.
func (p *Poller) Watch(fd, op int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return syscall.EpollCtl(p.epfd, op, fd, &ev)
}

// Forget stops watching fd.
func (p *Poller) Forget(fd int) { syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, fd, nil) }

// Wake makes the waiting goroutine's Wait return. Safe from any goroutine.
func (p *Poller) Wake() {
	b := [1]byte{1}
	syscall.Write(p.wakeW, b[:]) // a full pipe already means "wake up"
}

// isWake reports whether fd is the wake-up pipe, and empties it if so.
func (p *Poller) isWake(fd int) bool {
	if fd != p.wakeR {
		return false
	}
	var buf [64]byte
	for {
		if n, _ := syscall.Read(p.wakeR, buf[:]); n < len(buf) {
			return true
		}
	}
}

// Wait waits for ready descriptors, up to timeout milliseconds (-1: no
// bound), and returns how many of Events it filled. It first asks without
// waiting, as a raw system call that keeps the goroutine's P: under load
// something is always ready, and a call through the scheduler lets the
// runtime hand the P to another thread when the call is slow, so more
// threads than cores compete. Only when nothing is ready does it block,
// through the scheduler.
func (p *Poller) Wait(timeout int) (int, error) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(p.epfd),
		uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), 0, 0, 0)
	if e == 0 && r > 0 {
		return int(r), nil
	}
	n, err := syscall.EpollWait(p.epfd, p.events, timeout)
	return max(n, 0), err
}

// Run is an event loop: it waits for ready descriptors and hands them to
// r, round after round, until r.End reports false or waiting fails, then
// closes the poller. The wake-up pipe is emptied, not handed on.
func (p *Poller) Run(r Round) {
	defer p.Close()
	for {
		n, err := p.Wait(r.Timeout())
		if err != nil && err != syscall.EINTR {
			r.Failed(err)
			return
		}
		r.Begin()
		for i := range n {
			if fd, events := p.Event(i); !p.isWake(fd) {
				r.Event(fd, events)
			}
		}
		if !r.End() {
			return
		}
	}
}

// Event is the i-th event the last Wait took: the descriptor and its
// EPOLL* bits.
func (p *Poller) Event(i int) (fd int, events uint32) {
	return int(p.events[i].Fd), p.events[i].Events
}

// Read reads a non-blocking socket without the scheduler's system-call
// bookkeeping (the call never blocks; see Wait).
func Read(fd int, b []byte) (int, error) { return rawIO(syscall.SYS_READ, fd, b) }

// Write writes a non-blocking socket like Read reads one.
func Write(fd int, b []byte) (int, error) { return rawIO(syscall.SYS_WRITE, fd, b) }

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

// Flush writes out[*off:] to the non-blocking socket fd. When the socket
// is full it keeps the rest (advancing *off), watches fd for writability
// instead of reads and sets *blocked, so the loop's next event for fd
// means "write more"; once all of out is written it resets *off, watches
// reads again if it had switched, and reports done. written is what this
// call wrote; err is a socket error (the caller closes the socket).
func (p *Poller) Flush(fd int, out []byte, off *int, blocked *bool) (written int, done bool, err error) {
	for *off < len(out) {
		n, err := Write(fd, out[*off:])
		if n > 0 {
			*off += n
			written += n
		}
		switch {
		case err == nil || err == syscall.EINTR:
		case err == syscall.EAGAIN:
			if !*blocked {
				*blocked = true
				p.Watch(fd, syscall.EPOLL_CTL_MOD, syscall.EPOLLOUT)
			}
			return written, false, nil
		default:
			return written, false, err
		}
	}
	*off = 0
	if *blocked {
		*blocked = false
		p.Watch(fd, syscall.EPOLL_CTL_MOD, syscall.EPOLLIN)
	}
	return written, true, nil
}

// Close closes a descriptor.
func Close(fd int) { syscall.Close(fd) }

// Detach takes the socket of a freshly accepted TCP connection away from
// Go's poller: it duplicates the descriptor (non-blocking, close-on-exec)
// and closes nc, which leaves the connection open on the duplicate.
func Detach(nc net.Conn) (int, error) {
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

// Attach turns a socket a loop owns back into a net.Conn on Go's poller;
// the descriptor is closed either way.
func Attach(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "")
	defer f.Close()
	return net.FileConn(f)
}
