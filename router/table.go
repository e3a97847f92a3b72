package router

import (
	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// table is every command memshard knows, keyed by lower-case name. Arity and
// key positions follow Redis 7's COMMAND output.
var table = map[string]*Command{}

const (
	w  = FlagWrite
	ro = FlagReadOnly
	f  = FlagFast
)

func init() {
	addKeyCommands()
	addServerCommands()
	addKVNames()
}

// addKeyCommands registers the commands that run on the shards of their keys.
func addKeyCommands() {
	single := func(name string, arity int, flags Flags, fn shard.Handler) {
		add(&Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, kind: kindSingle, fn: fn})
	}
	// Strings.
	single("get", 2, ro|f, shard.Get)
	single("set", -3, w, shard.Set)
	single("getset", 3, w|f, shard.GetSet)
	single("getdel", 2, w|f, shard.GetDel)
	single("getex", -2, w|f, shard.GetEx)
	single("setnx", 3, w|f, shard.SetNX)
	single("setex", 4, w, shard.SetEx)
	single("psetex", 4, w, shard.PSetEx)
	single("incr", 2, w|f, shard.Incr)
	single("decr", 2, w|f, shard.Decr)
	single("incrby", 3, w|f, shard.IncrBy)
	single("decrby", 3, w|f, shard.DecrBy)
	single("incrbyfloat", 3, w|f, shard.IncrByFloat)
	single("append", 3, w|f, shard.Append)
	single("strlen", 2, ro|f, shard.StrLen)
	single("getrange", 4, ro, shard.GetRange)
	single("setrange", 4, w, shard.SetRange)
	// Keys and expiry.
	single("expire", -3, w|f, shard.Expire)
	single("pexpire", -3, w|f, shard.PExpire)
	single("expireat", -3, w|f, shard.ExpireAt)
	single("pexpireat", -3, w|f, shard.PExpireAt)
	single("ttl", 2, ro|f, shard.TTL)
	single("pttl", 2, ro|f, shard.PTTL)
	single("expiretime", 2, ro|f, shard.ExpireTime)
	single("pexpiretime", 2, ro|f, shard.PExpireTime)
	single("persist", 2, w|f, shard.Persist)
	single("type", 2, ro|f, shard.Type)

	multi := func(name string, arity int, flags Flags, step int, fn shard.Handler, m merge) *Command {
		c := &Command{Name: name, Arity: arity, Flags: flags | FlagMultiKey, FirstKey: 1, LastKey: -1, Step: step,
			kind: kindMulti, fn: fn, merge: m}
		add(c)
		return c
	}
	multi("mget", -2, ro|f, 1, shard.MGet, mergeOrdered)
	multi("del", -2, w, 1, shard.Del, mergeSum)
	multi("unlink", -2, w|f, 1, shard.Del, mergeSum)
	multi("exists", -2, ro|f, 1, shard.Exists, mergeSum)
	multi("touch", -2, ro|f, 1, shard.Touch, mergeSum)
	// MSET is atomic: its parts on several shards apply as one shard.Barrier.
	mset := multi("mset", -3, w, 2, shard.MSet, mergeOK)
	mset.atomic, mset.check = true, checkPairs
}

