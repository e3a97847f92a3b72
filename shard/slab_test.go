package shard

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

func TestClassOf(t *testing.T) {
	for n := 0; n <= maxClassSize+1; n++ {
		c := classOf(n)
		if n > maxClassSize {
			if c != bigClass {
				t.Fatalf("classOf(%d) = %d, want big", n, c)
			}
			continue
		}
		size := int(classSizes[c])
		if size < n {
			t.Fatalf("classOf(%d) = %d of size %d: too small", n, c, size)
		}
		if c > 0 && int(classSizes[c-1]) >= n {
			t.Fatalf("classOf(%d) = %d, but class %d (size %d) holds it", n, c, c-1, classSizes[c-1])
		}
	}
}

func TestSlabAllocFree(t *testing.T) {
	var s slab
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	type slot struct {
		ref  slabRef
		data []byte
	}
	var live []slot
	checks := 0
	for i := 0; i < 20000; i++ {
		if len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			s.free(live[j].ref)
			live[j] = live[len(live)-1]
			live = live[:len(live)-1]
			continue
		}
		n := rng.IntN(300)
		if rng.IntN(50) == 0 {
			n = maxClassSize - 10 + rng.IntN(40)
		}
		ref := s.alloc(n, 0)
		if s.capOf(ref) < n {
			t.Fatalf("slot of %d bytes for %d", s.capOf(ref), n)
		}
		data := make([]byte, n)
		for k := range data {
			data[k] = byte(rng.Uint32())
		}
		copy(s.bytes(ref, n), data)
		live = append(live, slot{ref, data})
	}
	// Every live slot still holds its own bytes: no two overlap.
	for _, l := range live {
		if !bytes.Equal(s.bytes(l.ref, len(l.data)), l.data) {
			t.Fatalf("slot %x lost its bytes", l.ref)
		}
		checks++
	}
	t.Logf("%d live slots checked", checks)
}

// A random mix of writes on a keyspace, checked against a Go map.
func TestKeyspaceModel(t *testing.T) {
	ks, _ := newTestKeyspace(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	model := map[string]string{}
	val := func() string {
		switch rng.IntN(4) {
		case 0:
			return ""
		case 1:
			return string(bytes.Repeat([]byte{'v'}, rng.IntN(20000)))
		}
		return fmt.Sprint(rng.IntN(1000), string(bytes.Repeat([]byte{'x'}, rng.IntN(200))))
	}
	checks := 0
	for i := 0; i < 30000; i++ {
		k := fmt.Sprintf("key:%d", rng.IntN(500))
		ks.ResetArena()
		switch rng.IntN(6) {
		case 0, 1:
			v := val()
			ks.set([]byte(k), []byte(v), false)
			model[k] = v
		case 2:
			if _, ok := model[k]; ok {
				v := val()
				v = v[:min(50, len(v))]
				Append(ks, [][]byte{[]byte("append"), []byte(k), []byte(v)})
				model[k] += v
			}
		case 3:
			ks.remove([]byte(k))
			delete(model, k)
		case 4:
			off := rng.IntN(300)
			v := "range"
			r := SetRange(ks, [][]byte{[]byte("setrange"), []byte(k), fmt.Append(nil, off), []byte(v)})
			old := model[k]
			if len(old) < off+len(v) {
				old += string(make([]byte, off+len(v)-len(old)))
			}
			model[k] = old[:off] + v + old[off+len(v):]
			if r.Int != int64(len(model[k])) {
				t.Fatalf("SETRANGE length %d, model %d", r.Int, len(model[k]))
			}
		default:
			r := Get(ks, [][]byte{[]byte("get"), []byte(k)})
			want, ok := model[k]
			if ok != (r.Kind == reply.KindBulk) || string(r.Str) != want {
				t.Fatalf("step %d: GET %s = %q, model %q (%v)", i, k, r.Str, want, ok)
			}
			checks++
		}
	}
	if ks.Len() != len(model) {
		t.Fatalf("%d keys, model %d", ks.Len(), len(model))
	}
	for k, v := range model {
		if e := ks.lookupString(k); e == nil || string(ks.val(e)) != v {
			t.Fatalf("final %s differs", k)
		}
		checks++
	}
	t.Logf("%d reads checked", checks)
}

// The point of the slab: the heap the collector scans does not grow with
// the keys. Reported, not asserted.
func BenchmarkKeyspaceMemory(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ks := NewKeyspace(nil)
		key := make([]byte, 16)
		val := bytes.Repeat([]byte{'v'}, 32)
		const n = 1 << 20
		for i := range n {
			copy(key, fmt.Sprintf("key:%012d", i))
			ks.set(key, val, false)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/key")
		b.ReportMetric(float64(after.HeapObjects-before.HeapObjects)/n, "objects/key")
		runtime.KeepAlive(ks)
	}
}

// The router's hash stands in for the first key's hash only for that very
// argument slice.
func TestHashHint(t *testing.T) {
	ks := NewKeyspace(nil)
	ks.set([]byte("k"), []byte("v"), false)
	key := []byte("k")
	h := uint32(maphash.Bytes(ks.d.seed, key))
	ks.d.setHint(key, h)
	if ks.lookup(key) == nil {
		t.Fatal("not found with the right hint")
	}
	ks.d.setHint(key, h+1)
	if ks.lookup([]byte("k")) == nil {
		t.Fatal("a hint for another slice was used")
	}
	if ks.lookup(key) != nil {
		t.Fatal("the hint was not used for its own slice")
	}
	ks.d.setHint(key, 0)
	if ks.lookup(key) == nil {
		t.Fatal("a zero hint was used")
	}
}

// touchKeys gives the same result whether it hashes the keys itself or is
// handed their hashes, over more keys than one pass holds, hits and misses.
func TestTouchKeys(t *testing.T) {
	ks := NewKeyspace(nil)
	if x := ks.d.touchKeys([][]byte{[]byte("a")}, []uint32{0}); x != 0 {
		t.Fatalf("empty dict touched %d", x)
	}
	var keys [][]byte
	for i := range 3000 {
		k := []byte(fmt.Sprintf("key:%d", i))
		if i%3 != 0 {
			ks.set(k, []byte("v"), false)
		}
		keys = append(keys, k)
	}
	for ks.d.rehashing() {
		ks.lookup([]byte("key:1"))
	}
	zero := make([]uint32, len(keys))
	hs := make([]uint32, len(keys))
	for i, k := range keys {
		hs[i] = uint32(maphash.Bytes(ks.d.seed, k))
	}
	a, b := ks.d.touchKeys(keys, zero), ks.d.touchKeys(keys, hs)
	if a != b || a == 0 {
		t.Fatalf("touch with own hashes %d, with given ones %d", a, b)
	}
}
