package shard

import (
	"math"
	"strconv"

	"github.com/memshard/memshard/shard/reply"
)

// Counter command handlers: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.

// Incr: INCR key.
func Incr(ks *Keyspace, args [][]byte) reply.Reply { return incrBy(ks, args[1], 1) }

// Decr: DECR key.
func Decr(ks *Keyspace, args [][]byte) reply.Reply { return incrBy(ks, args[1], -1) }

// IncrBy: INCRBY key increment.
func IncrBy(ks *Keyspace, args [][]byte) reply.Reply {
	n, ok := parseInt(args[2])
	if !ok {
		return reply.ErrNotInt
	}
	return incrBy(ks, args[1], n)
}

// DecrBy: DECRBY key decrement.
func DecrBy(ks *Keyspace, args [][]byte) reply.Reply {
	n, ok := parseInt(args[2])
	if !ok {
		return reply.ErrNotInt
	}
	if n == math.MinInt64 {
		return reply.ErrDecrOverflow
	}
	return incrBy(ks, args[1], -n)
}

// incrBy adds n to the integer stored at key (0 when missing). An existing
// key keeps its TTL.
func incrBy(ks *Keyspace, key []byte, n int64) reply.Reply {
	e := ks.lookup(key)
	var v int64
	if e != nil {
		if notString(e) {
			return reply.ErrWrongType
		}
		var ok bool
		if v, ok = parseInt(ks.val(e)); !ok {
			return reply.ErrNotInt
		}
	}
	if (n < 0 && v < 0 && n < math.MinInt64-v) || (n > 0 && v > 0 && n > math.MaxInt64-v) {
		return reply.ErrOverflow
	}
	v += n
	if e == nil {
		var buf [20]byte
		ks.set(key, strconv.AppendInt(buf[:0], v, 10), false)
	} else {
		ks.scratch = strconv.AppendInt(ks.scratch[:0], v, 10)
		ks.setValue(e, ks.scratch)
	}
	return reply.Int(v)
}

// IncrByFloat: INCRBYFLOAT key increment. The arithmetic is that of the x87
// long double Redis uses on x86-64 and the result is printed as Redis prints
// it (see cmd_float.go), so "10.5" + "0.1" is "10.6" and 3.0e3 is "3000".
// An existing key keeps its TTL.
func IncrByFloat(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookup(args[1])
	var cur ldouble
	if e != nil {
		if notString(e) {
			return reply.ErrWrongType
		}
		var ok bool
		if cur, ok = parseLongDouble(ks.val(e)); !ok {
			return reply.ErrNotFloat
		}
	}
	incr, ok := parseLongDouble(args[2])
	if !ok {
		return reply.ErrNotFloat
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		return reply.ErrNaNInf
	}
	s := formatLongDouble(sum)
	if e == nil {
		ks.set(args[1], s, false)
	} else {
		ks.setValue(e, s)
	}
	return ks.bulk(s)
}
