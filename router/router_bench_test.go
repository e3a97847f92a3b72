package router

import (
	"context"
	"strconv"
	"testing"
)

// benchPipeline runs pipelines of 64 commands on a session per goroutine
// over a small key space (cache-resident: this measures the router and the
// shard hand-off, not memory latency). ns/op is per command.
func benchPipeline(b *testing.B, cmd string, shards int) {
	r := newRouter(b, shards)
	const nkeys = 1024
	keys := make([][]byte, nkeys)
	s := r.NewSession()
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
		s.Do(context.Background(), [][]byte{[]byte("set"), keys[i], []byte("0123456789abcdef")})
	}
	name, val := []byte(cmd), []byte("fedcba9876543210")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := r.NewSession()
		cmds := make([][][]byte, 0, 64)
		argv := make([][]byte, 0, 64*3)
		i := 0
		for pb.Next() {
			start := len(argv)
			argv = append(argv, name, keys[i%nkeys])
			if cmd == "set" {
				argv = append(argv, val)
			}
			cmds = append(cmds, argv[start:len(argv):len(argv)])
			i += 7
			if len(cmds) == 64 {
				s.Exec(context.Background(), cmds)
				cmds, argv = cmds[:0], argv[:0]
			}
		}
	})
}

func BenchmarkPipelineGet(b *testing.B) { benchPipeline(b, "get", 0) }
func BenchmarkPipelineSet(b *testing.B) { benchPipeline(b, "set", 0) }

func BenchmarkPipelineGetShards1(b *testing.B) { benchPipeline(b, "get", 1) }
func BenchmarkPipelineGetShards2(b *testing.B) { benchPipeline(b, "get", 2) }
func BenchmarkPipelineGetShards8(b *testing.B) { benchPipeline(b, "get", 8) }
