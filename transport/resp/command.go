package resp

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// This file answers COMMAND (COUNT, INFO, DOCS, LIST, GETKEYS) from the router's
// command table and the connection commands, in Redis 7.0.15's format.

// ---------------------------------------------------------------------------
// Command metadata

// cmdMeta is what COMMAND and COMMAND DOCS say about a command beyond what
// the router's table holds: Redis's extra flags, ACL categories, tips, key
// specification flags and documentation fields.
type cmdMeta struct {
	name       string // lower case; "client|list" for a subcommand
	group      string
	since      string
	complexity string
	summary    string
	arity      int      // subcommands and connection commands only
	flags      []string // extra command flags (readonly, write, fast come from the router)
	acl        []string // extra ACL categories (@read, @write, @fast, @slow, @admin are derived)
	tips       []string
	specs      [][]string // key specification flags, one entry per spec; nil: one derived spec
	subs       []*cmdMeta
}

// metaTable lists every command memshard knows with its Redis 7.0
// metadata, one line each:
//
//	name|group|since|complexity|extra flags|extra ACL categories|tips|key spec flags (specs split by ;)|summary
//
// The summaries are memshard's own words. A router command missing here still
// appears in COMMAND, with metadata derived from its router flags.
const metaTable = `get|string|1.0.0|O(1)||@string||RO access|Returns the string value of a key.
set|string|1.0.0|O(1)|denyoom|@string||RW access update variable_flags|Sets the string value of a key, optionally with an expiry and conditions.
getset|string|1.0.0|O(1)|denyoom|@string||RW access update|Sets a key's string value and returns its previous value.
getdel|string|6.2.0|O(1)||@string||RW access delete|Returns a key's string value and deletes the key.
getex|string|6.2.0|O(1)||@string||RW access update|Returns a key's string value and changes its expiry.
setnx|string|1.0.0|O(1)|denyoom|@string||OW insert|Sets a key's string value only when the key does not exist.
setex|string|2.0.0|O(1)|denyoom|@string||OW update|Sets a key's string value and its expiry in seconds.
psetex|string|2.6.0|O(1)|denyoom|@string||OW update|Sets a key's string value and its expiry in milliseconds.
incr|string|1.0.0|O(1)|denyoom|@string||RW access update|Increments the integer value of a key by one.
decr|string|1.0.0|O(1)|denyoom|@string||RW access update|Decrements the integer value of a key by one.
incrby|string|1.0.0|O(1)|denyoom|@string||RW access update|Increments the integer value of a key by a number.
decrby|string|1.0.0|O(1)|denyoom|@string||RW access update|Decrements the integer value of a key by a number.
incrbyfloat|string|2.6.0|O(1)|denyoom|@string||RW access update|Increments the floating point value of a key by a number.
append|string|2.0.0|O(1)|denyoom|@string||RW insert|Appends a string to the value of a key, creating the key when needed.
strlen|string|2.2.0|O(1)||@string||RO|Returns the length of a string value.
getrange|string|2.4.0|O(N) where N is the length of the returned string||@string||RO access|Returns a substring of a string value.
setrange|string|2.2.0|O(1), not counting the time to copy the new string|denyoom|@string||RW update|Overwrites part of a string value from an offset.
expire|generic|1.0.0|O(1)||@keyspace||RW update|Sets a key's time to live in seconds.
pexpire|generic|2.6.0|O(1)||@keyspace||RW update|Sets a key's time to live in milliseconds.
expireat|generic|1.2.0|O(1)||@keyspace||RW update|Sets a key's expiry as a Unix time in seconds.
pexpireat|generic|2.6.0|O(1)||@keyspace||RW update|Sets a key's expiry as a Unix time in milliseconds.
ttl|generic|1.0.0|O(1)||@keyspace|nondeterministic_output|RO access|Returns a key's time to live in seconds.
pttl|generic|2.6.0|O(1)||@keyspace|nondeterministic_output|RO access|Returns a key's time to live in milliseconds.
expiretime|generic|7.0.0|O(1)||@keyspace||RO access|Returns a key's expiry as a Unix time in seconds.
pexpiretime|generic|7.0.0|O(1)||@keyspace||RO access|Returns a key's expiry as a Unix time in milliseconds.
persist|generic|2.2.0|O(1)||@keyspace||RW update|Removes a key's expiry.
type|generic|1.0.0|O(1)||@keyspace||RO|Returns the type of the value stored at a key.
mget|string|1.0.0|O(N) where N is the number of keys||@string|request_policy:multi_shard|RO access|Returns the string values of several keys.
del|generic|1.0.0|O(N) where N is the number of keys||@keyspace|request_policy:multi_shard response_policy:agg_sum|RM delete|Deletes keys and returns how many existed.
unlink|generic|4.0.0|O(1) per key||@keyspace|request_policy:multi_shard response_policy:agg_sum|RM delete|Deletes keys; memory is reclaimed at once as memshard has no lazy free.
exists|generic|3.0.3|O(N) where N is the number of keys||@keyspace|request_policy:multi_shard response_policy:agg_sum|RO|Counts how many of the given keys exist.
touch|generic|3.2.1|O(N) where N is the number of keys||@keyspace|request_policy:multi_shard response_policy:agg_sum|RO|Updates the last access time of keys and counts those that exist.
dbsize|server|1.0.0|O(1)||@keyspace|request_policy:all_shards response_policy:agg_sum||Returns the number of keys.
keys|generic|1.0.0|O(N) where N is the number of keys||@keyspace @dangerous|request_policy:all_shards nondeterministic_output_order||Returns the key names that match a pattern.
randomkey|generic|1.0.0|O(1)||@keyspace|request_policy:all_shards nondeterministic_output||Returns a random key name.
flushall|server|1.0.0|O(N) where N is the number of keys||@keyspace @dangerous|request_policy:all_shards response_policy:all_succeeded||Removes every key.
flushdb|server|1.0.0|O(N) where N is the number of keys||@keyspace @dangerous|request_policy:all_shards response_policy:all_succeeded||Removes every key of the (only) database.
len|server|0.1.0|O(1) per shard||@keyspace|request_policy:all_shards response_policy:agg_sum||MemFast: returns the number of keys.
isempty|server|0.1.0|O(1) per shard||@keyspace|request_policy:all_shards||MemFast: tells whether there are no keys.
clear|server|0.1.0|O(N) where N is the number of keys||@keyspace @dangerous|request_policy:all_shards response_policy:all_succeeded||MemFast: removes every key.
dump|server|0.1.0|O(N) where N is the number of keys|admin noscript|@keyspace @dangerous|||MemFast: writes every key and value to a CSV file inside the dump directory.
import|server|0.1.0|O(N) where N is the number of rows|admin noscript denyoom|@keyspace @dangerous|||Loads keys and values from a CSV file inside the dump directory.
mset|string|1.0.1|O(N) where N is the number of keys|denyoom|@string|request_policy:multi_shard response_policy:all_succeeded|OW update|Sets the string values of several keys atomically.
msetnx|string|1.0.1|O(N) where N is the number of keys|denyoom|@string|request_policy:multi_shard response_policy:agg_min|OW insert|Sets several keys only when none of them exists, atomically.
rename|generic|1.0.0|O(1)||@keyspace||RW access delete;OW update|Renames a key, overwriting the destination.
renamenx|generic|1.0.0|O(1)||@keyspace||RW access delete;OW insert|Renames a key only when the new name does not exist.
copy|generic|6.2.0|O(N) where N is the size of the value|denyoom|@keyspace||RO access;OW update|Copies the value of a key to a new key.
scan|generic|2.8.0|O(1) per call, O(N) for a complete iteration||@keyspace|nondeterministic_output request_policy:special||Iterates over the key names.
ping|connection|1.0.0|O(1)||@connection|request_policy:all_shards response_policy:all_succeeded||Returns PONG, or the given message.
echo|connection|1.0.0|O(1)|loading stale|@connection|||Returns the given string.
time|server|2.6.0|O(1)|loading stale||nondeterministic_output||Returns the server time.
multi|transactions|1.2.0|O(1)|noscript loading stale allow_busy|@transaction|||Starts a transaction.
exec|transactions|1.2.0|Depends on commands in the transaction|noscript loading stale skip_slowlog|@transaction|||Runs the commands queued since MULTI, atomically.
discard|transactions|2.0.0|O(N), when N is the number of queued commands|noscript loading stale allow_busy|@transaction|||Discards the commands queued since MULTI.
watch|transactions|2.2.0|O(1) for every key|noscript loading stale allow_busy|@transaction||RO|Makes the next EXEC conditional on keys staying unchanged.
unwatch|transactions|2.2.0|O(1)|noscript loading stale allow_busy|@transaction|||Forgets every watched key.`

