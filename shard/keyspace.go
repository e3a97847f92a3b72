package shard

import (
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

// Keyspace is the data of one shard: the dict of keys, the index of keys with
// a TTL, and the watchers of WATCH. Every command handler runs against a
// Keyspace. All writes go through the few mutators in this file (set,
// remove, setExpire, flush) — they are where a change is counted, where WATCH
// learns of it, and where the log record and the feed event of a change will
// be born.
//
// A Keyspace belongs to its shard's goroutine; it is not safe for concurrent
// use. Tests may drive one directly.
type Keyspace struct {
	d     *dict
	ttl   []ttlItem // the entries that have a TTL; entry.ttlPos indexes it (1-based)
	now   int64     // unix ms, read at most once per batch (Redis caches the time per command)
	nowOK bool      // now is valid for the current batch
	clock func() time.Time
	arena []byte // bulk reply bytes of the batch being executed
	// outBytes counts the reply bytes made since the batch's run began.
	outBytes int
	scratch  []byte // a value being built (INCR's digits)
	watched  map[string][]*Watch

	// Versions: every change is stamped with a number drawn from seqSrc, a
	// counter shared by the shards of one router, so a key's version grows
	// with each write and never repeats. A command's writes share one
	// number; a transaction's writes share the one its holder drew.
	seqSrc  *atomic.Uint64
	opSeq   uint64 // the running command's number; 0: not drawn yet
	seqNext uint64 // numbers reserved for the rest of the batch: [seqNext, seqEnd)
	seqEnd  uint64
	opsLeft int // commands left in the batch, the size of the next reservation

	// Counters for INFO; read them only on the shard goroutine (Stats copies).
	stats Stats
}

// ttlItem is a key's expiry: its entry's handle and the time, unix ms.
type ttlItem struct {
	at int64
	h  int32
}

// Stats are a shard's counters.
type Stats struct {
	Keys          int64
	KeysWithTTL   int64
	ExpiredKeys   int64 // removed because their TTL passed (lazily or actively)
	Hits, Misses  int64 // read lookups
	Changes       int64 // writes applied (Redis's "dirty")
	ExpireCycles  int64
	BytesInValues int64
}

// Watch is the WATCH state of one client session: it becomes dirty when any
// key it watches is modified. Shards set it; the session reads it at EXEC.
type Watch struct {
	dirty atomic.Bool
}

// Dirty reports whether a watched key changed since the watch began.
func (w *Watch) Dirty() bool { return w.dirty.Load() }

// NewKeyspace returns an empty keyspace whose time comes from clock
// (time.Now when nil).
func NewKeyspace(clock func() time.Time) *Keyspace {
	if clock == nil {
		clock = time.Now
	}
	ks := &Keyspace{d: newDict(), clock: clock, seqSrc: new(atomic.Uint64)}
	ks.Tick()
	return ks
}

// Tick invalidates the keyspace's cached time; the next Now reads the
// clock. The shard calls it once per batch, so a batch that never looks at
// a TTL never reads the clock (a clock read is not free on every machine).
func (ks *Keyspace) Tick() { ks.nowOK = false }

// Now is the time in unix milliseconds, cached for the current batch.
func (ks *Keyspace) Now() int64 {
	if !ks.nowOK {
		ks.now = ks.clock().UnixMilli()
		ks.nowOK = true
	}
	return ks.now
}

// Len is the number of keys, including expired ones not yet reclaimed.
func (ks *Keyspace) Len() int { return ks.d.len() }

// Stats returns a copy of the counters.
func (ks *Keyspace) Stats() Stats {
	s := ks.stats
	s.Keys = int64(ks.d.len())
	s.KeysWithTTL = int64(len(ks.ttl))
	return s
}

// bulk returns a bulk reply holding a copy of b in the arena.
func (ks *Keyspace) bulk(b []byte) reply.Reply {
	dst := ks.reserve(len(b))
	copy(dst, b)
	return reply.Reply{Kind: reply.KindBulk, Str: dst}
}

// bigBulk is the size from which a reply's bytes get an allocation of their
// own instead of a place in the arena: the arena then never grows to hold
// one large value, and the batch does not keep such a buffer for later
// batches.
const bigBulk = 32 << 10

// reserve returns n bytes of reply memory for the caller to fill: a fresh
// allocation of exactly n bytes when n is large, else the next n bytes of
// the arena. A full arena is replaced, not grown: the replies already made
// keep the old array alive until they are read, and nothing is copied, so a
// run's replies cost about their size once (append's growth would keep
// every smaller copy alive as well). Every byte counts towards outBytes,
// which the shard checks against the batch's budget.
func (ks *Keyspace) reserve(n int) []byte {
	ks.outBytes += n
	if n >= bigBulk {
		return make([]byte, n)
	}
	if cap(ks.arena)-len(ks.arena) < n {
		ks.arena = make([]byte, 0, max(2*cap(ks.arena), 4<<10, n))
	}
	i := len(ks.arena)
	ks.arena = ks.arena[:i+n]
	return ks.arena[i : i+n : i+n]
}

// expired reports whether e's TTL has passed.
func (ks *Keyspace) expired(e *entry) bool {
	return e.ttlPos != 0 && ks.ttl[e.ttlPos-1].at <= ks.Now()
}

// expireAt is e's expiry in unix ms, 0 without a TTL.
func (ks *Keyspace) expireAt(e *entry) int64 {
	if e.ttlPos == 0 {
		return 0
	}
	return ks.ttl[e.ttlPos-1].at
}

// key is e's key and val its value; both alias the shard's storage and are
// valid until the next write to the keyspace.
func (ks *Keyspace) key(e *entry) []byte { return ks.d.keyOf(e) }
func (ks *Keyspace) val(e *entry) []byte { return ks.d.valOf(e) }

// lookup returns the live entry of key, or nil. An expired entry found on
// the way is removed (lazy expiry).
func (ks *Keyspace) lookup(key []byte) *entry { return ks.live(ks.d.find(key)) }

// lookupString is lookup for a key held as a string (no conversion).
func (ks *Keyspace) lookupString(key string) *entry { return ks.live(ks.d.findString(key)) }

// live returns the entry of handle c unless it is absent (0) or expired, in
// which case an expired entry is removed.
func (ks *Keyspace) live(c int32) *entry {
	if c == 0 {
		return nil
	}
	e := ks.d.at(c)
	if ks.expired(e) {
		ks.expire(e)
		return nil
	}
	return e
}

// lookupRead is lookup that counts a hit or a miss.
func (ks *Keyspace) lookupRead(key []byte) *entry {
	e := ks.lookup(key)
	if e == nil {
		ks.stats.Misses++
	} else {
		ks.stats.Hits++
	}
	return e
}

// set stores val (copied) as the string value of key and returns the entry.
// The TTL is cleared unless keepTTL. It reports whether the key existed.
func (ks *Keyspace) set(key, val []byte, keepTTL bool) (*entry, bool) {
	c, existed := ks.d.insert(key, len(val))
	e := ks.d.at(c)
	if existed && ks.expired(e) {
		// A logically dead key is replaced, not updated.
		ks.stats.ExpiredKeys++
		ks.setExpire(e, 0)
		existed = false
	}
	ks.stats.BytesInValues += int64(len(val)) - int64(e.vlen)
	ks.d.setVal(e, val)
	e.typ = typeString
	if !keepTTL {
		ks.setExpire(e, 0)
	}
	ks.changed(e)
	return e, existed
}

// setValue replaces the value of a live entry (APPEND, SETRANGE, INCR); val
// may alias the current value.
func (ks *Keyspace) setValue(e *entry, val []byte) {
	ks.stats.BytesInValues += int64(len(val)) - int64(e.vlen)
	ks.d.setVal(e, val)
	ks.changed(e)
}

// appendValue appends v to the value of a live entry (APPEND).
func (ks *Keyspace) appendValue(e *entry, v []byte) {
	ks.stats.BytesInValues += int64(len(v))
	ks.d.appendVal(e, v)
	ks.changed(e)
}

// remove deletes key if it exists (expired or not) and reports whether a
// live key was deleted.
func (ks *Keyspace) remove(key []byte) bool {
	c := ks.d.find(key)
	if c == 0 {
		return false
	}
	e := ks.d.at(c)
	live := !ks.expired(e)
	if !live {
		ks.stats.ExpiredKeys++
	}
	ks.drop(e)
	return live
}

// expire removes an entry whose TTL passed.
func (ks *Keyspace) expire(e *entry) {
	ks.stats.ExpiredKeys++
	ks.drop(e)
}

// drop deletes a live or expired entry; e is invalid afterwards.
func (ks *Keyspace) drop(e *entry) {
	ks.changed(e)
	ks.setExpire(e, 0)
	ks.stats.BytesInValues -= int64(e.vlen)
	ks.d.remove(e.self)
}

// setExpire sets e's absolute expiry in unix ms; 0 removes the TTL. It keeps
// the TTL index in step.
func (ks *Keyspace) setExpire(e *entry, at int64) {
	if at == 0 {
		if e.ttlPos != 0 {
			i := e.ttlPos - 1
			last := int32(len(ks.ttl) - 1)
			if i != last {
				moved := ks.ttl[last]
				ks.ttl[i] = moved
				ks.d.at(moved.h).ttlPos = i + 1
			}
			ks.ttl = ks.ttl[:last]
			e.ttlPos = 0
		}
		return
	}
	if e.ttlPos == 0 {
		ks.ttl = append(ks.ttl, ttlItem{h: e.self})
		e.ttlPos = int32(len(ks.ttl))
	}
	ks.ttl[e.ttlPos-1].at = at
}

// setTTL changes the TTL of a live entry as a write of its own (EXPIRE,
// PERSIST, GETEX): unlike setExpire, which the other mutators call inside
// their own write, it records the change. at is unix ms; 0 removes the TTL.
func (ks *Keyspace) setTTL(e *entry, at int64) {
	ks.setExpire(e, at)
	ks.changed(e)
}

// changed records a write to e's key: its version, the change counter, and
// WATCH.
func (ks *Keyspace) changed(e *entry) {
	e.ver = ks.stamp()
	ks.stats.Changes++
	if len(ks.watched) != 0 {
		for _, w := range ks.watched[string(ks.key(e))] {
			w.dirty.Store(true)
		}
	}
}

// beginBatch forgets the numbers reserved for an earlier batch. Numbers are
// reserved when a batch first writes, so one shard's numbers grow in the
// order it applies its changes; across shards, the block one batch reserved
// may interleave with another shard's writes made meanwhile. Versions need
// only the first property; a change feed ordered across shards will need
// its numbers assigned where events are published.
func (ks *Keyspace) beginBatch() { ks.seqNext, ks.seqEnd = 0, 0 }

// beginOp starts a command: seq is its fixed number (a transaction's), or 0
// to draw one at its first write; left is how many commands of the batch
// remain, counting this one.
func (ks *Keyspace) beginOp(seq uint64, left int) { ks.opSeq, ks.opsLeft = seq, left }

// stamp returns the running command's change number, drawing it on first
// use. One atomic add reserves numbers for every command left in the batch,
// so a pipeline of writes touches the shared counter once.
func (ks *Keyspace) stamp() uint64 {
	if ks.opSeq == 0 {
		if ks.seqNext == ks.seqEnd {
			n := uint64(max(ks.opsLeft, 1))
			end := ks.seqSrc.Add(n) + 1
			ks.seqNext, ks.seqEnd = end-n, end
		}
		ks.opSeq = ks.seqNext
		ks.seqNext++
	}
	return ks.opSeq
}

// Seq is the last change number drawn by any shard sharing this keyspace's
// counter.
func (ks *Keyspace) Seq() uint64 { return ks.seqSrc.Load() }

// flush removes every key. Watchers of keys that existed become dirty.
func (ks *Keyspace) flush() int {
	n := ks.d.len()
	for k, ws := range ks.watched {
		if ks.lookupString(k) != nil {
			for _, w := range ws {
				w.dirty.Store(true)
			}
		}
	}
	ks.d.clear()
	ks.ttl = nil
	ks.stats.BytesInValues = 0
	ks.stats.Changes += int64(n)
	return n
}

// AddWatch registers w for key. Called through the shard for WATCH.
func (ks *Keyspace) AddWatch(key []byte, w *Watch) {
	ks.lookup(key) // an already expired key is reclaimed now, not counted later
	if ks.watched == nil {
		ks.watched = make(map[string][]*Watch)
	}
	k := string(key)
	for _, x := range ks.watched[k] {
		if x == w {
			return
		}
	}
	ks.watched[k] = append(ks.watched[k], w)
}

// CheckWatch reclaims the expired ones among keys, so that a watched key that
// expired after WATCH makes w dirty, as in Redis 7.
func (ks *Keyspace) CheckWatch(keys [][]byte) {
	for _, k := range keys {
		ks.lookup(k)
	}
}

// RemoveWatch unregisters w from key.
func (ks *Keyspace) RemoveWatch(key []byte, w *Watch) {
	k := string(key)
	ws := ks.watched[k]
	for i, x := range ws {
		if x == w {
			ws[i] = ws[len(ws)-1]
			ws = ws[:len(ws)-1]
			break
		}
	}
	if len(ws) == 0 {
		delete(ks.watched, k)
	} else {
		ks.watched[k] = ws
	}
}

// Active expiry, after Redis's activeExpireCycle: sample keys that have a
// TTL, delete the expired ones, and go on while more than a quarter of a
// sample was expired and the time budget lasts.
const (
	expireSample    = 20
	expireRepeatPct = 25
)

// ActiveExpire runs one expiry cycle of at most budget and returns how many
// keys it removed.
func (ks *Keyspace) ActiveExpire(budget time.Duration) int {
	ks.stats.ExpireCycles++
	start := time.Now()
	removed := 0
	for iter := 0; len(ks.ttl) > 0; iter++ {
		ks.Tick()
		n := min(expireSample, len(ks.ttl))
		expired := 0
		for i := 0; i < n && len(ks.ttl) > 0; i++ {
			c := ks.ttl[ks.d.random64()%uint64(len(ks.ttl))]
			e := ks.d.at(c.h)
			if ks.expired(e) {
				ks.beginBatch()
				ks.beginOp(0, 1)
				ks.expire(e)
				expired++
			}
		}
		removed += expired
		if expired*100 <= n*expireRepeatPct {
			break
		}
		if iter&15 == 15 && time.Since(start) > budget {
			break
		}
	}
	// Spend a little of the idle time finishing a rehash, as Redis's cron does.
	for i := 0; i < 100 && ks.d.rehash(100); i++ {
	}
	return removed
}
