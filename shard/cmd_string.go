package shard

import (
	"math"

	"github.com/memshard/memshard/shard/reply"
)

// String command handlers. Each is a Handler: it runs on the shard's
// goroutine, args[0] is the command name and the router has checked Redis's
// arity. Replies and error texts are Redis 7's.

// Options of SET and GETEX.
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT

	optExpire = optEX | optPX | optEXAT | optPXAT
)

// setOpts is the parsed option list of SET or GETEX.
type setOpts struct {
	flags  int
	expire []byte // the argument of EX, PX, EXAT or PXAT
}

// parseSetOpts parses args as SET's options (forSet) or GETEX's, with the
// rules of Redis's parseExtendedStringArgumentsOrReply: a repeated option is
// allowed, conflicting ones are a syntax error. The expire value is only
// parsed later, by when.
func parseSetOpts(args [][]byte, forSet bool) (setOpts, bool) {
	var o setOpts
	for j := 0; j < len(args); j++ {
		a := args[j]
		hasNext := j+1 < len(args)
		var f int
		switch {
		case forSet && eqFold(a, "NX") && o.flags&optXX == 0:
			f = optNX
		case forSet && eqFold(a, "XX") && o.flags&optNX == 0:
			f = optXX
		case forSet && eqFold(a, "GET"):
			f = optGet
		case forSet && eqFold(a, "KEEPTTL") && o.flags&optExpire == 0:
			f = optKeepTTL
		case !forSet && eqFold(a, "PERSIST") && o.flags&optExpire == 0:
			f = optPersist
		case eqFold(a, "EX"):
			f = optEX
		case eqFold(a, "PX"):
			f = optPX
		case eqFold(a, "EXAT"):
			f = optEXAT
		case eqFold(a, "PXAT"):
			f = optPXAT
		default:
			return o, false
		}
		if f&optExpire != 0 {
			// One expire option only (repeating the same one is allowed),
			// never with KEEPTTL or PERSIST, and it needs its argument.
			if !hasNext || o.flags&(optExpire&^f|optKeepTTL|optPersist) != 0 {
				return o, false
			}
			j++
			o.expire = args[j]
		}
		o.flags |= f
	}
	return o, true
}

// when returns the absolute expiry in unix ms that o's expire option names.
// bad is the "invalid expire time" error of the calling command.
func (o *setOpts) when(now int64, bad reply.Reply) (int64, reply.Reply, bool) {
	ms, ok := parseInt(o.expire)
	if !ok {
		return 0, reply.ErrNotInt, false
	}
	seconds := o.flags&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		return 0, bad, false
	}
	if seconds {
		ms *= 1000
	}
	if o.flags&(optEX|optPX) != 0 {
		if ms > math.MaxInt64-now {
			return 0, bad, false
		}
		ms += now
	}
	return ms, reply.Reply{}, true
}

// Get: GET key.
func Get(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookupRead(args[1])
	if e == nil {
		return reply.Nil()
	}
	if notString(e) {
		return reply.ErrWrongType
	}
	return ks.bulk(ks.val(e))
}

// Set: SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL].
func Set(ks *Keyspace, args [][]byte) reply.Reply {
	if len(args) == 3 {
		ks.set(args[1], args[2], false)
		return reply.OK()
	}
	o, ok := parseSetOpts(args[3:], true)
	if !ok {
		return reply.ErrSyntax
	}
	return setGeneric(ks, args[1], args[2], o, reply.ErrInvalidExpire)
}

// setGeneric runs SET with parsed options; bad is the command's invalid
// expire time error.
func setGeneric(ks *Keyspace, key, val []byte, o setOpts, bad reply.Reply) reply.Reply {
	var at int64
	if o.flags&optExpire != 0 {
		var r reply.Reply
		var ok bool
		if at, r, ok = o.when(ks.Now(), bad); !ok {
			return r
		}
	}
	old := reply.Nil()
	var found bool
	if o.flags&optGet != 0 {
		e := ks.lookupRead(key)
		if e != nil {
			if notString(e) {
				return reply.ErrWrongType
			}
			old = ks.bulk(ks.val(e))
		}
		found = e != nil
	} else {
		found = ks.lookup(key) != nil
	}
	if (o.flags&optNX != 0 && found) || (o.flags&optXX != 0 && !found) {
		return old // nil, or the old value for GET
	}
	e, _ := ks.set(key, val, o.flags&optKeepTTL != 0)
	if at != 0 {
		ks.setExpire(e, at) // part of this write; an EXAT in the past leaves it expired
	}
	if o.flags&optGet != 0 {
		return old
	}
	return reply.OK()
}

// GetSet: GETSET key value (SET key value GET).
func GetSet(ks *Keyspace, args [][]byte) reply.Reply {
	return setGeneric(ks, args[1], args[2], setOpts{flags: optGet}, reply.ErrInvalidExpire)
}

// SetNX: SETNX key value. Replies 1 when it set the key, 0 when it existed.
func SetNX(ks *Keyspace, args [][]byte) reply.Reply {
	if ks.lookup(args[1]) != nil {
		return reply.Int(0)
	}
	ks.set(args[1], args[2], false)
	return reply.Int(1)
}

// SetEx: SETEX key seconds value.
func SetEx(ks *Keyspace, args [][]byte) reply.Reply {
	return setGeneric(ks, args[1], args[3], setOpts{flags: optEX, expire: args[2]}, reply.ErrInvalidExpireSetEx)
}

