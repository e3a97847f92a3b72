package shard

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// dict is the keyspace's hash table: chained buckets over power-of-two bucket
// arrays with incremental rehashing, the structure Redis's dict uses. It is
// built here rather than on a Go map for three things a Go map cannot give:
//
//   - SCAN cursors that visit every key present for the whole scan at least
//     once even while the table grows or shrinks (the reverse-binary cursor:
//     a bucket's keys only ever move to buckets that share its low bits);
//   - uniform-enough random sampling (RANDOMKEY, later eviction);
//   - entries held in fixed pages addressed by int32 handles, so an *entry stays
//     valid while other keys come and go, and the layout can later become
//     pointer-free without touching the callers.
//
// Handles are 1-based; 0 means "none". Bucket arrays and entry.next use the
// same encoding, so freshly allocated (zeroed) memory is an empty table.
//
// A dict belongs to one shard goroutine and is not safe for concurrent use.
type dict struct {
	seed      maphash.Seed
	ht        [2][]int32 // bucket heads; ht[1] is non-nil only while rehashing
	rehashIdx int        // next ht[0] bucket to move; -1 when not rehashing
	count     int
	pages     [][]entry // entry storage, pageSize entries a page
	nextFree  int32     // handle of the first free entry, 0 if none
	used      int32     // handles handed out so far (free ones included)
	mem       slab      // key and value bytes

	// hint is the hash of the running command's first key, computed by the
	// router to choose the shard (same seed): hash uses it instead of
	// hashing that key again.
	hintKey  *byte
	hintLen  int
	hintHash uint32
}

const (
	pageBits    = 10
	pageSize    = 1 << pageBits
	minBuckets  = 4
	rehashSteps = 1 // buckets moved per operation while rehashing
)

// entry is one key and its value. Its address is stable for the life of the
// key (entries live in fixed pages). It holds no pointers: the key's bytes
// and then the value's share one slab slot, so the garbage collector never
// scans entry pages.
type entry struct {
	ref    slabRef // slot holding the key's bytes, then the value's
	ver    uint64  // sequence number of the last change to the key
	klen   uint32
	vlen   uint32
	hash   uint32    // low bits of the key's hash
	next   int32     // next handle in the bucket chain, 0 at the end
	self   int32     // this entry's own handle
	ttlPos int32     // 1-based position in Keyspace.ttl, 0 without a TTL
	typ    valueType // kind of value
}

// valueType is the kind of value an entry holds.
type valueType uint8

const (
	typeString valueType = iota
)

func newDict() *dict {
	return &dict{seed: maphash.MakeSeed(), rehashIdx: -1}
}

func (d *dict) hash(key []byte) uint32 {
	if d.hintKey != nil && len(key) == d.hintLen && unsafe.SliceData(key) == d.hintKey {
		return d.hintHash
	}
	return uint32(maphash.Bytes(d.seed, key))
}

// setHint tells hash the hash of key (h == 0: none known).
func (d *dict) setHint(key []byte, h uint32) {
	if h == 0 || len(key) == 0 {
		d.hintKey = nil
		return
	}
	d.hintKey, d.hintLen, d.hintHash = unsafe.SliceData(key), len(key), h
}

// keyOf returns e's key; it aliases the slab until the next write.
func (d *dict) keyOf(e *entry) []byte { return d.mem.bytes(e.ref, int(e.klen)) }

// valOf returns e's value; it aliases the slab until the next write.
func (d *dict) valOf(e *entry) []byte {
	return d.mem.bytes(e.ref, int(e.klen+e.vlen))[e.klen:]
}

