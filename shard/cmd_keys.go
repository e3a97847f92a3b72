package shard

import (
	"bytes"
	"math"

	"github.com/memshard/memshard/shard/reply"
)

// Generic key command handlers (DEL EXISTS TOUCH TYPE RENAME RENAMENX COPY),
// the per-shard parts of the fan-out commands (DBSIZE KEYS SCAN RANDOMKEY
// FLUSHALL), and the primitives the router builds cross-shard commands from
// (Peek Take Put ExistsAny). All run on the shard's goroutine.

// Del: DEL key [key ...] (also UNLINK). Replies how many keys it removed.
func Del(ks *Keyspace, args [][]byte) reply.Reply {
	n := int64(0)
	for _, k := range args[1:] {
		if ks.remove(k) {
			n++
		}
	}
	return reply.Int(n)
}

// Exists: EXISTS key [key ...]. A key named twice counts twice.
func Exists(ks *Keyspace, args [][]byte) reply.Reply {
	n := int64(0)
	for _, k := range args[1:] {
		if ks.lookupRead(k) != nil {
			n++
		}
	}
	return reply.Int(n)
}

// Touch: TOUCH key [key ...]. Replies how many of the keys exist.
func Touch(ks *Keyspace, args [][]byte) reply.Reply { return Exists(ks, args) }

var (
	statusNone   = reply.Reply{Kind: reply.KindStatus, Str: []byte("none")}
	statusString = reply.Reply{Kind: reply.KindStatus, Str: []byte("string")}
)

// Type: TYPE key. Replies the type name as a status, "none" when missing.
func Type(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookupRead(args[1])
	switch {
	case e == nil:
		return statusNone
	case e.typ == typeString:
		return statusString
	}
	return reply.Status(typeName(e.typ))
}

// Rename: RENAME key newkey. The TTL moves with the value.
func Rename(ks *Keyspace, args [][]byte) reply.Reply { return rename(ks, args[1], args[2], false) }

// RenameNX: RENAMENX key newkey. Replies 0 when newkey exists.
func RenameNX(ks *Keyspace, args [][]byte) reply.Reply { return rename(ks, args[1], args[2], true) }

func rename(ks *Keyspace, src, dst []byte, nx bool) reply.Reply {
	e := ks.lookup(src)
	if e == nil {
		return reply.ErrNoSuchKey
	}
	if bytes.Equal(src, dst) {
		if nx {
			return reply.Int(0)
		}
		return reply.OK()
	}
	if nx && ks.lookup(dst) != nil {
		return reply.Int(0)
	}
	ks.copyEntry(e, dst)
	ks.remove(src)
	if nx {
		return reply.Int(1)
	}
	return reply.OK()
}

// copyEntry stores a copy of e's value and TTL under dst, replacing whatever
// dst held. Strings are the only type so far; the other types will copy
// their payload here (RENAME, COPY and the router's Take/Put keep working).
func (ks *Keyspace) copyEntry(e *entry, dst []byte) {
	at := ks.expireAt(e)
	d, _ := ks.set(dst, ks.val(e), false)
	if at != 0 {
		ks.setExpire(d, at)
	}
}

// CopyOptions parses COPY's options (args from position 3) as Redis does:
// DB 0 is this database, 1-15 are refused (there is one database), anything
// else is out of range. ok is false when rep is the error to return.
func CopyOptions(args [][]byte) (replace bool, rep reply.Reply, ok bool) {
	db := int64(0)
	for j := 3; j < len(args); j++ {
		switch {
		case eqFold(args[j], "REPLACE"):
			replace = true
		case eqFold(args[j], "DB") && j+1 < len(args):
			j++
			n, ok := parseInt(args[j])
			if !ok {
				return false, reply.ErrNotInt, false
			}
			if n < math.MinInt32 || n > math.MaxInt32 {
				return false, reply.ErrIntRange, false
			}
			if n < 0 || n >= 16 {
				return false, reply.ErrDBIndex, false
			}
			db = n
		default:
			return false, reply.ErrSyntax, false
		}
	}
	if db != 0 {
		return false, reply.ErrCopyOtherDB, false
	}
	return replace, reply.Reply{}, true
}

