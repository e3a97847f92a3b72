//go:build !linux

package netpoll

import (
	"errors"
	"net"
)

// Supported reports whether event loops work on this system.
const Supported = false

var errUnsupported = errors.New("event loops need Linux")

// Poller is Linux-only (epoll).
type Poller struct{}

func New(int) (*Poller, error)               { return nil, errUnsupported }
func (*Poller) Close()                       {}
func (*Poller) Watch(int, int, uint32) error { return errUnsupported }
func (*Poller) Forget(int)                   {}
func (*Poller) Wake()                        {}
func (*Poller) Wait(int) (int, error)        { return 0, errUnsupported }
func Read(int, []byte) (int, error)          { return -1, errUnsupported }
func Write(int, []byte) (int, error)         { return -1, errUnsupported }
func Close(int)                              {}
func Detach(net.Conn) (int, error)           { return -1, errUnsupported }
func Attach(int) (net.Conn, error)           { return nil, errUnsupported }
