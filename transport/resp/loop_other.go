//go:build !linux

package resp

import (
	"errors"
	"net"
)

// loop is Linux-only (epoll); elsewhere every connection has a goroutine.
type loop struct{ bigBufs bool }

const loopsSupported = false

var errNoLoops = errors.New("event loops need Linux")

func newLoop(*Server) (*loop, error) { return nil, errNoLoops }
func detach(net.Conn) (int, error)   { return -1, errNoLoops }
func (*loop) add(*conn)              {}
func (*loop) kill(*conn)             {}
func (*loop) shutdown()              {}
func (*loop) write(*conn) bool       { return false }
func (*loop) offload(*conn) bool     { return false }
func (*loop) run(<-chan struct{})    {}