// connMetaTable is the same for the connection commands (conncmd.go), which
// the router does not know; here the flags are complete and the arity is
// the connTable's:
//
//	name|group|since|complexity|flags|extra ACL categories|tips|-|summary
const connMetaTable = `auth|connection|1.0.0|O(N) where N is the number of passwords defined for the user|noscript loading stale fast no_auth allow_busy|@connection|||Authenticates the connection.
hello|connection|6.0.0|O(1)|noscript loading stale fast no_auth allow_busy|@connection|||Handshakes with the server: protocol version, authentication, client name.
quit|connection|1.0.0|O(1)|noscript loading stale fast no_auth allow_busy|@connection|||Closes the connection.
reset|connection|6.2.0|O(1)|noscript loading stale fast no_auth allow_busy|@connection|||Resets the connection.
select|connection|1.0.0|O(1)|loading stale fast|@connection|||Changes the selected database (memshard has only database 0).
client|connection|2.4.0|Depends on subcommand.|||||A container for client connection commands.
wait|generic|3.0.0|O(1)|noscript|@connection|request_policy:all_shards response_policy:agg_min||Waits for replicas (memshard has none: returns 0).
cluster|cluster|3.0.0|Depends on subcommand.|||||A container for Redis Cluster commands (cluster support is disabled).
readonly|cluster|3.0.0|O(1)|loading stale fast|@connection|||Enables read-only queries to a cluster replica (cluster support is disabled).
readwrite|cluster|3.0.0|O(1)|loading stale fast|@connection|||Disables read-only queries to a cluster replica (cluster support is disabled).
debug|server|1.0.0|Depends on subcommand.|admin noscript loading stale|@dangerous|||A container for debugging commands (memshard supports DEBUG SLEEP).
command|server|2.8.13|O(N) where N is the total number of commands|loading stale|@connection|nondeterministic_output_order||Returns detailed information about every command.
config|server|2.0.0|Depends on subcommand.|||||A container for server configuration commands.
info|server|1.0.0|O(1)|loading stale|@dangerous|nondeterministic_output request_policy:all_shards response_policy:special||Returns information and statistics about the server.`

