package router

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

// TestReplyBudgetParts runs a pipeline of large GETs with a reply budget:
// FinishPart hands it over in parts of about the budget, every reply is
// right, and commands after a part have not run when the part is handed
// over.
func TestReplyBudgetParts(t *testing.T) {
	r := newRouter(t, 2)
	s := r.NewSession()
	ctx := context.Background()
	val := strings.Repeat("v", 100<<10)
	keys := keysOnShards(r, 9)[0] // one shard: it stops at the budget before the last
	for _, k := range keys[:8] {
		do(t, s, "SET", k, val)
	}
	var cmds [][][]byte
	for _, k := range keys[:8] {
		cmds = append(cmds, argv("GET", k))
	}
	after := keys[8]
	cmds = append(cmds, argv("SET", after, "1"))
	s.SetReplyBudget(150 << 10)
	s.Start(cmds)
	other := r.NewSession()
	got, parts := 0, 0
	for {
		reps, done := s.FinishPart(ctx, cmds)
		parts++
		for _, rep := range reps {
			if got < 8 && (rep.Kind != reply.KindBulk || len(rep.Str) != len(val)) {
				t.Fatalf("reply %d: %v", got, rep.String()[:min(40, len(rep.String()))])
			}
			got++
		}
		if done {
			break
		}
		if got < 8 && parts == 1 {
			// The SET at the end must not have run while a part is out.
			if v := do(t, other, "EXISTS", after); v != "(integer) 0" {
				t.Fatalf("the last command ran before its turn: EXISTS after = %s", v)
			}
		}
	}
	if got != len(cmds) {
		t.Fatalf("%d replies, want %d", got, len(cmds))
	}
	if parts < 3 {
		t.Fatalf("%d parts for 800 KiB of replies under a 150 KiB budget, want several", parts)
	}
	if v := do(t, other, "GET", after); v != `"1"` {
		t.Fatalf("GET after = %s", v)
	}
}

// TestReplyBudgetMatchesWhole runs random pipelines (large and small values,
// writes, multi-key and cross-shard commands, barriers) on two routers with
// the same history, one whole and one part by part under a small budget, and
// requires the same replies. The seed is logged.
func TestReplyBudgetMatchesWhole(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	whole, parted := newRouter(t, 3), newRouter(t, 3)
	a, b := whole.NewSession(), parted.NewSession()
	b.SetReplyBudget(8 << 10)
	ctx := context.Background()
	key := func() string { return "k" + strconv.Itoa(rng.IntN(12)) }
	value := func() string {
		if rng.IntN(3) == 0 {
			return strings.Repeat(strconv.Itoa(rng.IntN(10)), 1+rng.IntN(40<<10))
		}
		return strconv.Itoa(rng.IntN(1000))
	}
	checked, multiPart := 0, 0
	for round := range 200 {
		var cmds [][][]byte
		for range 1 + rng.IntN(60) {
			var c []string
			switch rng.IntN(10) {
			case 0, 1, 2:
				c = []string{"GET", key()}
			case 3, 4:
				c = []string{"SET", key(), value()}
			case 5:
				c = []string{"MGET", key(), key(), key()}
			case 6:
				c = []string{"MSET", key(), value(), key(), value()}
			case 7:
				c = []string{"APPEND", key(), value()}
			case 8:
				c = []string{"DEL", key(), key()}
			default:
				c = []string{"GETDEL", key()}
			}
			cmds = append(cmds, argv(c...))
		}
		want := renderAll(a.Exec(ctx, cmds))
		b.Start(cmds)
		var got []string
		parts := 0
		for {
			reps, done := b.FinishPart(ctx, cmds)
			parts++
			got = append(got, renderAll(reps)...)
			if done {
				break
			}
		}
		if parts > 1 {
			multiPart++
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d replies, want %d", round, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("round %d, command %d (%q): got %.60s, want %.60s", round, i, cmds[i][0], got[i], want[i])
			}
			checked++
		}
	}
	t.Logf("%d replies compared, %d pipelines came in several parts", checked, multiPart)
	if multiPart == 0 {
		t.Fatal("no pipeline was split: the budget was never reached")
	}
}

func renderAll(reps []reply.Reply) []string {
	out := make([]string, len(reps))
	for i, r := range reps {
		out[i] = r.String()
	}
	return out
}
