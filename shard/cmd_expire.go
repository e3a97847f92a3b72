package shard

import (
	"math"

	"github.com/memshard/memshard/shard/reply"
)

// Expiry command handlers: EXPIRE PEXPIRE EXPIREAT PEXPIREAT, TTL PTTL
// EXPIRETIME PEXPIRETIME, PERSIST.

// Conditions of the EXPIRE family.
const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

// Expire: EXPIRE key seconds [NX|XX|GT|LT].
func Expire(ks *Keyspace, args [][]byte) reply.Reply {
	return expireGeneric(ks, args, ks.Now(), true, reply.ErrInvalidExpireExpire)
}

// PExpire: PEXPIRE key milliseconds [NX|XX|GT|LT].
func PExpire(ks *Keyspace, args [][]byte) reply.Reply {
	return expireGeneric(ks, args, ks.Now(), false, reply.ErrInvalidExpirePExpire)
}

// ExpireAt: EXPIREAT key unix-seconds [NX|XX|GT|LT].
func ExpireAt(ks *Keyspace, args [][]byte) reply.Reply {
	return expireGeneric(ks, args, 0, true, reply.ErrInvalidExpireExpireAt)
}

// PExpireAt: PEXPIREAT key unix-milliseconds [NX|XX|GT|LT].
func PExpireAt(ks *Keyspace, args [][]byte) reply.Reply {
	return expireGeneric(ks, args, 0, false, reply.ErrInvalidExpirePExpireAt)
}

// parseExpireFlags parses EXPIRE's trailing options as Redis 7 does: any
// order, repeats allowed, unknown ones and incompatible pairs are errors.
func parseExpireFlags(opts [][]byte) (int, reply.Reply, bool) {
	flags := 0
	for _, o := range opts {
		switch {
		case eqFold(o, "NX"):
			flags |= expNX
		case eqFold(o, "XX"):
			flags |= expXX
		case eqFold(o, "GT"):
			flags |= expGT
		case eqFold(o, "LT"):
			flags |= expLT
		default:
			return 0, reply.Error("ERR Unsupported option " + string(o)), false
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		return 0, reply.ErrNotOneOf, false
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		return 0, reply.ErrGTLTNX, false
	}
	return flags, reply.Reply{}, true
}

// expireGeneric sets key's expiry to base + the time argument (seconds or
// milliseconds). A time already past deletes the key. Replies 1 when the
// expiry was set (or the key deleted), 0 when the key is missing or a
// condition failed.
func expireGeneric(ks *Keyspace, args [][]byte, base int64, seconds bool, bad reply.Reply) reply.Reply {
	flags, r, ok := parseExpireFlags(args[3:])
	if !ok {
		return r
	}
	when, ok := parseInt(args[2])
	if !ok {
		return reply.ErrNotInt
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			return bad
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		return bad
	}
	when += base
	e := ks.lookup(args[1])
	if e == nil {
		return reply.Int(0)
	}
	cur := ks.expireAt(e) // 0: no TTL, an infinite one for GT and LT
	switch {
	case flags&expNX != 0 && cur != 0,
		flags&expXX != 0 && cur == 0,
		flags&expGT != 0 && (cur == 0 || when <= cur),
		flags&expLT != 0 && cur != 0 && when >= cur:
		return reply.Int(0)
	}
	if when <= ks.Now() {
		ks.remove(args[1])
	} else {
		ks.setTTL(e, when)
	}
	return reply.Int(1)
}

// TTL: TTL key. Seconds left (rounded), -1 without a TTL, -2 when missing.
func TTL(ks *Keyspace, args [][]byte) reply.Reply { return ttlGeneric(ks, args[1], false, false) }

// PTTL: PTTL key. Milliseconds left, -1 without a TTL, -2 when missing.
func PTTL(ks *Keyspace, args [][]byte) reply.Reply { return ttlGeneric(ks, args[1], true, false) }

// ExpireTime: EXPIRETIME key. The expiry as unix seconds (rounded), -1, -2.
func ExpireTime(ks *Keyspace, args [][]byte) reply.Reply { return ttlGeneric(ks, args[1], false, true) }

// PExpireTime: PEXPIRETIME key. The expiry as unix ms, -1, -2.
func PExpireTime(ks *Keyspace, args [][]byte) reply.Reply { return ttlGeneric(ks, args[1], true, true) }

func ttlGeneric(ks *Keyspace, key []byte, ms, abs bool) reply.Reply {
	e := ks.lookupRead(key)
	if e == nil {
		return reply.Int(-2)
	}
	if ks.expireAt(e) == 0 {
		return reply.Int(-1)
	}
	t := ks.expireAt(e)
	if !abs {
		t -= ks.Now()
	}
	t = max(t, 0)
	if !ms {
		t = t/1000 + (t%1000+500)/1000 // (t+500)/1000 without overflow
	}
	return reply.Int(t)
}

// Persist: PERSIST key. Replies 1 when a TTL was removed.
func Persist(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookup(args[1])
	if e == nil || ks.expireAt(e) == 0 {
		return reply.Int(0)
	}
	ks.setTTL(e, 0)
	return reply.Int(1)
}
