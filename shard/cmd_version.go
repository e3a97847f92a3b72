package shard

import (
	"bytes"
	"slices"

	"github.com/memshard/memshard/shard/reply"
)

// Versioned access: the handlers behind the key REST routes and checked
// transactions. A key's version is the change number of its last write (see
// Keyspace.stamp); a missing key has version 0. Each handler checks and
// writes in one step on the shard's goroutine, so a conditional write cannot
// race another client's write to the same key.

// Conditions of PutIfVersion and DelIfVersion.
const (
	CondAny    = "any"    // write unconditionally
	CondMatch  = "match"  // the key's version must equal the given one (0: missing)
	CondExists = "exists" // the key must exist (If-Match: *)
	CondAbsent = "absent" // the key must be missing (If-None-Match: *)
)

// GetVersion: [_, key]. Nil when missing, else [value, version].
func GetVersion(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookupRead(args[1])
	if e == nil {
		return reply.Nil()
	}
	if notString(e) {
		return reply.ErrWrongType
	}
	return reply.Array([]reply.Reply{ks.bulk(ks.val(e)), reply.Int(int64(e.ver))})
}

// Versions: [_, key...]. Replies the version of each key, 0 for a missing
// one.
func Versions(ks *Keyspace, args [][]byte) reply.Reply {
	out := make([]reply.Reply, len(args)-1)
	for i, k := range args[1:] {
		var v uint64
		if e := ks.lookup(k); e != nil {
			v = e.ver
		}
		out[i] = reply.Int(int64(v))
	}
	return reply.Array(out)
}

// condHolds reports whether cond holds for e (nil: missing) and version ver.
func condHolds(e *entry, cond []byte, ver int64) (bool, bool) {
	var cur uint64
	if e != nil {
		cur = e.ver
	}
	switch string(cond) {
	case CondAny:
		return true, true
	case CondMatch:
		return cur == uint64(ver), true
	case CondExists:
		return e != nil, true
	case CondAbsent:
		return e == nil, true
	}
	return false, false
}

// PutIfVersion: [_, key, value, cond, version, pttlMs]. Stores value (with a
// TTL when pttlMs > 0, else none) if cond holds. Replies [1, new version,
// existed] when stored, [0, current version, existed] when not; existed is
// 1 when the key existed before the call.
func PutIfVersion(ks *Keyspace, args [][]byte) reply.Reply {
	if len(args) != 6 {
		return reply.ErrSyntax
	}
	ver, ok1 := parseInt(args[4])
	px, ok2 := parseInt(args[5])
	if !ok1 || !ok2 || ver < 0 || px < 0 {
		return reply.ErrNotInt
	}
	e := ks.lookup(args[1])
	if e != nil && notString(e) {
		return reply.ErrWrongType
	}
	holds, known := condHolds(e, args[3], ver)
	if !known {
		return reply.ErrSyntax
	}
	existed := reply.Int(0)
	if e != nil {
		existed = reply.Int(1)
	}
	if !holds {
		return reply.Array([]reply.Reply{reply.Int(0), reply.Int(int64(verOf(e))), existed})
	}
	e, _ = ks.set(args[1], args[2], false)
	if px > 0 {
		ks.setExpire(e, ks.Now()+px)
	}
	return reply.Array([]reply.Reply{reply.Int(1), reply.Int(int64(e.ver)), existed})
}

// DelIfVersion: [_, key, cond, version]. Deletes key if cond holds. Replies
// [1, 0] when a key was deleted, [0, current version] when not (a missing key
// that satisfied the condition replies [0, 0]).
func DelIfVersion(ks *Keyspace, args [][]byte) reply.Reply {
	if len(args) != 4 {
		return reply.ErrSyntax
	}
	ver, ok := parseInt(args[3])
	if !ok || ver < 0 {
		return reply.ErrNotInt
	}
	e := ks.lookup(args[1])
	holds, known := condHolds(e, args[2], ver)
	if !known {
		return reply.ErrSyntax
	}
	if !holds || e == nil {
		return reply.Array([]reply.Reply{reply.Int(0), reply.Int(int64(verOf(e)))})
	}
	ks.remove(args[1])
	return reply.Array([]reply.Reply{reply.Int(1), reply.Int(0)})
}

func verOf(e *entry) uint64 {
	if e == nil {
		return 0
	}
	return e.ver
}

// KeysWithPrefix: [_, prefix, limit]. Replies the live keys that start with
// prefix in byte order, the first limit of them (0: all).
func KeysWithPrefix(ks *Keyspace, args [][]byte) reply.Reply {
	prefix := args[1]
	limit, ok := parseInt(args[2])
	if !ok || limit < 0 {
		return reply.ErrNotInt
	}
	var keys []string
	ks.d.each(func(c int32) bool {
		e := ks.d.at(c)
		if k := ks.key(e); bytes.HasPrefix(k, prefix) && !ks.expired(e) {
			keys = append(keys, string(k))
		}
		return true
	})
	slices.Sort(keys)
	if limit > 0 && int64(len(keys)) > limit {
		keys = keys[:limit]
	}
	out := make([]reply.Reply, len(keys))
	for i, k := range keys {
		out[i] = ks.bulkStr(k)
	}
	return reply.Array(out)
}

// DelPrefix: [_, prefix]. Deletes every live key that starts with prefix and
// replies how many. The deletions are one change (one version number).
func DelPrefix(ks *Keyspace, args [][]byte) reply.Reply {
	prefix := args[1]
	var doomed [][]byte
	ks.d.each(func(c int32) bool {
		e := ks.d.at(c)
		if k := ks.key(e); bytes.HasPrefix(k, prefix) {
			doomed = append(doomed, bytes.Clone(k))
		}
		return true
	})
	n := int64(0)
	for _, k := range doomed {
		if ks.remove(k) {
			n++
		}
	}
	return reply.Int(n)
}
