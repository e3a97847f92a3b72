package shard

import "math/bits"

// slab holds the bytes of a shard's keys and values in large pages, one set
// of pages per size class, and hands out slots addressed by a slabRef — an
// integer, not a pointer. With the entries also pointer-free, the garbage
// collector has nothing per key to scan: its marking work no longer grows
// with the number of keys, and the memory per key is one entry plus one
// slot rounded up to its class (no per-object header or separate key and
// value allocations). Values above the largest class get a Go allocation of
// their own, held in a table indexed by the ref.
//
// Freed slots go on their class's free list and are reused; pages are not
// returned to the runtime until the slab is reset (FLUSHALL), as a malloc
// arena keeps its pages.
//
// A slab belongs to one shard goroutine and is not safe for concurrent use.
type slab struct {
	classes [numClasses]slabClass
	big     [][]byte // slots of values above the largest class
	bigFree []uint32 // free indexes of big
}

// slabRef addresses a slot: class (8 bits) | page (24 bits) | byte offset
// (32 bits); for class bigClass, the page field indexes slab.big.
type slabRef uint64

type slabClass struct {
	pages [][]byte
	free  []slabRef
	used  int // bytes handed out from the last page
}

const (
	bigClass     = 255
	maxClassSize = 16 << 10
	maxPageBytes = 1 << 20
)

// The class sizes: 16-byte steps up to 128 bytes, then four steps per power
// of two up to maxClassSize (at most 25% rounding waste).
const numClasses = 8 + 7*4

var classSizes = buildClasses()

func buildClasses() []uint32 {
	var s []uint32
	for n := uint32(16); n <= 128; n += 16 {
		s = append(s, n)
	}
	for p := uint32(128); p < maxClassSize; p *= 2 {
		for i := uint32(1); i <= 4; i++ {
			s = append(s, p+p/4*i)
		}
	}
	if len(s) != numClasses || s[len(s)-1] != maxClassSize {
		panic("shard: slab class table")
	}
	return s
}

// classOf returns the smallest class that holds n bytes, or bigClass.
func classOf(n int) uint8 {
	if n <= 128 {
		if n <= 16 {
			return 0
		}
		return uint8((n - 1) / 16)
	}
	if n > maxClassSize {
		return bigClass
	}
	// Classes above 128 bytes: p+p/4*i for p = 128, 256, ...; 8 classes
	// below.
	p := 1 << (bits.Len(uint(n-1)) - 1) // largest power of two < n
	i := (n - p + p/4 - 1) / (p / 4)    // 1..4
	return uint8(8 + (bits.Len(uint(p))-8)*4 + i - 1)
}

// capOf is the number of bytes the slot of ref holds.
func (s *slab) capOf(ref slabRef) int {
	c := uint8(ref >> 56)
	if c == bigClass {
		return cap(s.big[uint32(ref>>32)&(1<<24-1)])
	}
	return int(classSizes[c])
}

// fits reports whether n bytes belong in ref's slot: they fit, and would
// not be better off in a smaller slot.
func (s *slab) fits(ref slabRef, n int) bool {
	cur := uint8(ref >> 56)
	if cur != bigClass {
		need := classOf(n)
		return need != bigClass && (need == cur || need+1 == cur)
	}
	c := s.capOf(ref)
	return n > maxClassSize && n <= c && n >= c/4
}

// alloc returns a slot of at least n bytes; a value too large for the
// classes gets spare room of its own for growth.
func (s *slab) alloc(n, spare int) slabRef {
	c := classOf(n)
	if c == bigClass {
		b := make([]byte, n, n+spare)
		if k := len(s.bigFree); k > 0 {
			i := s.bigFree[k-1]
			s.bigFree = s.bigFree[:k-1]
			s.big[i] = b
			return slabRef(bigClass)<<56 | slabRef(i)<<32
		}
		s.big = append(s.big, b)
		return slabRef(bigClass)<<56 | slabRef(len(s.big)-1)<<32
	}
	cl := &s.classes[c]
	if k := len(cl.free); k > 0 {
		ref := cl.free[k-1]
		cl.free = cl.free[:k-1]
		return ref
	}
	size := int(classSizes[c])
	if len(cl.pages) == 0 || cl.used+size > len(cl.pages[len(cl.pages)-1]) {
		// Pages grow from 16 slots up to maxPageBytes, so a small keyspace
		// stays small.
		slots := 16 << min(len(cl.pages), 16)
		cl.pages = append(cl.pages, make([]byte, min(slots*size, max(maxPageBytes/size, 16)*size)))
		cl.used = 0
	}
	ref := slabRef(c)<<56 | slabRef(len(cl.pages)-1)<<32 | slabRef(cl.used)
	cl.used += size
	return ref
}

// free returns ref's slot to its class.
func (s *slab) free(ref slabRef) {
	c := uint8(ref >> 56)
	if c == bigClass {
		i := uint32(ref>>32) & (1<<24 - 1)
		s.big[i] = nil
		s.bigFree = append(s.bigFree, i)
		return
	}
	s.classes[c].free = append(s.classes[c].free, ref)
}

// bytes returns the first n bytes of ref's slot (n <= capOf(ref)), capped
// so that an append cannot write past them.
func (s *slab) bytes(ref slabRef, n int) []byte {
	c := uint8(ref >> 56)
	if c == bigClass {
		return s.big[uint32(ref>>32)&(1<<24-1)][:n:n]
	}
	off := int(uint32(ref))
	return s.classes[c].pages[uint32(ref>>32)&(1<<24-1)][off : off+n : off+n]
}

// reset drops every page.
func (s *slab) reset() { *s = slab{} }