// subMetaTable lists the subcommands memshard implements:
//
//	container|sub|arity|since|complexity|flags|extra ACL categories|tips|summary
const subMetaTable = `client|list|-2|2.4.0|O(N) where N is the number of client connections|admin noscript loading stale|@dangerous @connection|nondeterministic_output|Lists open connections.
client|info|2|6.2.0|O(1)|noscript loading stale|@connection|nondeterministic_output|Returns information about this connection.
client|kill|-3|2.4.0|O(N) where N is the number of client connections|admin noscript loading stale|@dangerous @connection||Closes connections.
client|setname|3|2.6.9|O(1)|noscript loading stale|@connection||Sets the connection name.
client|getname|2|2.6.9|O(1)|noscript loading stale|@connection||Returns the connection name.
client|id|2|5.0.0|O(1)|noscript loading stale|@connection||Returns the unique client ID of the connection.
client|setinfo|4|7.2.0|O(1)|noscript loading stale|@connection||Sets information about the client library.
client|reply|3|3.2.0|O(1)|noscript loading stale|@connection||Tells the server whether to reply to commands.
client|no-evict|3|7.0.0|O(1)|admin noscript loading stale|@dangerous @connection||Sets the client eviction mode of the connection.
client|no-touch|3|7.2.0|O(1)|noscript loading stale|@connection||Controls whether commands of the connection change keys' access times.
command|count|2|2.8.13|O(1)|loading stale|@connection||Returns the number of commands.
command|docs|-2|7.0.0|O(N) where N is the number of commands to look up|loading stale|@connection|nondeterministic_output_order|Returns documentary information about commands.
command|getkeys|-4|2.8.13|O(N) where N is the number of arguments to the command|loading stale|@connection||Extracts the key names from an arbitrary command.
command|info|-2|2.8.13|O(N) where N is the number of commands to look up|loading stale|@connection|nondeterministic_output_order|Returns information about commands.
command|list|-2|7.0.0|O(N) where N is the total number of commands|loading stale|@connection|nondeterministic_output_order|Returns a list of command names.
config|get|-3|2.0.0|O(N) when N is the number of configuration parameters provided|admin noscript loading stale|@dangerous||Returns the effective values of configuration parameters.
config|set|-4|2.0.0|O(N) when N is the number of configuration parameters provided|admin noscript loading stale|@dangerous|request_policy:all_nodes response_policy:all_succeeded|Sets configuration parameters at run time.
config|resetstat|2|2.0.0|O(1)|admin noscript loading stale|@dangerous||Resets the server's statistics.
config|rewrite|2|2.8.0|O(1)|admin noscript loading stale|@dangerous||Persists the effective configuration to file.`