// appendVal appends v to e's value.
func (d *dict) appendVal(e *entry, v []byte) {
	n := int(e.klen+e.vlen) + len(v)
	if n <= d.mem.capOf(e.ref) {
		copy(d.mem.bytes(e.ref, n)[e.klen+e.vlen:], v)
		e.vlen += uint32(len(v))
		return
	}
	ref := d.mem.alloc(n, n/2) // grow geometrically, as repeated APPENDs do
	dst := d.mem.bytes(ref, n)
	old := int(e.klen + e.vlen)
	copy(dst, d.mem.bytes(e.ref, old))
	copy(dst[old:], v)
	d.mem.free(e.ref)
	e.ref, e.vlen = ref, e.vlen+uint32(len(v))
}

// setVal replaces e's value with val (which may alias the old value), moving
// the key and value to a larger or smaller slot when they no longer fit
// well.
func (d *dict) setVal(e *entry, val []byte) {
	n := int(e.klen) + len(val)
	if d.mem.fits(e.ref, n) {
		copy(d.mem.bytes(e.ref, n)[e.klen:], val)
		e.vlen = uint32(len(val))
		return
	}
	spare := 0
	if n > int(e.klen+e.vlen) {
		spare = n / 2 // a growing value (APPEND, SETRANGE) grows geometrically
	}
	ref := d.mem.alloc(n, spare)
	dst := d.mem.bytes(ref, n)
	copy(dst, d.keyOf(e))
	copy(dst[e.klen:], val)
	d.mem.free(e.ref)
	e.ref, e.vlen = ref, uint32(len(val))
}

// len is the number of keys.
func (d *dict) len() int { return d.count }

// at returns the entry of handle h (h != 0).
func (d *dict) at(h int32) *entry {
	i := h - 1
	return &d.pages[i>>pageBits][i&(pageSize-1)]
}

func (d *dict) rehashing() bool { return d.rehashIdx >= 0 }

// find returns the handle of key, or 0.
func (d *dict) find(key []byte) int32 {
	if d.count == 0 {
		return 0
	}
	return findHashed(d, d.hash(key), key)
}

// findString is find for a key held as a string.
func (d *dict) findString(key string) int32 {
	if d.count == 0 {
		return 0
	}
	return findHashed(d, uint32(maphash.String(d.seed, key)), key)
}

func findHashed[K string | []byte](d *dict, h uint32, key K) int32 {
	if d.rehashing() {
		d.rehash(rehashSteps)
	}
	for t := 0; t < 2; t++ {
		tab := d.ht[t]
		if len(tab) == 0 {
			break
		}
		for c := tab[h&uint32(len(tab)-1)]; c != 0; {
			e := d.at(c)
			if e.hash == h && int(e.klen) == len(key) && string(d.keyOf(e)) == string(key) {
				return c
			}
			c = e.next
		}
		if !d.rehashing() {
			break
		}
	}
	return 0
}

// insert adds key if it is absent and returns its handle and whether it
// existed. A new entry has only its key (and an empty value, with room for
// room bytes in its slot) and hash set.
func (d *dict) insert(key []byte, room int) (int32, bool) {
	if c := d.find(key); c != 0 {
		return c, true
	}
	d.growIfNeeded()
	h := d.hash(key)
	c := d.alloc()
	e := d.at(c)
	e.ref = d.mem.alloc(len(key)+room, 0)
	copy(d.mem.bytes(e.ref, len(key)), key)
	e.klen, e.vlen = uint32(len(key)), 0
	e.hash = h
	t := 0
	if d.rehashing() {
		t = 1
	}
	b := &d.ht[t][h&uint32(len(d.ht[t])-1)]
	e.next = *b
	*b = c
	d.count++
	return c, false
}

// remove unlinks the entry of handle h and frees it; the entry's fields
// are cleared.
func (d *dict) remove(h int32) {
	hash := d.at(h).hash
	for t := 0; t < 2; t++ {
		tab := d.ht[t]
		if len(tab) == 0 {
			break
		}
		prev := &tab[hash&uint32(len(tab)-1)]
		for c := *prev; c != 0; {
			e := d.at(c)
			if c == h {
				*prev = e.next
				d.release(c)
				d.count--
				if d.rehashing() {
					d.rehash(rehashSteps)
				} else {
					d.shrinkIfNeeded()
				}
				return
			}
			prev = &e.next
			c = e.next
		}
	}
	panic("shard: dict.remove of a handle not in the table")
}

