package httpapi

import (
	"bytes"
	"errors"
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
	max      int64
	open     atomic.Int64
	accepted *atomic.Int64  // counts every connection under the limit
	refuse   func(net.Conn) // answers and closes a connection over the limit
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
		l.accepted.Add(1)
		return &countedConn{Conn: c, release: l.release}, nil
	}
}

// release gives back one connection's slot.
func (l *limitListener) release() { l.open.Add(-1) }

// countedConn gives its slot back when closed, once.
type countedConn struct {
	net.Conn
	release func()
	once    sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// refuseConn reads the request head, writes the 503 to c, then reads and
// discards what the client still sends until it closes or refuseTimeout
// passes. Answering before the request has arrived, or closing with
// unread input, would look like a broken connection to many clients.
func refuseConn(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(refuseTimeout))
	if !readHead(c) {
		return
	}
	c.SetDeadline(time.Now().Add(refuseTimeout))
	if _, err := c.Write(maxConnsReply); err != nil {
		return
	}
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// readHead reads up to the blank line ending a request head (or 64 KiB);
// false if the client went away first.
func readHead(c net.Conn) bool {
	var buf [4096]byte
	var seen []byte // the last bytes read, enough to find "\r\n\r\n" across reads
	for total := 0; total < 64<<10; {
		n, err := c.Read(buf[:])
		seen = append(seen, buf[:n]...)
		if bytes.Contains(seen, []byte("\r\n\r\n")) {
			return true
		}
		if len(seen) > 3 {
			seen = append(seen[:0], seen[len(seen)-3:]...)
		}
		total += n
		if err != nil {
			var ne net.Error
			return errors.As(err, &ne) && ne.Timeout() && total > 0
		}
	}
	return true
}
