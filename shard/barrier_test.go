package shard

import (
	"sync/atomic"
	"testing"

	"github.com/memshard/memshard/actor"
	"github.com/memshard/memshard/shard/reply"
)

// startShards runs n shards sharing one change counter.
func startShards(t *testing.T, n int) ([]*Shard, *actor.Group) {
	t.Helper()
	g := actor.NewGroup()
	seq := new(atomic.Uint64)
	var out []*Shard
	for i := range n {
		s := New(i, Config{Seq: seq})
		if err := s.Start(g); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	t.Cleanup(func() {
		for _, s := range out {
			s.Stop()
		}
		g.Wait()
	})
	return out, g
}

func argsOf(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

// Every member of a group runs its batch, and all of the group's writes
// carry one change number, above every earlier write on the members.
func TestGroupOneChangeNumber(t *testing.T) {
	shards, _ := startShards(t, 3)
	done := make(chan *Batch, 3)
	plain := &Batch{Done: done}
	plain.Add(Set, argsOf("set", "before", "x"))
	shards[2].Send(plain)
	<-done

	var g Barrier
	for round := range 50 {
		g.Reset(shards)
		for _, s := range shards {
			b := &Batch{Done: done, Barrier: &g}
			b.Add(MSet, argsOf("mset", "a", "1", "b", "2"))
			b.Add(Set, argsOf("set", "c", "3"))
			if !s.Send(b) {
				t.Fatal("send refused")
			}
		}
		var vers []int64
		for range shards {
			b := <-done
			if b.Err || b.Ops[0].Reply.String() != "OK" {
				t.Fatalf("round %d: %v", round, b.Ops[0].Reply)
			}
		}
		for _, s := range shards {
			r := s.Call(func(ks *Keyspace) reply.Reply { return Versions(ks, argsOf("versions", "a", "b", "c")) })
			for _, v := range r.Arr {
				vers = append(vers, v.Int)
			}
		}
		for _, v := range vers {
			if v != vers[0] || v == 0 {
				t.Fatalf("round %d: versions %v, want one number", round, vers)
			}
		}
		before := shards[2].Call(func(ks *Keyspace) reply.Reply { return Versions(ks, argsOf("versions", "before")) })
		if before.Arr[0].Int >= vers[0] {
			t.Fatalf("round %d: group's number %d not above an earlier write's %d", round, vers[0], before.Arr[0].Int)
		}
	}
}

// A member whose shard has stopped is abandoned by the sender; the others
// still run instead of waiting for it.
func TestGroupAbandonedMember(t *testing.T) {
	shards, _ := startShards(t, 2)
	shards[1].Stop()
	for shards[1].Send(&Batch{Done: make(chan *Batch, 1)}) {
		// Stop is asynchronous: wait until the mailbox refuses.
	}
	var g Barrier
	g.Reset(shards)
	done := make(chan *Batch, 2)
	b0 := &Batch{Done: done, Barrier: &g}
	b0.Add(Set, argsOf("set", "a", "1"))
	if !shards[0].Send(b0) {
		t.Fatal("live shard refused")
	}
	b1 := &Batch{Done: done, Barrier: &g}
	b1.Add(Set, argsOf("set", "b", "1"))
	if shards[1].Send(b1) {
		t.Fatal("stopped shard accepted")
	}
	g.Abandon()
	if b := <-done; b != b0 || b.Ops[0].Reply.String() != "OK" {
		t.Fatalf("live member: %v", b.Ops[0].Reply)
	}
}
