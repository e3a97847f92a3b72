// Package shard is one keyspace and the goroutine that owns it.
//
// A Shard runs on a goroutine of its own and is the only code that touches
// its Keyspace: the index (dict.go), the values' bytes in slabs (slab.go),
// expiry (lazy on access, plus an active cycle that samples keys with a
// TTL) and the versions WATCH and /v1/kv read. Nothing in it takes a lock
// on data. Work arrives as a Batch of Ops (one per command, each naming a
// Handler from cmd_*.go) through the shard's mailbox; the shard runs a
// batch's ops back to back, writes each reply into its Op, and hands the
// batch back on its Done channel. Bulk replies point into the batch's
// arena, so building them does not allocate per command.
//
// Steps that must hold several shards at once (transactions, cross-shard
// RENAME, atomic MSET) use a Lease or a Barrier: the router reserves the
// shards in ascending order, and each reserved shard runs only that step
// until it is released.
//
// The typed replies handlers return live in the sub-package reply, so that
// transports, which render them, never import this package.
package shard