var (
	metaByName = map[string]*cmdMeta{} // top-level commands, from the three tables
	metaOnce   sync.Once
	allEntries []*cmdEntry // every top-level command, sorted by name; built once
	entryIndex map[string]*cmdEntry
)

// cmdEntry is one command as COMMAND reports it.
type cmdEntry struct {
	meta     *cmdMeta
	name     string
	arity    int
	flags    []string
	acl      []string
	first    int
	last     int
	step     int
	specs    [][]string // flags of each key spec
	subs     []*cmdEntry
	internal *router.Command // nil for connection commands and subcommands
}

func words(s string) []string { return strings.Fields(s) }

func parseMeta() {
	for _, line := range strings.Split(metaTable+"\n"+connMetaTable, "\n") {
		p := strings.SplitN(line, "|", 9)
		m := &cmdMeta{name: p[0], group: p[1], since: p[2], complexity: p[3], flags: words(p[4]),
			acl: words(p[5]), tips: words(p[6]), summary: p[8]}
		if p[7] != "" {
			for _, sp := range strings.Split(p[7], ";") {
				m.specs = append(m.specs, words(sp))
			}
		}
		metaByName[m.name] = m
	}
	for _, line := range strings.Split(subMetaTable, "\n") {
		p := strings.SplitN(line, "|", 9)
		parent := metaByName[p[0]]
		arity, _ := strconv.Atoi(p[2])
		parent.subs = append(parent.subs, &cmdMeta{name: p[0] + "|" + p[1], group: parent.group, since: p[3],
			complexity: p[4], arity: arity, flags: words(p[5]), acl: words(p[6]), tips: words(p[7]), summary: p[8]})
	}
}

// flagOrder and aclOrder are the orders in which Redis lists command flags
// and ACL categories.
var (
	flagOrder = words(`write readonly denyoom module admin pubsub noscript blocking loading stale skip_monitor
		skip_slowlog asking fast no_auth may_replicate sentinel only_sentinel no_mandatory_keys no_propagate
		allow_busy`)
	aclOrder = words(`@keyspace @read @write @set @sortedset @list @hash @string @bitmap @hyperloglog @geo
		@stream @pubsub @admin @fast @slow @blocking @dangerous @connection @transaction @scripting`)
)

