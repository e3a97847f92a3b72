package shard

// ResetArena empties the bulk arena, as a shard does when it starts a
// batch: tests that call handlers directly use it between commands whose
// replies they have read.
func (ks *Keyspace) ResetArena() { ks.arena = ks.arena[:0] }
