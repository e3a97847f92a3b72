package shard

import "sync/atomic"

// Barrier makes batches sent to several shards one atomic step, without
// holding any shard longer than its own batch takes: each member shard parks
// when it reaches its batch until every member has, and the last to arrive
// draws one change number for all of them and starts them. No member runs
// its batch before every member has parked, and nothing else runs on a
// member between its arrival and the end of its batch, so no other command
// sees the writes of some members without those of the others (a
// cross-shard MSET, for one).
//
// Members wait for each other, so the batches of a group and the leases of
// a transaction must reach the shards in one global order: the router
// enqueues every multi-shard reservation under one lock. Two groups queued
// in opposite orders on two shards would wait on each other forever.
//
// A Barrier is reusable once every member's batch has come back on Done.
type Barrier struct {
	members []*Shard
	parked  []atomic.Bool
	left    atomic.Int32
	src     *atomic.Uint64 // change counter (the members share it)
}

// Reset prepares g for one step over members, which it keeps; each member
// must then receive exactly one batch with Barrier g (or leave by Abandon).
func (g *Barrier) Reset(members []*Shard) {
	g.members = members
	if cap(g.parked) < len(members) {
		g.parked = make([]atomic.Bool, len(members))
	}
	g.parked = g.parked[:len(members)]
	for i := range g.parked {
		g.parked[i].Store(false)
	}
	g.left.Store(int32(len(members)))
	if len(members) > 0 {
		g.src = members[0].ks.seqSrc
	}
}

// Abandon withdraws a member whose batch will never run (its shard
// stopped): the others must not wait for it.
func (g *Barrier) Abandon() {
	if g.left.Add(-1) == 0 {
		g.start(-1, g.src.Add(1))
	}
}

// index is s's position among the members.
func (g *Barrier) index(s *Shard) int {
	for i, m := range g.members {
		if m == s {
			return i
		}
	}
	return -1
}

// arrive parks member i until every member has arrived and returns the
// group's change number.
func (g *Barrier) arrive(i int, resume chan uint64) uint64 {
	g.parked[i].Store(true)
	if g.left.Add(-1) == 0 {
		seq := g.src.Add(1)
		g.start(i, seq)
		return seq
	}
	return <-resume
}

// start resumes every parked member but self with change number seq.
func (g *Barrier) start(self int, seq uint64) {
	for j, m := range g.members {
		if j != self && g.parked[j].Load() {
			m.resume <- seq
		}
	}
}

// grouped runs b, a group member's batch, once every member has arrived.
func (s *Shard) grouped(b *Batch) {
	g := b.Barrier
	seq := g.arrive(g.index(s), s.resume)
	s.run(b, seq)
}
