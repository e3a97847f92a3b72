package router

import (
	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// Flags describe a command for the transports, ACLs and transactions.
type Flags uint16

// Command flags.
const (
	FlagWrite    Flags = 1 << iota // changes data
	FlagReadOnly                   // only reads data
	FlagFanOut                     // runs on every shard
	FlagMultiKey                   // takes several keys that may live on several shards
	FlagAdmin                      // administrative or dangerous (FLUSHALL, DUMP, IMPORT)
	FlagNoMulti                    // connection-state command: not queued inside MULTI
	FlagFast                       // O(1) or O(log n)
	// FlagSlow marks a command that may take long for reasons other than
	// the shards — files, sleeps (DUMP, IMPORT): transports run it off
	// their event loops, and it is refused inside MULTI, where it would hold
	// every shard for its whole run.
	FlagSlow
)

// kind is how the router executes a command.
type kind uint8

const (
	kindSingle   kind = iota // every key on one shard (usually one key): one op on that shard
	kindMulti                // keys split per shard, one op per shard, replies merged
	kindFanOut               // the same op on every shard, replies merged
	kindLocal                // answered by the router without touching a shard
	kindCompound             // several steps over several shards under leases (MSETNX, RENAME …)
	kindSession              // connection state: MULTI EXEC DISCARD WATCH UNWATCH
)

// merge is how the per-shard replies of a multi-key or fan-out command
// combine into one.
type merge uint8

const (
	mergeNone    merge = iota
	mergeOrdered       // MGET: one reply per key, in the client's key order
	mergeSum           // DEL EXISTS DBSIZE: add the integers
	mergeConcat        // KEYS: concatenate the arrays
	mergeOK            // FLUSHALL: OK unless a shard failed
	mergeIsEmpty       // ISEMPTY: 1 when the sum is 0
	mergeRandom        // RANDOMKEY: one key, shards weighted by their size
)

// Command is one entry of the command table.
type Command struct {
	Name     string // lower case, as Redis reports it in errors
	Arity    int    // Redis convention: n exactly, -n at least n (name included)
	Flags    Flags
	FirstKey int // position of the first key, 0 if none
	LastKey  int // position of the last key; negative counts from the end (-1: last argument)
	Step     int // distance between keys (2 for MSET)

	id       uint16 // index in cmdNames (statistics)
	kind     kind
	fn       shard.Handler // what a shard runs (single, multi, fan-out)
	merge    merge
	atomic   bool                                        // kindMulti: the per-shard parts apply as one step (MSET)
	local    func(s *Session, args [][]byte) reply.Reply // kindLocal
	compound func(x *leased, args [][]byte) reply.Reply  // kindCompound
	single   shard.Handler                               // kindCompound: the handler when every key is on one shard
	check    func(args [][]byte) (reply.Reply, bool)     // optional argument validation before dispatch
}

// arityOK reports whether n arguments (name included) satisfy the arity.
func (c *Command) arityOK(n int) bool {
	if c.Arity >= 0 {
		return n == c.Arity
	}
	return n >= -c.Arity
}

// keys calls fn with the position of every key in args.
func (c *Command) keys(args [][]byte, fn func(pos int)) {
	if c.FirstKey == 0 {
		return
	}
	last := c.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := max(c.Step, 1)
	for i := c.FirstKey; i <= last && i < len(args); i += step {
		fn(i)
	}
}