func (d *dict) alloc() int32 {
	if c := d.nextFree; c != 0 {
		d.nextFree = d.at(c).next
		d.at(c).next = 0
		return c
	}
	if int(d.used)>>pageBits == len(d.pages) {
		d.pages = append(d.pages, make([]entry, pageSize))
	}
	d.used++
	d.at(d.used).self = d.used
	return d.used
}

func (d *dict) release(c int32) {
	e := d.at(c)
	d.mem.free(e.ref)
	*e = entry{next: d.nextFree, self: c}
	d.nextFree = c
}

// growIfNeeded starts a rehash into a table twice the size when the load
// factor reaches 1 (Redis's rule when no child process is saving).
func (d *dict) growIfNeeded() {
	if len(d.ht[0]) == 0 {
		d.ht[0] = make([]int32, minBuckets)
		return
	}
	if d.rehashing() {
		d.rehash(rehashSteps)
		if d.rehashing() {
			return
		}
	}
	if d.count >= len(d.ht[0]) {
		d.startRehash(len(d.ht[0]) * 2)
	}
}

// shrinkIfNeeded starts a rehash into a smaller table when fewer than one
// bucket in eight is used.
func (d *dict) shrinkIfNeeded() {
	if d.rehashing() || len(d.ht[0]) <= minBuckets || d.count*8 >= len(d.ht[0]) {
		return
	}
	n := minBuckets
	for n < d.count {
		n *= 2
	}
	d.startRehash(n)
}

func (d *dict) startRehash(n int) {
	d.ht[1] = make([]int32, n)
	d.rehashIdx = 0
}

// rehash moves up to n non-empty buckets of ht[0] into ht[1], visiting at
// most 10*n empty ones, and reports whether rehashing is still under way.
func (d *dict) rehash(n int) bool {
	if !d.rehashing() {
		return false
	}
	empty := n * 10
	src, dst := d.ht[0], d.ht[1]
	mask := uint32(len(dst) - 1)
	for ; n > 0 && d.rehashIdx < len(src); n-- {
		for src[d.rehashIdx] == 0 {
			d.rehashIdx++
			if d.rehashIdx == len(src) {
				break
			}
			if empty--; empty == 0 {
				return true
			}
		}
		if d.rehashIdx == len(src) {
			break
		}
		for c := src[d.rehashIdx]; c != 0; {
			e := d.at(c)
			next := e.next
			b := &dst[e.hash&mask]
			e.next = *b
			*b = c
			c = next
		}
		src[d.rehashIdx] = 0
		d.rehashIdx++
	}
	if d.rehashIdx == len(src) {
		d.ht[0], d.ht[1] = dst, nil
		d.rehashIdx = -1
		return false
	}
	return true
}

// clear empties the table and gives its memory back to the garbage collector.
func (d *dict) clear() {
	*d = dict{seed: d.seed, rehashIdx: -1, hintKey: d.hintKey, hintLen: d.hintLen, hintHash: d.hintHash} // the slab goes with it
}

// scan calls fn for the keys of the bucket(s) cursor v names and returns the
// next cursor (0 when the iteration is complete). Every key present from the
// start to the end of a full iteration is returned at least once, however the
// table is resized in between; a key may be returned more than once. fn must
// not modify the dict.
func (d *dict) scan(v uint64, fn func(c int32)) uint64 {
	if d.count == 0 {
		return 0
	}
	emit := func(tab []int32, m uint64) {
		for c := tab[v&m]; c != 0; c = d.at(c).next {
			fn(c)
		}
	}
	if !d.rehashing() {
		m0 := uint64(len(d.ht[0]) - 1)
		emit(d.ht[0], m0)
		v |= ^m0
		return bits.Reverse64(bits.Reverse64(v) + 1)
	}
	t0, t1 := d.ht[0], d.ht[1]
	if len(t0) > len(t1) {
		t0, t1 = t1, t0
	}
	m0, m1 := uint64(len(t0)-1), uint64(len(t1)-1)
	emit(t0, m0)
	for {
		emit(t1, m1)
		v |= ^m1
		v = bits.Reverse64(bits.Reverse64(v) + 1)
		if v&(m0^m1) == 0 {
			break
		}
	}
	return v
}