func orderBy(order, items []string) []string {
	slices.SortStableFunc(items, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		return ia - ib
	})
	return slices.Compact(items)
}

// finish derives the ACL categories from the flags, as Redis's
// setImplicitACLCategories does, and puts both in Redis's order.
func (e *cmdEntry) finish(extraACL []string) {
	e.flags = orderBy(flagOrder, e.flags)
	acl := slices.Clone(extraACL)
	for _, f := range e.flags {
		switch f {
		case "readonly":
			acl = append(acl, "@read")
		case "write":
			acl = append(acl, "@write")
		case "admin":
			acl = append(acl, "@admin", "@dangerous")
		}
	}
	if slices.Contains(e.flags, "fast") {
		acl = append(acl, "@fast")
	} else {
		acl = append(acl, "@slow")
	}
	e.acl = orderBy(aclOrder, acl)
}

func subEntries(m *cmdMeta) []*cmdEntry {
	var subs []*cmdEntry
	for _, sm := range m.subs {
		se := &cmdEntry{meta: sm, name: sm.name, arity: sm.arity, flags: slices.Clone(sm.flags)}
		se.finish(sm.acl)
		subs = append(subs, se)
	}
	return subs
}

// buildEntries assembles the COMMAND table from the router's table, the
// connection commands and the metadata above. The router and connTable
// are complete after init, so this runs once.
func buildEntries() {
	parseMeta()
	entryIndex = map[string]*cmdEntry{}
	router.Commands(func(c *router.Command) {
		e := &cmdEntry{name: c.Name, arity: c.Arity, first: c.FirstKey, last: c.LastKey, step: c.Step, internal: c}
		m := metaByName[c.Name]
		if m == nil {
			m = &cmdMeta{name: c.Name, group: "generic", since: "0.1.0", complexity: "", summary: ""}
			if c.Flags&router.FlagAdmin != 0 {
				m.flags = []string{"admin", "noscript"}
			}
		}
		e.meta = m
		if c.Flags&router.FlagWrite != 0 {
			e.flags = append(e.flags, "write")
		}
		if c.Flags&router.FlagReadOnly != 0 {
			e.flags = append(e.flags, "readonly")
		}
		if c.Flags&router.FlagFast != 0 {
			e.flags = append(e.flags, "fast")
		}
		e.flags = append(e.flags, m.flags...)
		if c.FirstKey > 0 {
			e.specs = m.specs
			if e.specs == nil {
				e.specs = [][]string{derivedSpecFlags(c)}
			}
		}
		e.finish(m.acl)
		entryIndex[e.name] = e
	})
	for name, h := range connTable {
		if entryIndex[name] != nil {
			continue
		}
		m := metaByName[name]
		if m == nil {
			m = &cmdMeta{name: name, group: "connection", since: "0.1.0"}
			if h.noAuth {
				m.flags = []string{"no_auth"}
			}
		}
		e := &cmdEntry{meta: m, name: name, arity: h.arity, flags: slices.Clone(m.flags)}
		e.subs = subEntries(m)
		e.finish(m.acl)
		entryIndex[name] = e
	}
	for _, e := range entryIndex {
		allEntries = append(allEntries, e)
	}
	slices.SortFunc(allEntries, func(a, b *cmdEntry) int { return strings.Compare(a.name, b.name) })
}

func derivedSpecFlags(c *router.Command) []string {
	if c.Flags&router.FlagWrite != 0 {
		return []string{"RW", "update"}
	}
	return []string{"RO", "access"}
}

func entries() []*cmdEntry {
	metaOnce.Do(buildEntries)
	return allEntries
}

