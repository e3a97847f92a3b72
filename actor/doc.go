// Package actor is memshard's small actor runtime: a batched multi-producer
// single-consumer mailbox that the consumer drains whole per wake-up, and a
// Group that owns the start/stop lifecycle of every goroutine it starts.
// (Replies travel back on each batch's own Done channel, see package shard.)
//
// It knows nothing about keys or commands; package shard builds on it.
package actor
