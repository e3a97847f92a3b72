//go:build !linux

package httpapi

import "errors"

// loop is Linux-only (epoll); elsewhere fasthttp serves every connection.
type loop struct{}

const loopsSupported = false

func newLoop(*Server) (*loop, error) { return nil, errors.New("event loops need Linux") }
func (*loop) add(int, func())        {}
func (*loop) shutdown()              {}
func (*loop) run(<-chan struct{})    {}
func (*loop) openConns() int64       { return 0 }
