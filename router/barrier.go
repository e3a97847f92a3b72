package router

// sendBarrier sends the planned batches as one shard.Barrier: every shard with
// work parks on reaching its batch until all of them have, so the batches
// apply as one step (a cross-shard MSET is atomic without leasing its
// shards one after another). It returns how many batches it sent.
func (s *Session) sendBarrier() int {
	s.members = s.members[:0]
	for sh, b := range s.batches {
		if len(b.Ops) > 0 {
			s.members = append(s.members, s.r.shards[sh])
		}
	}
	g := s.stepBarrier
	g.Reset(s.members)
	sent := 0
	s.r.order.Lock()
	for sh, b := range s.batches {
		if len(b.Ops) == 0 {
			continue
		}
		b.Barrier = g
		if !s.r.shards[sh].Send(b) {
			failBatch(b)
			g.Abandon()
			continue
		}
		sent++
	}
	s.r.order.Unlock()
	return sent
}
