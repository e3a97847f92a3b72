package bench

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
)

// Every reply of replyCases is found whole, and no proper prefix of it is
// taken for a reply.
func TestScanReply(t *testing.T) {
	for _, c := range replyCases {
		wire := []byte(c.wire + ":0\r\n")
		n, isErr, err := scanReply(wire)
		if err != nil || n != len(c.wire) || isErr != c.isErr {
			t.Fatalf("%s: n %d isErr %v err %v, want %d %v", c.name, n, isErr, err, len(c.wire), c.isErr)
		}
		for i := range len(c.wire) {
			if n, _, err := scanReply([]byte(c.wire[:i])); n != 0 || err != nil {
				t.Fatalf("%s: prefix of %d bytes: n %d err %v", c.name, i, n, err)
			}
		}
	}
}

func TestScanReplyMalformed(t *testing.T) {
	for _, wire := range []string{"?x\r\n", "+OK\n", "$abc\r\n", "*1x\r\n", "$\r\n", "\r\n", "*2\r\n:1\r\n!\r\n"} {
		if _, _, err := scanReply([]byte(wire)); !errors.Is(err, ErrProtocol) {
			t.Fatalf("%q: err %v, want ErrProtocol", wire, err)
		}
	}
}

// scanReply agrees with ReadReply, the blocking reader the other load
// generators use, on any input: the same length, the same error flag, and
// an error exactly where ReadReply reports a malformed reply.
func FuzzScanReply(f *testing.F) {
	for _, c := range replyCases {
		f.Add([]byte(c.wire))
	}
	f.Add([]byte("*2\r\n$3\r\nabc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, isErr, err := scanReply(b)
		r := bufio.NewReaderSize(bytes.NewReader(b), len(b)+16)
		rIsErr, rErr := ReadReply(r)
		used := len(b) - r.Buffered()
		switch {
		case errors.Is(rErr, ErrProtocol):
			if err == nil && n != 0 {
				t.Fatalf("%q: scanReply found %d bytes, ReadReply: %v", b, n, rErr)
			}
		case rErr != nil: // the input ends inside a reply
			if err != nil || n != 0 {
				t.Fatalf("%q: scanReply n %d err %v, ReadReply: %v", b, n, err, rErr)
			}
		default:
			if err != nil || n != used || isErr != rIsErr {
				t.Fatalf("%q: scanReply n %d isErr %v err %v, ReadReply %d %v", b, n, isErr, err, used, rIsErr)
			}
		}
	})
}
