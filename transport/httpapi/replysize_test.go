package httpapi

import (
	"math/rand/v2"
	"testing"

	"github.com/memshard/memshard/shard/reply"
	"github.com/memshard/memshard/transport/text"
)

// randReply draws a reply of any kind, strings with escapes, invalid
// UTF-8 and multi-byte runes, nested up to depth.
func randReply(rng *rand.Rand, depth int) reply.Reply {
	str := func() []byte {
		if rng.IntN(8) == 0 {
			return []byte("OK")
		}
		b := make([]byte, rng.IntN(40))
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b[i] = "\"\\\n\r\t\x00\x7f\x1f"[rng.IntN(8)]
			default:
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		if rng.IntN(3) == 0 {
			b = append(b, "é€😀"...)
		}
		return b
	}
	kinds := []reply.Kind{reply.KindStatus, reply.KindBulk, reply.KindError, reply.KindInt, reply.KindDouble,
		reply.KindNil, reply.KindNilArray, reply.KindArray, reply.KindMap}
	r := reply.Reply{Kind: kinds[rng.IntN(len(kinds))]}
	switch r.Kind {
	case reply.KindStatus, reply.KindBulk, reply.KindError:
		r.Str = str()
	case reply.KindInt:
		r.Int = rng.Int64() >> rng.IntN(64)
		if rng.IntN(2) == 0 {
			r.Int = -r.Int
		}
	case reply.KindDouble:
		r.Dbl = rng.NormFloat64() * float64(rng.IntN(1e6))
	case reply.KindArray, reply.KindMap:
		if depth > 0 {
			for range rng.IntN(5) {
				r.Arr = append(r.Arr, randReply(rng, depth-1))
			}
		}
	}
	return r
}

// TestEncodedLen holds encodedLen to the encoders' real output and
// encodedMax above it, for random replies in both encodings, and the
// MemFast text between stringBytes and encodedMax (renderWithin).
func TestEncodedLen(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	query := text.Prepare([][]byte{[]byte("GET"), []byte("k")})
	checked := 0
	for range 20000 {
		r := randReply(rng, 3)
		for _, b64 := range []bool{false, true} {
			for _, entry := range []bool{false, true} {
				var got []byte
				if entry {
					got = AppendEntry(nil, r, b64)
				} else {
					got = AppendValue(nil, r, b64)
				}
				if n := encodedLen(r, b64, entry); n != len(got) {
					t.Fatalf("%+v (b64 %v, entry %v): encodedLen %d, encoded %d bytes: %s", r, b64, entry, n, len(got), got)
				}
				if m := encodedMax(r, b64, entry); m < len(got) {
					t.Fatalf("%+v (b64 %v, entry %v): encodedMax %d under %d", r, b64, entry, m, len(got))
				}
				checked++
			}
		}
		if txt := query.AppendRender(nil, r); len(txt) > encodedMax(r, false, false) || len(txt) < stringBytes(r) {
			t.Fatalf("%+v: MemFast text %q of %d bytes outside [%d, %d]", r, txt, len(txt), stringBytes(r), encodedMax(r, false, false))
		}
		checked++
	}
	t.Logf("%d encodings checked", checked)
}

// TestWithin checks that a body stops at the first reply that would pass
// the limit and stays unchanged from there, and that a body that fits
// exactly is taken.
func TestWithin(t *testing.T) {
	rep := reply.Reply{Kind: reply.KindBulk, Str: []byte("0123456789")}
	one := len(AppendEntry(nil, rep, false))
	w := within{b: []byte("["), limit: 1 + 3*one + 2 + closeRoom}
	for i := range 3 {
		if !w.add(rep, false, true) {
			t.Fatalf("entry %d of 3 refused (limit %d, body %d)", i, w.limit, len(w.b))
		}
	}
	before := string(w.b)
	if w.add(rep, false, true) || !w.over || string(w.b) != before {
		t.Fatalf("fourth entry: over %v, body %q", w.over, w.b)
	}
	if w.add(reply.Reply{Kind: reply.KindInt}, false, true) {
		t.Fatal("an entry was taken after the limit was passed")
	}
}
