package resp

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

// getPipeline is 64 pipelined GET key:n commands, as redis-benchmark -P 64
// sends them.
func getPipeline() []byte {
	var b []byte
	for i := range 64 {
		b = append(b, mb("GET", "key:"+strconv.Itoa(i))...)
	}
	return b
}

func reportPerCommand(b *testing.B, perOp int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(perOp), "ns/cmd")
}

// BenchmarkParse64Get parses 64 pipelined GETs per op.
func BenchmarkParse64Get(b *testing.B) {
	buf := getPipeline()
	p := NewParser(Limits{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if cs, _, _, _ := p.Parse(buf); len(cs) != 64 {
			b.Fatal(len(cs))
		}
	}
	reportPerCommand(b, 64)
}

// BenchmarkParse64GetBaseline is the baseline: the same input read the
// usual way, with bufio.Reader, strconv.Atoi and a new slice per argument.
func BenchmarkParse64GetBaseline(b *testing.B) {
	buf := getPipeline()
	rd := bytes.NewReader(buf)
	br := bufio.NewReader(rd)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(buf)
		br.Reset(rd)
		for n := 0; ; n++ {
			cmd, err := baselineRead(br)
			if err == io.EOF && n == 64 {
				break
			}
			if err != nil || len(cmd) != 2 {
				b.Fatal(n, err)
			}
		}
	}
	reportPerCommand(b, 64)
}

// baselineRead reads one multibulk command the straightforward way.
func baselineRead(br *bufio.Reader) ([][]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(string(line[1 : len(line)-2]))
	if err != nil {
		return nil, err
	}
	args := make([][]byte, n)
	for i := range args {
		if line, err = br.ReadSlice('\n'); err != nil {
			return nil, err
		}
		l, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return nil, err
		}
		args[i] = make([]byte, l+2)
		if _, err := io.ReadFull(br, args[i]); err != nil {
			return nil, err
		}
		args[i] = args[i][:l]
	}
	return args, nil
}

// BenchmarkParseSetValue parses SET commands with 1 KiB values, 16 per op.
func BenchmarkParseSetValue(b *testing.B) {
	var buf []byte
	for i := range 16 {
		buf = append(buf, mb("SET", "key:"+strconv.Itoa(i), string(bytes.Repeat([]byte{'v'}, 1024)))...)
	}
	p := NewParser(Limits{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if cs, _, _, _ := p.Parse(buf); len(cs) != 16 {
			b.Fatal(len(cs))
		}
	}
	reportPerCommand(b, 16)
}

// BenchmarkParseInline parses one inline command (redis-cli, telnet); it
// allocates, through text.Tokenize.
func BenchmarkParseInline(b *testing.B) {
	buf := []byte("SET key:1 \"a value\"\r\n")
	p := NewParser(Limits{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if cs, _, _, _ := p.Parse(buf); len(cs) != 1 {
			b.Fatal(len(cs))
		}
	}
}

func BenchmarkAppendReply(b *testing.B) {
	value := bytes.Repeat([]byte{'v'}, 100)
	var arr []reply.Reply
	for i := range 10 {
		arr = append(arr, bulk("member:"+strconv.Itoa(i)))
	}
	for _, c := range []struct {
		name string
		r    reply.Reply
	}{
		{"bulk100", reply.Bulk(value)},
		{"int", reply.Int(1234567)},
		{"status", reply.OK()},
		{"nil", reply.Nil()},
		{"double", reply.Double(3.14159)},
		{"array10", reply.Array(arr)},
	} {
		for _, proto := range []int{2, 3} {
			b.Run(c.name+"/resp"+strconv.Itoa(proto), func(b *testing.B) {
				dst := make([]byte, 0, 4096)
				b.ReportAllocs()
				for b.Loop() {
					dst = AppendReply(dst[:0], c.r, proto)
				}
				b.SetBytes(int64(len(dst)))
			})
		}
	}
}
