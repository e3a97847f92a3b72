package bench

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

var replyCases = []struct {
	name  string
	wire  string
	isErr bool
}{
	{"status", "+OK\r\n", false},
	{"error", "-ERR unknown command 'x'\r\n", true},
	{"integer", ":42\r\n", false},
	{"bulk", "$5\r\nhello\r\n", false},
	{"bulk with CRLF inside", "$4\r\na\r\nb\r\n", false},
	{"empty bulk", "$0\r\n\r\n", false},
	{"nil bulk", "$-1\r\n", false},
	{"nil array", "*-1\r\n", false},
	{"empty array", "*0\r\n", false},
	{"array", "*3\r\n$1\r\na\r\n:1\r\n+x\r\n", false},
	{"nested", "*2\r\n*2\r\n$1\r\na\r\n$-1\r\n*1\r\n-ERR inner\r\n", false},
	{"resp3 null", "_\r\n", false},
	{"resp3 map", "%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n,1.5\r\n", false},
	{"resp3 set", "~2\r\n#t\r\n(12345678901234567890\r\n", false},
	{"resp3 blob error", "!5\r\nERR x\r\n", true},
	{"verbatim", "=7\r\ntxt:abc\r\n", false},
}

// readAll reads every reply of wire, followed by a sentinel, through r.
func readAll(t *testing.T, r *bufio.Reader, isErr bool) {
	t.Helper()
	got, err := ReadReply(r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if got != isErr {
		t.Fatalf("isErr %v, want %v", got, isErr)
	}
	if _, err := ReadReply(r); err != nil {
		t.Fatalf("sentinel after the reply: %v (the reply was not consumed exactly)", err)
	}
	if _, err := ReadReply(r); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF at the end, got %v", err)
	}
}

func TestReadReply(t *testing.T) {
	for _, c := range replyCases {
		t.Run(c.name, func(t *testing.T) {
			readAll(t, bufio.NewReader(strings.NewReader(c.wire+":0\r\n")), c.isErr)
		})
	}
}

// A reply split at any byte — one byte per read, or two reads cut
// anywhere — reads the same.
func TestReadReplySplitReads(t *testing.T) {
	checked := 0
	for _, c := range replyCases {
		wire := c.wire + ":0\r\n"
		t.Run(c.name, func(t *testing.T) {
			readAll(t, bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(wire)), 16), c.isErr)
			for cut := 1; cut < len(wire); cut++ {
				r := io.MultiReader(iotest.HalfReader(strings.NewReader(wire[:cut])), strings.NewReader(wire[cut:]))
				readAll(t, bufio.NewReaderSize(r, 16), c.isErr)
				checked++
			}
		})
	}
	if checked < 100 {
		t.Fatalf("checked only %d splits", checked)
	}
}

func TestReadReplyTruncatedAndMalformed(t *testing.T) {
	for _, c := range replyCases {
		for cut := 0; cut < len(c.wire); cut++ {
			_, err := ReadReply(bufio.NewReader(strings.NewReader(c.wire[:cut])))
			if err == nil {
				t.Fatalf("%s cut at %d: no error", c.name, cut)
			}
		}
	}
	for _, bad := range []string{"?what\r\n", "$abc\r\n", "*-5\r\n", "+OK\n", "$1234567890123456789\r\n", "$\r\n", "*1x\r\n"} {
		_, err := ReadReply(bufio.NewReader(strings.NewReader(bad)))
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%q: %v, want ErrProtocol", bad, err)
		}
	}
}

// A simple string longer than the reader's buffer is skipped whole.
func TestReadReplyLongLine(t *testing.T) {
	wire := "-" + strings.Repeat("x", 100) + "\r\n:1\r\n"
	r := bufio.NewReaderSize(strings.NewReader(wire), 16)
	if isErr, err := ReadReply(r); err != nil || !isErr {
		t.Fatalf("long error: %v %v", isErr, err)
	}
	if _, err := ReadReply(r); err != nil {
		t.Fatal(err)
	}
}

func TestAppendKeyAndCommand(t *testing.T) {
	k := AppendKey(nil, 'k', 42)
	if string(k) != "k000000000000042" || len(k) != KeyLen {
		t.Fatalf("key %q", k)
	}
	got := string(AppendCommand(nil, "GET", 7, 100, nil))
	if got != "*2\r\n$3\r\nGET\r\n$16\r\nk000000000000007\r\n" {
		t.Fatalf("GET: %q", got)
	}
	got = string(AppendCommand(nil, "SET", 1, 100, []byte("abc")))
	if got != "*3\r\n$3\r\nSET\r\n$16\r\nk000000000000001\r\n$3\r\nabc\r\n" {
		t.Fatalf("SET: %q", got)
	}
	if got := string(AppendCommand(nil, "INCR", 3, 10, nil)); !strings.Contains(got, "c000000000000003") {
		t.Fatalf("INCR keys have their own prefix: %q", got)
	}
	mset := AppendCommand(nil, "MSET", 95, 100, []byte("v"))
	if !bytes.HasPrefix(mset, []byte("*21\r\n$4\r\nMSET\r\n")) || !bytes.Contains(mset, []byte("k000000000000004")) ||
		bytes.Contains(mset, []byte("k000000000000100")) {
		t.Fatalf("MSET wraps its keys at the key space: %q", mset)
	}
}

func TestParseInfoAndVmRSS(t *testing.T) {
	f := ParseInfo("# Memory\r\nused_memory:1024\r\nused_memory_human:1K\r\n\r\n# Server\r\nredis_version:7.0.15\r\n")
	if f["used_memory"] != "1024" || f["redis_version"] != "7.0.15" {
		t.Fatalf("info %v", f)
	}
	n, err := parseVmRSS("Name:\tredis\nVmPeak:\t 100 kB\nVmRSS:\t   2048 kB\n")
	if err != nil || n != 2048*1024 {
		t.Fatalf("VmRSS %d %v", n, err)
	}
	if _, err := parseVmRSS("Name: x\n"); err == nil {
		t.Fatal("missing VmRSS accepted")
	}
}