// Copy: COPY source destination [DB index] [REPLACE].
func Copy(ks *Keyspace, args [][]byte) reply.Reply {
	replace, rep, ok := CopyOptions(args)
	if !ok {
		return rep
	}
	src, dst := args[1], args[2]
	if bytes.Equal(src, dst) {
		return reply.ErrSameObject
	}
	e := ks.lookupRead(src)
	if e == nil {
		return reply.Int(0)
	}
	if !replace && ks.lookup(dst) != nil {
		return reply.Int(0)
	}
	ks.copyEntry(e, dst)
	return reply.Int(1)
}

// DBSize: the shard's part of DBSIZE, its number of keys, counting expired
// keys not reclaimed yet as Redis does. Also ISEMPTY's and LEN's part.
func DBSize(ks *Keyspace, _ [][]byte) reply.Reply { return reply.Int(int64(ks.Len())) }

// Flush: the shard's part of FLUSHALL/FLUSHDB/CLEAR. Removes every key.
func Flush(ks *Keyspace, _ [][]byte) reply.Reply {
	ks.flush()
	return reply.OK()
}

// Keys: the shard's part of KEYS pattern: its live keys that match, in no
// particular order. Expired keys are skipped, not reclaimed (as in Redis).
func Keys(ks *Keyspace, args [][]byte) reply.Reply {
	pat := args[1]
	all := len(pat) == 1 && pat[0] == '*'
	out := []reply.Reply{}
	ks.d.each(func(c int32) bool {
		e := ks.d.at(c)
		if !ks.expired(e) && (all || Match(pat, ks.key(e), false)) {
			out = append(out, ks.bulk(ks.key(e)))
		}
		return true
	})
	return reply.Array(out)
}

// ScanShard: the shard's part of SCAN, called as
// SCAN localCursor [MATCH pattern] [COUNT n] [TYPE type] with options the
// router has validated. It replies [next local cursor, [keys...]]; the
// cursor is a uint64 carried in the integer reply (convert back with
// uint64(r.Arr[0].Int)), 0 when the shard is done. As Redis does, it visits
// buckets until it has seen COUNT keys (matching or not) or visited 10*COUNT
// buckets, then filters; expired keys it meets are left out and reclaimed.
func ScanShard(ks *Keyspace, args [][]byte) reply.Reply {
	cursor, ok := parseCursor(args[1])
	if !ok {
		return reply.ErrInvalidCursor
	}
	var pat, typ []byte
	count := 10
	for j := 2; j+1 < len(args); j += 2 {
		v := args[j+1]
		switch {
		case eqFold(args[j], "MATCH"):
			if !(len(v) == 1 && v[0] == '*') {
				pat = v
			}
		case eqFold(args[j], "COUNT"):
			n, ok := parseInt(v)
			if !ok || n < 1 {
				return reply.ErrSyntax
			}
			count = int(min(n, math.MaxInt32))
		case eqFold(args[j], "TYPE"):
			typ = v
		default:
			return reply.ErrSyntax
		}
	}
	if len(args)%2 != 0 {
		return reply.ErrSyntax
	}
	keys := []reply.Reply{}
	var expired []string
	seen := 0
	for visits := 0; ; visits++ {
		cursor = ks.d.scan(cursor, func(c int32) {
			seen++
			e := ks.d.at(c)
			switch {
			case ks.expired(e):
				expired = append(expired, string(ks.key(e)))
			case pat != nil && !Match(pat, ks.key(e), false):
			case typ != nil && !eqFold(typ, typeName(e.typ)):
			default:
				keys = append(keys, ks.bulk(ks.key(e)))
			}
		})
		if cursor == 0 || seen >= count || visits >= count*10 {
			break
		}
	}
	for _, k := range expired {
		ks.lookupString(k) // reclaims it
	}
	return reply.Array([]reply.Reply{reply.Int(int64(cursor)), reply.Array(keys)})
}