// PSetEx: PSETEX key milliseconds value.
func PSetEx(ks *Keyspace, args [][]byte) reply.Reply {
	return setGeneric(ks, args[1], args[3], setOpts{flags: optPX, expire: args[2]}, reply.ErrInvalidExpirePSetEx)
}

// GetDel: GETDEL key. Replies the value and deletes the key.
func GetDel(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookupRead(args[1])
	if e == nil {
		return reply.Nil()
	}
	if notString(e) {
		return reply.ErrWrongType
	}
	r := ks.bulk(ks.val(e))
	ks.remove(args[1])
	return r
}

// GetEx: GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST].
func GetEx(ks *Keyspace, args [][]byte) reply.Reply {
	o, ok := parseSetOpts(args[2:], false)
	if !ok {
		return reply.ErrSyntax
	}
	e := ks.lookupRead(args[1])
	if e == nil {
		return reply.Nil()
	}
	if notString(e) {
		return reply.ErrWrongType
	}
	var at int64
	if o.flags&optExpire != 0 {
		var r reply.Reply
		if at, r, ok = o.when(ks.Now(), reply.ErrInvalidExpireGetEx); !ok {
			return r
		}
	}
	r := ks.bulk(ks.val(e))
	switch {
	case o.flags&(optEXAT|optPXAT) != 0 && at <= ks.Now():
		ks.remove(args[1]) // an absolute time already past deletes the key
	case at != 0:
		ks.setTTL(e, at)
	case o.flags&optPersist != 0 && ks.expireAt(e) != 0:
		ks.setTTL(e, 0)
	}
	return r
}

// MGet: MGET key [key ...]. A missing key or one of another type is nil.
func MGet(ks *Keyspace, args [][]byte) reply.Reply {
	out := make([]reply.Reply, len(args)-1)
	for i, k := range args[1:] {
		if e := ks.lookupRead(k); e != nil && !notString(e) {
			out[i] = ks.bulk(ks.val(e))
		}
	}
	return reply.Array(out)
}

// MSet: MSET key value [key value ...].
func MSet(ks *Keyspace, args [][]byte) reply.Reply {
	if len(args)%2 == 0 {
		return reply.ErrArityMSet
	}
	for i := 1; i < len(args); i += 2 {
		ks.set(args[i], args[i+1], false)
	}
	return reply.OK()
}

// MSetNX: MSETNX key value [key value ...]. Sets all the keys and replies 1,
// or sets none and replies 0 when any of them exists.
func MSetNX(ks *Keyspace, args [][]byte) reply.Reply {
	if len(args)%2 == 0 {
		return reply.ErrArityMSetNX
	}
	for i := 1; i < len(args); i += 2 {
		if ks.lookup(args[i]) != nil {
			return reply.Int(0)
		}
	}
	for i := 1; i < len(args); i += 2 {
		ks.set(args[i], args[i+1], false)
	}
	return reply.Int(1)
}

// Append: APPEND key value. Replies the new length.
func Append(ks *Keyspace, args [][]byte) reply.Reply {
	v := args[2]
	e := ks.lookup(args[1])
	if e == nil {
		ks.set(args[1], v, false)
		return reply.Int(int64(len(v)))
	}
	if notString(e) {
		return reply.ErrWrongType
	}
	if len(ks.val(e))+len(v) > maxStringLen {
		return reply.ErrMaxString
	}
	ks.appendValue(e, v)
	return reply.Int(int64(len(ks.val(e))))
}

// StrLen: STRLEN key. 0 for a missing key.
func StrLen(ks *Keyspace, args [][]byte) reply.Reply {
	e := ks.lookupRead(args[1])
	if e == nil {
		return reply.Int(0)
	}
	if notString(e) {
		return reply.ErrWrongType
	}
	return reply.Int(int64(len(ks.val(e))))
}

// GetRange: GETRANGE key start end, with negative indexes from the end. A
// missing key is the empty string.
func GetRange(ks *Keyspace, args [][]byte) reply.Reply {
	start, ok1 := parseInt(args[2])
	end, ok2 := parseInt(args[3])
	if !ok1 || !ok2 {
		return reply.ErrNotInt
	}
	e := ks.lookupRead(args[1])
	if e == nil {
		return ks.bulk(nil)
	}
	if notString(e) {
		return reply.ErrWrongType
	}
	n := int64(len(ks.val(e)))
	if start < 0 && end < 0 && start > end {
		return ks.bulk(nil)
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return ks.bulk(nil)
	}
	return ks.bulk(ks.val(e)[start : end+1])
}

// SetRange: SETRANGE key offset value. Pads with zero bytes up to offset and
// replies the new length.
func SetRange(ks *Keyspace, args [][]byte) reply.Reply {
	off, ok := parseInt(args[2])
	if !ok {
		return reply.ErrNotInt
	}
	if off < 0 {
		return reply.ErrOffsetRange
	}
	v := args[3]
	e := ks.lookup(args[1])
	if e != nil && notString(e) {
		return reply.ErrWrongType
	}
	if len(v) == 0 { // nothing to write: no key is created
		if e == nil {
			return reply.Int(0)
		}
		return reply.Int(int64(len(ks.val(e))))
	}
	if off > maxStringLen-int64(len(v)) {
		return reply.ErrMaxString
	}
	end := int(off) + len(v)
	if e == nil {
		buf := make([]byte, end)
		copy(buf[off:], v)
		ks.set(args[1], buf, false)
		return reply.Int(int64(end))
	}
	val := ks.val(e)
	if end > len(val) {
		val = append(val, make([]byte, end-len(val))...)
	}
	copy(val[off:], v)
	ks.setValue(e, val)
	return reply.Int(int64(len(val)))
}
