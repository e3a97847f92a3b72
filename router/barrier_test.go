package router

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

// A cross-shard MSET is atomic: transactions reading its keys never see
// some of them written and others not, while MSETs (alone, inside
// pipelines, inside MULTI) and transactions run concurrently. Groups and
// leases share one enqueue order, so none of this may deadlock: every call
// runs under a generous deadline that only a hang would reach.
func TestCrossShardMsetAtomic(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	r := newRouter(t, 4)
	var keys []string
	for _, k := range keysOnShards(r, 2) {
		keys = append(keys, k...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads, writes := 0, 0
	fail := func(format string, args ...any) {
		t.Errorf(format, args...)
		cancel()
	}
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(seed), uint64(w)))
			s := r.NewSession()
			defer s.Close()
			for i := 0; i < 300 && ctx.Err() == nil; i++ {
				if w%2 == 0 { // reader: a transaction over every key
					reps := s.Exec(ctx, [][][]byte{argv("multi"), argv(append([]string{"mget"}, keys...)...), argv("exec")})
					if reps[2].Kind != reply.KindArray {
						fail("read: %s", reps[2])
						return
					}
					vals := reps[2].Arr[0].Arr
					for _, v := range vals {
						if string(v.Str) != string(vals[0].Str) {
							fail("torn read: %s", reps[2])
							return
						}
					}
					mu.Lock()
					reads++
					mu.Unlock()
					continue
				}
				val := strconv.Itoa(w*1000 + i)
				mset := []string{"mset"}
				for _, j := range rnd.Perm(len(keys)) {
					mset = append(mset, keys[j], val)
				}
				var cmds [][][]byte
				switch rnd.IntN(3) {
				case 0:
					cmds = [][][]byte{argv(mset...)}
				case 1: // in a pipeline, with single-key commands around it
					cmds = [][][]byte{argv("incr", "n"+val), argv(mset...), argv("get", keys[0])}
				default:
					cmds = [][][]byte{argv("multi"), argv(mset...), argv("exec")}
				}
				for _, rep := range s.Exec(ctx, cmds) {
					if rep.Kind == reply.KindError {
						fail("write %q: %s", cmds, rep)
						return
					}
				}
				mu.Lock()
				writes++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d transactional reads, %d cross-shard writes checked", reads, writes)
	if reads == 0 || writes == 0 {
		t.Fatal("nothing checked")
	}
}

// Closing the router while cross-shard MSETs are in flight leaves nobody
// waiting: every call returns, with OK or an error.
func TestCrossShardMsetClose(t *testing.T) {
	r, err := New(Config{Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range keysOnShards(r, 1) {
		keys = append(keys, k...)
	}
	mset := []string{"mset"}
	for _, k := range keys {
		mset = append(mset, k, "v")
	}
	var wg sync.WaitGroup
	calls := make(chan int, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := r.NewSession()
			n := 0
			for ; n < 100000; n++ {
				if rep := s.Do(context.Background(), argv(mset...)); rep.Kind == reply.KindError {
					break
				}
				if n == 100 {
					calls <- n
				}
			}
			t.Logf("%d MSETs before the close", n)
		}()
	}
	<-calls
	r.Close()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(time.Minute):
		t.Fatal("a session still waits after Close")
	}
}