// addServerCommands registers fan-out, compound, local and session commands.
func addServerCommands() {
	fan := func(name string, arity int, flags Flags, fn shard.Handler, m merge) {
		add(&Command{Name: name, Arity: arity, Flags: flags | FlagFanOut, kind: kindFanOut, fn: fn, merge: m})
	}
	fan("dbsize", 1, ro|f, shard.DBSize, mergeSum)
	fan("keys", 2, ro, shard.Keys, mergeConcat)
	fan("randomkey", 1, ro, shard.RandomKeyShard, mergeRandom)
	fan("flushall", -1, w|FlagAdmin, shard.Flush, mergeOK)
	fan("flushdb", -1, w|FlagAdmin, shard.Flush, mergeOK)
	table["flushall"].check = checkFlush
	table["flushdb"].check = checkFlush
	// MemFast commands.
	fan("len", 1, ro|f, shard.DBSize, mergeSum)
	fan("isempty", 1, ro|f, shard.DBSize, mergeIsEmpty)
	fan("clear", 1, w|FlagAdmin, shard.Flush, mergeOK)

	compound := func(name string, arity int, flags Flags, first, last, step int, single shard.Handler,
		fn func(x *leased, args [][]byte) reply.Reply) *Command {
		c := &Command{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: step,
			kind: kindCompound, single: single, compound: fn}
		add(c)
		return c
	}
	compound("msetnx", -3, w|FlagMultiKey, 1, -1, 2, shard.MSetNX, msetnxCompound).check = checkPairs
	compound("rename", 3, w, 1, 2, 1, shard.Rename, renameCompound)
	compound("renamenx", 3, w|f, 1, 2, 1, shard.RenameNX, renamenxCompound)
	compound("copy", -3, w, 1, 2, 1, shard.Copy, copyCompound)
	compound("scan", -2, ro|FlagFanOut, 0, 0, 0, nil, scanCompound).check = checkScan
	// DUMP and IMPORT read and write files for as long as the data takes:
	// FlagSlow sends them off the transports' event loops.
	compound("dump", 2, ro|FlagAdmin|FlagFanOut|FlagSlow, 0, 0, 0, nil, dumpCompound)
	compound("import", 2, w|FlagAdmin|FlagFanOut|FlagSlow, 0, 0, 0, nil, importCompound)

	local := func(name string, arity int, flags Flags, fn func(s *Session, args [][]byte) reply.Reply) {
		add(&Command{Name: name, Arity: arity, Flags: flags, kind: kindLocal, local: fn})
	}
	local("ping", -1, f, ping)
	local("echo", 2, f, echo)
	local("time", 1, f, timeCmd)

	session := func(name string, arity int, flags Flags) {
		add(&Command{Name: name, Arity: arity, Flags: flags, kind: kindSession})
	}
	session("multi", 1, FlagNoMulti|f)
	session("exec", 1, FlagNoMulti)
	session("discard", 1, FlagNoMulti|f)
	session("watch", -2, FlagNoMulti|f)
	session("unwatch", 1, f)
	table["watch"].FirstKey, table["watch"].LastKey, table["watch"].Step = 1, -1, 1
}

func add(c *Command) {
	table[c.Name] = c
	if c.Flags&FlagSlow != 0 {
		slowFirst[len(c.Name)] |= 1 << (c.Name[0] - 'a')
	}
	c.id = uint16(nameID(c.Name))
	h := nameHash([]byte(c.Name))
	for i := h; ; i = (i + 1) & (len(fastTable) - 1) {
		if fastTable[i] == nil {
			fastTable[i] = c
			return
		}
	}
}

// fastTable is the command table as an open-addressed array keyed by
// nameHash: looking a name up costs a few multiplications and one compare,
// which matters when every pipelined command starts with it.
var fastTable [1024]*Command

// nameHash hashes a command name case-insensitively (ASCII).
func nameHash(name []byte) int {
	var h uint64 = uint64(len(name))
	for _, c := range name {
		h = (h ^ uint64(c|0x20)) * 0x100000001b3
	}
	return int((h * 0x9E3779B97F4A7C15) >> (64 - 10))
}

// lookup finds a command by name in any letter case without allocating.
func lookup(name []byte) *Command {
	if len(name) > 24 {
		return nil
	}
	for i := nameHash(name); ; i = (i + 1) & (len(fastTable) - 1) {
		c := fastTable[i]
		if c == nil {
			return nil
		}
		if len(c.Name) == len(name) && equalFold(name, c.Name) {
			return c
		}
	}
}

// slowFirst[n] has bit c-'a' set when a FlagSlow command of n letters
// starts with c, so Slow rules nearly every name out without a lookup.
var slowFirst [25]uint32

// Slow reports whether name (any case) is a command marked FlagSlow: one a
// transport must not run on an event loop. It costs a table lookup only
// for names of a slow command's length and first letter.
func Slow(name []byte) bool {
	if len(name) == 0 || len(name) >= len(slowFirst) || slowFirst[len(name)]&(1<<(((name[0]|0x20)-'a')&31)) == 0 {
		return false
	}
	c := lookup(name)
	return c != nil && c.Flags&FlagSlow != 0
}

// Lookup returns the table entry of a command name (any case), or nil. The
// entry is shared: do not modify it.
func Lookup(name []byte) *Command { return lookup(name) }

// Commands calls fn for every command in the table (for COMMAND, metrics).
func Commands(fn func(c *Command)) {
	for _, c := range table {
		fn(c)
	}
}

func checkPairs(args [][]byte) (reply.Reply, bool) {
	if len(args)%2 == 0 {
		return arityError(string(lowerName(args[0]))), true
	}
	return reply.Reply{}, false
}

func checkFlush(args [][]byte) (reply.Reply, bool) {
	if len(args) == 1 {
		return reply.Reply{}, false
	}
	if len(args) == 2 && (equalFold(args[1], "sync") || equalFold(args[1], "async")) {
		return reply.Reply{}, false
	}
	return reply.ErrSyntax, true
}

func lowerName(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// equalFold compares an argument with a lower-case ASCII word the way Redis
// does (case-insensitive, the argument read up to a NUL byte).
func equalFold(b []byte, word string) bool { return shard.EqualFold(b, word) }
