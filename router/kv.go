package router

import (
	"bytes"
	"context"
	"slices"
	"strconv"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// Versioned single-key access for the key REST interface (GET/PUT/DELETE of
// one key with ETag and If-Match). Each call is one step on the key's shard:
// the condition and the write cannot be separated by another client's write.

// Cond is the precondition of a conditional write.
type Cond uint8

// Conditions of KVPut and KVDelete.
const (
	CondAny    Cond = iota // none
	CondMatch              // the key's version must be the given one (0: missing)
	CondExists             // the key must exist
	CondAbsent             // the key must not exist
)

// The /v1/kv calls are counted in the command statistics under these names.
var kvGetID, kvPutID, kvDeleteID, kvListID, kvDeletePrefixID int

func addKVNames() {
	kvGetID = LocalCommand("kv.get")
	kvPutID = LocalCommand("kv.put")
	kvDeleteID = LocalCommand("kv.delete")
	kvListID = LocalCommand("kv.list")
	kvDeletePrefixID = LocalCommand("kv.deleteprefix")
}

var condNames = [...][]byte{
	CondAny:    []byte(shard.CondAny),
	CondMatch:  []byte(shard.CondMatch),
	CondExists: []byte(shard.CondExists),
	CondAbsent: []byte(shard.CondAbsent),
}

// KVResult is the outcome of a versioned call. Err is set (an error reply)
// when the call could not run (WRONGTYPE, shutdown, cancelled context).
type KVResult struct {
	Value   []byte // KVGet: the value, valid until the session's next call
	Found   bool   // KVGet: the key exists
	OK      bool   // KVPut/KVDelete: the condition held and the write was made
	Existed bool   // KVPut: the key existed before the call
	Ver     uint64 // the key's version after the call (0: missing)
	Err     reply.Reply
}

// KVGet returns key's value and version.
func (s *Session) KVGet(ctx context.Context, key []byte) KVResult {
	rep := s.runOne(ctx, key, shard.GetVersion, [][]byte{[]byte("getversion"), key})
	s.CountLocal(kvGetID, rep.IsError())
	switch rep.Kind {
	case reply.KindNil:
		return KVResult{}
	case reply.KindArray:
		return KVResult{Value: rep.Arr[0].Str, Found: true, Ver: uint64(rep.Arr[1].Int)}
	}
	return KVResult{Err: rep}
}

// KVPut stores value under key if cond holds (ver is the version CondMatch
// compares with); a positive ttlMs gives the key a TTL, otherwise it has
// none.
func (s *Session) KVPut(ctx context.Context, key, value []byte, cond Cond, ver uint64, ttlMs int64) KVResult {
	args := [][]byte{[]byte("putifversion"), key, value, condNames[cond],
		strconv.AppendUint(nil, ver, 10), strconv.AppendInt(nil, max(ttlMs, 0), 10)}
	rep := s.runOne(ctx, key, shard.PutIfVersion, args)
	s.CountLocal(kvPutID, rep.IsError())
	res := condResult(rep)
	res.Existed = rep.Kind == reply.KindArray && len(rep.Arr) == 3 && rep.Arr[2].Int == 1
	return res
}

// KVDelete deletes key if cond holds. OK is false when the condition failed
// or the key was missing.
func (s *Session) KVDelete(ctx context.Context, key []byte, cond Cond, ver uint64) KVResult {
	args := [][]byte{[]byte("delifversion"), key, condNames[cond], strconv.AppendUint(nil, ver, 10)}
	rep := s.runOne(ctx, key, shard.DelIfVersion, args)
	s.CountLocal(kvDeleteID, rep.IsError())
	return condResult(rep)
}

func condResult(rep reply.Reply) KVResult {
	if rep.Kind != reply.KindArray {
		return KVResult{Err: rep}
	}
	return KVResult{OK: rep.Arr[0].Int == 1, Ver: uint64(rep.Arr[1].Int)}
}

// KeysWithPrefix returns the keys that start with prefix, sorted, at most
// limit of them (0: all). Each shard is read at its own moment, as SCAN
// does: keys written meanwhile may or may not be listed.
func (s *Session) KeysWithPrefix(ctx context.Context, prefix []byte, limit int) ([][]byte, reply.Reply) {
	var keys [][]byte
	lim := strconv.AppendInt(nil, int64(limit), 10)
	for sh := range s.r.shards {
		rep := s.runOn(ctx, sh, shard.KeysWithPrefix, [][]byte{[]byte("keyswithprefix"), prefix, lim})
		if rep.Kind != reply.KindArray {
			s.CountLocal(kvListID, true)
			return nil, rep
		}
		for _, k := range rep.Arr {
			keys = append(keys, bytes.Clone(k.Str))
		}
	}
	s.CountLocal(kvListID, false)
	slices.SortFunc(keys, bytes.Compare)
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	return keys, reply.Reply{}
}

// DeletePrefix deletes every key that starts with prefix and returns how
// many. Each shard deletes its keys in one step; the shards are not one
// transaction.
func (s *Session) DeletePrefix(ctx context.Context, prefix []byte) (int64, reply.Reply) {
	n := int64(0)
	for sh := range s.r.shards {
		rep := s.runOn(ctx, sh, shard.DelPrefix, [][]byte{[]byte("delprefix"), prefix})
		if rep.Kind != reply.KindInt {
			s.CountLocal(kvDeletePrefixID, true)
			return n, rep
		}
		n += rep.Int
	}
	s.CountLocal(kvDeletePrefixID, false)
	return n, reply.Reply{}
}

// runOne runs a shard handler on key's shard.
func (s *Session) runOne(ctx context.Context, key []byte, fn shard.Handler, args [][]byte) reply.Reply {
	return s.runOn(ctx, s.r.ShardOf(key), fn, args)
}

// runOn runs a shard handler on shard sh outside any transaction.
func (s *Session) runOn(ctx context.Context, sh int, fn shard.Handler, args [][]byte) reply.Reply {
	if s.multi {
		return errAtomicInMulti
	}
	s.scratch.Arena = s.scratch.Arena[:0]
	s.tx.ctx = ctx
	return s.tx.run(sh, fn, args)
}