// each calls fn for every key until fn returns false. fn must not modify
// the dict.
func (d *dict) each(fn func(c int32) bool) {
	for t := 0; t < 2; t++ {
		for _, head := range d.ht[t] {
			for c := head; c != 0; c = d.at(c).next {
				if !fn(c) {
					return
				}
			}
		}
	}
}

// random64 is a fast per-thread random number (math/rand/v2's ChaCha8).
func (d *dict) random64() uint64 { return rand.Uint64() }

// random returns the handle of a key chosen at random, or 0 when empty.
func (d *dict) random() int32 {
	if d.count == 0 {
		return 0
	}
	if d.rehashing() {
		d.rehash(rehashSteps)
	}
	var head int32
	for head == 0 {
		if d.rehashing() {
			// Buckets of ht[0] below rehashIdx are empty: skip them.
			n0 := len(d.ht[0]) - d.rehashIdx
			i := int(d.random64() % uint64(n0+len(d.ht[1])))
			if i < n0 {
				head = d.ht[0][d.rehashIdx+i]
			} else {
				head = d.ht[1][i-n0]
			}
		} else {
			head = d.ht[0][d.random64()&uint64(len(d.ht[0])-1)]
		}
	}
	n := 0
	for c := head; c != 0; c = d.at(c).next {
		n++
	}
	k := int(d.random64() % uint64(n))
	c := head
	for ; k > 0; k-- {
		c = d.at(c).next
	}
	return c
}

// touchChunk is how many keys touchKeys loads per pass.
const touchChunk = 32

// touchKeys loads the bucket head, the first entry and the first key byte
// of every key's chain and returns a value derived from them (hs[i] is
// keys[i]'s hash, 0 when unknown). Called for the commands of a batch
// before the batch runs, it lets the CPU overlap the cache misses of
// independent lookups instead of taking them one after another. It goes
// level by level — all heads, then all entries, then all slots — so that no
// load waits on another of the same pass (measured on 1M keys: see
// BenchmarkBatchGet).
func (d *dict) touchKeys(keys [][]byte, hs []uint32) uint64 {
	if d.count == 0 || d.rehashing() {
		return 0
	}
	var heads [touchChunk]int32
	var hv [touchChunk]uint32
	var x uint64
	tab := d.ht[0]
	mask := uint32(len(tab) - 1)
	for len(keys) > 0 {
		n := min(len(keys), touchChunk)
		for i, k := range keys[:n] {
			h := hs[i]
			if h == 0 {
				h = uint32(maphash.Bytes(d.seed, k))
			}
			hv[i], heads[i] = h, tab[h&mask]
		}
		// The first entry, and for a key that is not first in its chain
		// the second: the bucket's chains average under two entries.
		for i, c := range heads[:n] {
			if c != 0 {
				if e := d.at(c); e.hash != hv[i] && e.next != 0 {
					heads[i] = e.next
				}
			}
		}
		for _, c := range heads[:n] {
			if c != 0 {
				x += uint64(d.at(c).hash)
			}
		}
		for _, c := range heads[:n] {
			if c != 0 {
				e := d.at(c)
				if b := d.mem.bytes(e.ref, int(e.klen+e.vlen)); len(b) > 0 {
					x += uint64(b[0]) // key and value share the slot: one line for small ones
				}
			}
		}
		keys, hs = keys[n:], hs[n:]
	}
	return x
}
