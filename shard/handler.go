package shard

import "github.com/memshard/memshard/shard/reply"

// Handler executes one command against a keyspace on the shard's goroutine
// and returns its reply. args[0] is the command name as the client sent it;
// the router has already checked the arity from its command table, so a
// handler may index the arguments that arity guarantees. A bulk reply must be
// made with ks.bulk (copied into the batch arena), never alias a
// stored value.
type Handler func(ks *Keyspace, args [][]byte) reply.Reply