func lookupEntry(name []byte) *cmdEntry {
	metaOnce.Do(buildEntries)
	return entryIndex[strings.ToLower(string(name))]
}

// ---------------------------------------------------------------------------
// Replies of COMMAND

func bstr(s string) reply.Reply { return reply.BulkString(s) }

func statuses(ss []string) reply.Reply {
	out := make([]reply.Reply, len(ss))
	for i, s := range ss {
		out[i] = reply.Status(s)
	}
	return reply.Array(out)
}

func bulks(ss []string) reply.Reply {
	out := make([]reply.Reply, len(ss))
	for i, s := range ss {
		out[i] = bstr(s)
	}
	return reply.Array(out)
}

func kvMap(kv ...reply.Reply) reply.Reply { return reply.Reply{Kind: reply.KindMap, Arr: kv} }

// info renders the 10-element COMMAND entry of Redis 7.
func (e *cmdEntry) info() reply.Reply {
	specs := []reply.Reply{}
	switch {
	case len(e.specs) == 1:
		last := e.last
		if last >= 0 {
			last -= e.first
		}
		specs = append(specs, keySpec(e.specs[0], e.first, last, max(e.step, 1)))
	case len(e.specs) > 1: // RENAME, COPY: one spec per key position
		for i, fl := range e.specs {
			specs = append(specs, keySpec(fl, e.first+i*max(e.step, 1), 0, 1))
		}
	}
	subs := make([]reply.Reply, len(e.subs))
	for i, s := range e.subs {
		subs[i] = s.info()
	}
	return reply.Array([]reply.Reply{
		bstr(e.name), reply.Int(int64(e.arity)), statuses(e.flags),
		reply.Int(int64(e.first)), reply.Int(int64(e.last)), reply.Int(int64(e.step)),
		statuses(e.acl), bulks(e.meta.tips), reply.Array(specs), reply.Array(subs),
	})
}

func keySpec(flags []string, index, lastKey, step int) reply.Reply {
	return kvMap(
		bstr("flags"), statuses(flags),
		bstr("begin_search"), kvMap(bstr("type"), bstr("index"), bstr("spec"), kvMap(bstr("index"), reply.Int(int64(index)))),
		bstr("find_keys"), kvMap(bstr("type"), bstr("range"), bstr("spec"), kvMap(
			bstr("lastkey"), reply.Int(int64(lastKey)), bstr("keystep"), reply.Int(int64(step)), bstr("limit"), reply.Int(0))),
	)
}

// docs renders the COMMAND DOCS map of one command.
func (e *cmdEntry) docs() reply.Reply {
	m := e.meta
	kv := []reply.Reply{bstr("summary"), bstr(m.summary), bstr("since"), bstr(m.since),
		bstr("group"), bstr(m.group), bstr("complexity"), bstr(m.complexity)}
	if len(e.subs) > 0 {
		subs := make([]reply.Reply, 0, 2*len(e.subs))
		for _, s := range e.subs {
			subs = append(subs, bstr(s.name), s.docs())
		}
		kv = append(kv, bstr("subcommands"), kvMap(subs...))
	}
	return kvMap(kv...)
}

func errSubArity(full string) reply.Reply {
	return reply.Error("ERR wrong number of arguments for '" + full + "' command")
}

// errUnknownSub quotes at most 128 bytes of the subcommand, up to a NUL, as
// Redis's "%.128s" does.
func errUnknownSub(sub []byte, container string) reply.Reply {
	sub = cstr(sub)
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return reply.Error("ERR unknown subcommand '" + string(sub) + "'. Try " + container + " HELP.")
}

