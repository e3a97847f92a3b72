//go:build !race

package bench

import (
	"bufio"
	"bytes"
	"testing"
)

// The load generator's encoder and reply parser allocate nothing per
// command once their buffers are warm, so the generator stays cheaper
// than the servers it measures.
func TestNoRaceZeroAllocEncodeAndParse(t *testing.T) {
	value := Value(16)
	buf := make([]byte, 0, 4096)
	for _, cmd := range []string{"GET", "SET", "INCR", "MSET"} {
		if n := testing.AllocsPerRun(100, func() {
			buf = AppendCommand(buf[:0], cmd, 12345, 1000000, value)
		}); n != 0 {
			t.Errorf("AppendCommand %s: %v allocs", cmd, n)
		}
	}
	wire := []byte("$16\r\naaaaaaaaaaaaaaaa\r\n+OK\r\n:7\r\n$-1\r\n*2\r\n$1\r\na\r\n-ERR x\r\n")
	rd := bytes.NewReader(wire)
	r := bufio.NewReader(rd)
	if n := testing.AllocsPerRun(100, func() {
		rd.Reset(wire)
		r.Reset(rd)
		if _, err := readReplies(r, 5); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ReadReply: %v allocs", n)
	}
}
