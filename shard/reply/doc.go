// Package reply is the typed command reply every part of memshard passes
// around: a shard's handlers build them, the router merges them, and each
// transport renders them in its own dialect (RESP2/RESP3, JSON, MemFast
// text). It also holds Redis 7's error replies as values, so that returning
// one never allocates. It imports nothing of memshard.
package reply