// cmdCommand is COMMAND [COUNT | INFO [name ...] | DOCS [name ...] | LIST
// [FILTERBY MODULE m | ACLCAT c | PATTERN p] | GETKEYS cmd arg ...].
func cmdCommand(c *conn, args [][]byte) {
	all := entries()
	if len(args) == 1 {
		out := make([]reply.Reply, len(all))
		for i, e := range all {
			out[i] = e.info()
		}
		c.reply(reply.Array(out))
		return
	}
	sub := args[1]
	switch {
	case eq(sub, "count"):
		if len(args) != 2 {
			c.reply(errSubArity("command|count"))
			return
		}
		c.reply(reply.Int(int64(len(all))))
	case eq(sub, "info"):
		if len(args) == 2 {
			cmdCommand(c, args[:1])
			return
		}
		out := make([]reply.Reply, 0, len(args)-2)
		for _, name := range args[2:] {
			if e := lookupEntry(name); e != nil {
				out = append(out, e.info())
			} else {
				out = append(out, reply.Nil())
			}
		}
		c.reply(reply.Array(out))
	case eq(sub, "docs"):
		var kv []reply.Reply
		if len(args) == 2 {
			for _, e := range all {
				kv = append(kv, bstr(e.name), e.docs())
			}
		}
		for _, name := range args[min(2, len(args)):] {
			if e := lookupEntry(name); e != nil {
				kv = append(kv, bstr(e.name), e.docs())
			}
		}
		c.reply(kvMap(kv...))
	case eq(sub, "list"):
		c.reply(commandList(args[2:]))
	case eq(sub, "getkeys"):
		if len(args) < 4 {
			c.reply(errSubArity("command|getkeys"))
			return
		}
		c.reply(getKeys(args[2:]))
	case eq(sub, "help") && len(args) == 2:
		c.reply(bulks([]string{
			"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"(no subcommand)", "    Return details about all commands.",
			"COUNT", "    Return the total number of commands.",
			"LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]", "    Return a list of all commands.",
			"INFO [<command-name> ...]", "    Return details about the given commands, or all of them.",
			"DOCS [<command-name> ...]", "    Return documentation details about the given commands, or all of them.",
			"GETKEYS <full-command>", "    Return the keys from a full command.",
			"HELP", "    Print this help.",
		}))
	default:
		c.reply(errUnknownSub(sub, "COMMAND"))
	}
}

func commandList(args [][]byte) reply.Reply {
	match := func(*cmdEntry) bool { return true }
	switch {
	case len(args) == 0:
	case len(args) == 3 && eq(args[0], "filterby"):
		v := args[2]
		switch {
		case eq(args[1], "module"):
			match = func(*cmdEntry) bool { return false } // no modules
		case eq(args[1], "aclcat"):
			cat := "@" + strings.ToLower(string(v))
			match = func(e *cmdEntry) bool { return slices.Contains(e.acl, cat) }
		case eq(args[1], "pattern"):
			match = func(e *cmdEntry) bool { return shard.Match(v, []byte(e.name), true) }
		default:
			return reply.ErrSyntax
		}
	default:
		return reply.ErrSyntax
	}
	out := []reply.Reply{}
	for _, e := range entries() {
		if match(e) {
			out = append(out, bstr(e.name))
		}
		for _, s := range e.subs {
			if match(s) {
				out = append(out, bstr(s.name))
			}
		}
	}
	return reply.Array(out)
}

// getKeys is COMMAND GETKEYS: the key arguments of a full command.
func getKeys(cmd [][]byte) reply.Reply {
	e := lookupEntry(cmd[0])
	switch {
	case e == nil:
		return reply.Error("ERR Invalid command specified")
	case e.arity >= 0 && len(cmd) != e.arity || e.arity < 0 && len(cmd) < -e.arity:
		return reply.Error("ERR Invalid number of arguments specified for command")
	case e.first == 0:
		return reply.Error("ERR The command has no key arguments")
	}
	last := e.last
	if last < 0 {
		last += len(cmd)
	}
	keys := []reply.Reply{}
	for i := e.first; i <= last && i < len(cmd); i += max(e.step, 1) {
		keys = append(keys, reply.Bulk(slices.Clone(cmd[i])))
	}
	return reply.Array(keys)
}
