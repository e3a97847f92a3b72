//go:build !race

package resp

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/memshard/memshard/router"
)

// discardConn is a net.Conn whose writes vanish, so a test can drive a
// connection's processing without a socket.
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error)        { return len(b), nil }
func (discardConn) Close() error                       { return nil }
func (discardConn) SetReadDeadline(time.Time) error    { return nil }
func (discardConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (discardConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (discardConn) SetWriteDeadline(t time.Time) error { return nil }

// TestNoRaceConnZeroAlloc pins the RESP hot path: a warm connection parsing,
// running and answering a pipeline of GETs and SETs allocates nothing.
func TestNoRaceConnZeroAlloc(t *testing.T) {
	r, err := router.New(router.Config{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := New(r, DefaultConfig())
	c := newConn(s, discardConn{})
	var in []byte
	for i := 0; i < 32; i++ {
		k := "key:" + strconv.Itoa(i)
		in = append(in, "*3\r\n$3\r\nSET\r\n$"+strconv.Itoa(len(k))+"\r\n"+k+"\r\n$5\r\nvalue\r\n"...)
		in = append(in, "*2\r\n$3\r\nGET\r\n$"+strconv.Itoa(len(k))+"\r\n"+k+"\r\n"...)
	}
	run := func() {
		c.end = copy(c.in, in)
		c.start = 0
		if !c.process() {
			t.Fatal("connection closed")
		}
	}
	run()
	if a := testing.AllocsPerRun(100, run); a != 0 {
		t.Fatalf("%.1f allocations per 64-command pipeline, want 0", a)
	}
}
