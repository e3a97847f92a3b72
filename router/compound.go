package router

import (
	"strconv"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// Compound commands: several steps over several shards. Outside MULTI the
// session leases every shard the command's keys live on (ascending order), so
// the steps are atomic and isolated; inside MULTI the transaction already
// holds them.

// byShard groups the key positions of args (keys every step arguments from
// position 1) per shard and returns, per shard, an argument vector
// (name, key, [value], ...).
func byShard(x *leased, name string, args [][]byte, step int) map[int][][]byte {
	out := map[int][][]byte{}
	for i := 1; i+step-1 < len(args); i += step {
		sh := x.s.r.ShardOf(args[i])
		if out[sh] == nil {
			out[sh] = [][]byte{[]byte(name)}
		}
		out[sh] = append(out[sh], args[i:i+step]...)
	}
	return out
}

// forShards runs fn for each shard of groups in ascending order.
func forShards(x *leased, groups map[int][][]byte, fn func(sh int, args [][]byte) bool) {
	for sh := range x.s.r.shards {
		if g, ok := groups[sh]; ok && !fn(sh, g) {
			return
		}
	}
}

func msetnxCompound(x *leased, args [][]byte) reply.Reply {
	groups := byShard(x, "mset", args, 2)
	var exists int64
	var rep reply.Reply
	forShards(x, groups, func(sh int, a [][]byte) bool {
		keys := [][]byte{a[0]}
		for i := 1; i < len(a); i += 2 {
			keys = append(keys, a[i])
		}
		rep = x.run(sh, shard.ExistsAny, keys)
		exists += rep.Int
		return !rep.IsError()
	})
	if rep.IsError() {
		return rep
	}
	if exists > 0 {
		return reply.Int(0)
	}
	forShards(x, groups, func(sh int, a [][]byte) bool {
		rep = x.run(sh, shard.MSet, a)
		return !rep.IsError()
	})
	if rep.IsError() {
		return rep
	}
	return reply.Int(1)
}

// move takes src's value from its shard and stores it at dst on another
// shard, keeping the expiry (RENAME across shards).
func move(x *leased, src, dst []byte) reply.Reply {
	v := x.run(x.s.r.ShardOf(src), shard.Take, [][]byte{[]byte("take"), src})
	if v.Kind != reply.KindArray {
		if v.IsError() {
			return v
		}
		return reply.ErrNoSuchKey
	}
	return put(x, dst, v, "replace")
}

// put stores a Peek/Take reply at key.
func put(x *leased, key []byte, v reply.Reply, mode string) reply.Reply {
	at := strconv.AppendInt(nil, v.Arr[1].Int, 10)
	return x.run(x.s.r.ShardOf(key), shard.Put,
		[][]byte{[]byte("put"), key, v.Arr[0].Str, at, []byte(mode)})
}

func renameCompound(x *leased, args [][]byte) reply.Reply {
	rep := move(x, args[1], args[2])
	if rep.IsError() {
		return rep
	}
	return reply.OK()
}

func renamenxCompound(x *leased, args [][]byte) reply.Reply {
	src, dst := args[1], args[2]
	v := x.run(x.s.r.ShardOf(src), shard.Peek, [][]byte{[]byte("peek"), src})
	if v.Kind != reply.KindArray {
		if v.IsError() {
			return v
		}
		return reply.ErrNoSuchKey
	}
	if n := x.run(x.s.r.ShardOf(dst), shard.ExistsAny, [][]byte{[]byte("exists"), dst}); n.Int > 0 || n.IsError() {
		if n.IsError() {
			return n
		}
		return reply.Int(0)
	}
	if rep := move(x, src, dst); rep.IsError() {
		return rep
	}
	return reply.Int(1)
}

// copyCompound is COPY src dst [DB n] [REPLACE] across shards.
func copyCompound(x *leased, args [][]byte) reply.Reply {
	replace, rep, ok := shard.CopyOptions(args)
	if !ok {
		return rep
	}
	v := x.run(x.s.r.ShardOf(args[1]), shard.Peek, [][]byte{[]byte("peek"), args[1]})
	if v.Kind != reply.KindArray {
		if v.IsError() {
			return v
		}
		return reply.Int(0)
	}
	mode := "nx"
	if replace {
		mode = "replace"
	}
	rep = put(x, args[2], v, mode)
	if rep.IsError() {
		return rep
	}
	return reply.Int(rep.Int)
}

// SCAN cursors: the shard index in the top 16 bits, the shard's own dict
// cursor below (dict cursors stay below the bucket count, far under 2^48).
const cursorShardShift = 48

// parseCursor reads a SCAN cursor as Redis 7.0 does with strtoul: an empty
// string is 0, a sign is allowed and "-1" wraps around; leading space,
// trailing garbage and overflow are invalid.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	neg := false
	digits := b
	if digits[0] == '+' || digits[0] == '-' {
		neg = digits[0] == '-'
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}

func checkScan(args [][]byte) (reply.Reply, bool) {
	if _, ok := parseCursor(args[1]); !ok {
		return reply.ErrInvalidCursor, true
	}
	for i := 2; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return reply.ErrSyntax, true
		}
		switch {
		case equalFold(args[i], "count"):
			n, ok := shard.ParseInt(args[i+1])
			if !ok {
				return reply.ErrNotInt, true
			}
			if n < 1 {
				return reply.ErrSyntax, true
			}
		case equalFold(args[i], "match"), equalFold(args[i], "type"):
		default:
			return reply.ErrSyntax, true
		}
	}
	return reply.Reply{}, false
}

// scanCompound walks the shards in order, asking each for the keys under its
// part of the cursor, until COUNT keys were gathered or every shard is done.
func scanCompound(x *leased, args [][]byte) reply.Reply {
	cur, _ := parseCursor(args[1])
	count := int64(10)
	var opts [][]byte
	for i := 2; i+1 < len(args); i += 2 {
		if equalFold(args[i], "count") {
			count, _ = shard.ParseInt(args[i+1])
			continue
		}
		opts = append(opts, args[i], args[i+1])
	}
	sh := int(cur >> cursorShardShift)
	local := cur & (1<<cursorShardShift - 1)
	keys := []reply.Reply{}
	for sh < len(x.s.r.shards) && int64(len(keys)) < count {
		a := [][]byte{[]byte("scan"), strconv.AppendUint(nil, local, 10)}
		a = append(a, opts...)
		a = append(a, []byte("count"), strconv.AppendInt(nil, count-int64(len(keys)), 10))
		rep := x.run(sh, shard.ScanShard, a)
		if rep.IsError() {
			return rep
		}
		keys = append(keys, rep.Arr[1].Arr...)
		local = uint64(rep.Arr[0].Int)
		if local == 0 {
			sh++
		}
	}
	next := uint64(0)
	if sh < len(x.s.r.shards) {
		next = uint64(sh)<<cursorShardShift | local
	}
	return reply.Array([]reply.Reply{reply.Bulk(strconv.AppendUint(nil, next, 10)), reply.Array(keys)})
}
