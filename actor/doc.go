// Package actor is memshard's small actor runtime: a batched multi-producer
// single-consumer mailbox that the consumer drains whole per wake-up, one-shot
// reply futures that never strand a goroutine, and a Group that owns the
// start/stop lifecycle of every goroutine it starts.
//
// It knows nothing about keys or commands; package shard builds on it.
package actor
