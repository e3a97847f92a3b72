package httpapi

import (
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// errMaxConns is the body a connection over Config.MaxConns gets.
const errMaxConns = `{"error":"ERR max number of clients reached"}`

// maxConnsReply is the whole HTTP answer to a connection over the limit.
var maxConnsReply = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: " + contentJSON + "\r\n" +
	"Content-Length: " + strconv.Itoa(len(errMaxConns)) + "\r\n" +
	"Access-Control-Allow-Origin: *\r\n" +
	"Connection: close\r\n\r\n" + errMaxConns)

// refuseTimeout bounds how long a refused connection may take to read its
// answer before it is closed.
const refuseTimeout = time.Second

// limitListener counts the open connections it accepted, WebSockets
// included, until they are closed. A connection over max is answered 503
// with errMaxConns and closed instead of being handed to fasthttp, so the
// limit costs nothing per request. Accept runs on fasthttp's accept
// goroutine; the count is safe from any goroutine.
type limitListener struct {
	net.Listener
	max    int64
	open   atomic.Int64
	refuse func(net.Conn) // answers and closes a connection over the limit
}

// Accept returns the next connection under the limit.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) > l.max {
			l.open.Add(-1)
			l.refuse(c)
			continue
		}
		return &countedConn{Conn: c, l: l}, nil
	}
}

// countedConn gives its slot back when closed, once.
type countedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}

// refuseConn writes the 503 to c, then reads and discards what the client
// sent until it closes or refuseTimeout passes, so that closing does not
// reset the connection before the client has read the answer.
func refuseConn(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(refuseTimeout))
	if _, err := c.Write(maxConnsReply); err != nil {
		return
	}
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}