// parseCursor parses a SCAN cursor: decimal digits within uint64.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' || v > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// randomTries is how many random draws RandomKeyShard makes before it falls
// back to a walk of the table (every draw that hits an expired key reclaims
// it, as Redis's dbRandomKey does).
const randomTries = 100

// RandomKeyShard: the shard's part of RANDOMKEY. Replies [key or nil,
// number of keys in the shard] so that the router can weigh the shards; the
// count is 0 when the shard has no live key.
func RandomKeyShard(ks *Keyspace, _ [][]byte) reply.Reply {
	for i := 0; i < randomTries; i++ {
		c := ks.d.random()
		if c == 0 {
			return reply.Array([]reply.Reply{reply.Nil(), reply.Int(0)})
		}
		e := ks.d.at(c)
		if !ks.expired(e) {
			return reply.Array([]reply.Reply{ks.bulk(ks.key(e)), reply.Int(int64(ks.Len()))})
		}
		ks.expire(e)
	}
	// Mostly expired keys: any live key will do.
	var live int32
	ks.d.each(func(c int32) bool {
		if !ks.expired(ks.d.at(c)) {
			live = c
			return false
		}
		return true
	})
	if live == 0 {
		return reply.Array([]reply.Reply{reply.Nil(), reply.Int(0)})
	}
	return reply.Array([]reply.Reply{ks.bulk(ks.key(ks.d.at(live))), reply.Int(int64(ks.Len()))})
}

// peek is Peek's reply for a live entry.
func (ks *Keyspace) peek(e *entry) reply.Reply {
	return reply.Array([]reply.Reply{ks.bulk(ks.val(e)), reply.Int(ks.expireAt(e)), ks.bulkStr(typeName(e.typ)), reply.Int(int64(e.ver))})
}

// Peek: [_, key]. Nil when missing, else [value, expireAt unix ms or 0,
// type name, version]. For the router's cross-shard commands.
func Peek(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookup(args[1])
	if e == nil {
		return reply.Nil()
	}
	return ks.peek(e)
}

// Take: [_, key]. Peek, then delete the key.
func Take(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookup(args[1])
	if e == nil {
		return reply.Nil()
	}
	r := ks.peek(e)
	ks.remove(args[1])
	return r
}

// Put: [_, key, value, expireAtMs, mode [, version]]: stores value with the
// absolute expiry (0: none) when mode is "replace", or only if key is missing
// when mode is "nx". With a version (a rollback restoring a key), the key
// gets that version back instead of a new one. Replies 1 when stored, 0 when
// not.
func Put(ks *Keyspace, args [][]byte) reply.Reply {
	if len(args) != 5 && len(args) != 6 {
		return reply.ErrSyntax
	}
	var ver int64
	if len(args) == 6 {
		v, ok := parseInt(args[5])
		if !ok || v < 0 {
			return reply.ErrNotInt
		}
		ver = v
	}
	at, ok := parseInt(args[3])
	if !ok || at < 0 {
		return reply.ErrNotInt
	}
	switch {
	case eqFold(args[4], "REPLACE"):
	case eqFold(args[4], "NX"):
		if ks.lookup(args[1]) != nil {
			return reply.Int(0)
		}
	default:
		return reply.ErrSyntax
	}
	e, _ := ks.set(args[1], args[2], false)
	if at != 0 {
		ks.setExpire(e, at)
	}
	if ver != 0 {
		e.ver = uint64(ver)
	}
	return reply.Int(1)
}

// ExistsAny: [_, key...]. Replies how many of the keys exist (MSETNX's check).
func ExistsAny(ks *Keyspace, args [][]byte) reply.Reply {
	n := int64(0)
	for _, k := range args[1:] {
		if ks.lookup(k) != nil {
			n++
		}
	}
	return reply.Int(n)
}
