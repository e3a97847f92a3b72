package memshard_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The differential tests replay the same commands into memshard's embedded
// engine and into a real redis-server, and compare every reply: kind (status,
// error, integer, bulk, nil, array, nil array) and value, error strings
// included. DB.Do plays one client (connection 0) and a Session another
// (connection 1), mirrored by two connections to redis-server. In wire mode
// (TestDiffWire*, TestDiffResp3*; see diff_wire_test.go) the side under test
// is memshard's RESP server, both connections are TCP connections, and the
// replies are compared byte for byte.
//
//	go test -race -run Diff -v .                     20 random sequences of 400 commands + the table, each mode
//	go test -run TestDiffRandom -diff.seed=N -diff.seqs=1 -v .   replay one sequence
//	go test -run Diff -diff.long -timeout 30m .      many more, longer sequences
//
// A redis-server binary on PATH is required (apt-get install redis-server);
// without it the tests skip.

var (
	diffSeed    = flag.Int64("diff.seed", 0, "first seed of TestDiffRandom's sequences (0: time-based)")
	diffSeqs    = flag.Int("diff.seqs", 0, "number of random sequences (0: 20, or 300 with -diff.long)")
	diffLen     = flag.Int("diff.len", 0, "commands per random sequence (0: 400, or 2000 with -diff.long)")
	diffLong    = flag.Bool("diff.long", false, "run many more and longer random sequences")
	diffHistory = flag.Int("diff.history", 40, "commands shown before a mismatch of a random sequence")
	diffSkip    = flag.String("diff.skip", "", "regexp: do not send commands whose rendering (as in failure reports) matches, e.g. while a known difference is being fixed")
)

// newDiffRunner starts redis-server and the side under test.
func newDiffRunner(t *testing.T) *runner {
	t.Helper()
	r := newRunner(newRedisTarget(t), newSUT(t), time.Now().Truncate(time.Second))
	applyDiffSkip(t, r)
	return r
}

// diffSeedsFile pins seeds that found bugs; they run on every test run.
const diffSeedsFile = "testdata/diff_seeds.txt"

func TestDiffRandom(t *testing.T) {
	t.Parallel()
	diffRandom(t, newDiffRunner(t), 20, newGen, "TestDiffRandom")
}

// diffRandom runs the pinned seeds and seqs random sequences (or the flags'
// numbers) through r; newG makes each sequence's generator and test names the
// test for the replay hint.
func diffRandom(t *testing.T, r *runner, seqs int, newG func(seed int64) *gen, test string) {
	t.Helper()
	length := 400
	if *diffLong {
		seqs, length = max(seqs, 300), 2000
	}
	if *diffSeqs > 0 {
		seqs = *diffSeqs
	}
	if *diffLen > 0 {
		length = *diffLen
	}
	base := *diffSeed
	if base == 0 {
		base = time.Now().UnixNano() % 1_000_000_000
	}
	t.Logf("random sequences: base seed %d (replay with -diff.seed=%d), %d sequences of %d commands", base, base, seqs, length)

	// The pinned seeds run too, unless a seed was asked for explicitly.
	var seeds []int64
	if *diffSeed == 0 {
		seeds = pinnedSeeds(t)
	}
	for i := range seqs {
		seeds = append(seeds, base+int64(i))
	}
	failures := 0
	for _, seed := range seeds {
		if failures >= 10 {
			t.Errorf("stopping after %d failing sequences", failures)
			break
		}
		steps := newG(seed).sequence(length)
		before := r.compared
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			checkSequence(t, r, fmt.Sprintf("seed %d (replay: go test -run '%s$' -diff.seed=%d -diff.seqs=1 .)", seed, test, seed), steps, failures < 5)
		})
		if !ok {
			failures++
		}
		if r.compared == before {
			t.Errorf("seed %d compared no replies", seed)
		}
	}
	t.Logf("compared %d replies over %d sequences", r.compared, len(seeds))
	if r.compared == 0 {
		t.Fatalf("no reply was compared")
	}
}

func TestDiffTable(t *testing.T) {
	t.Parallel()
	diffTable(t, newDiffRunner(t), diffCases)
}

// diffTable runs every case through r.
func diffTable(t *testing.T, r *runner, cases []diffCase) {
	t.Helper()
	for _, c := range cases {
		steps, err := parseScript(c.script)
		if err != nil {
			t.Fatalf("case %s: %v", c.name, err)
		}
		before := r.compared
		t.Run(c.name, func(t *testing.T) {
			checkCase(t, r, c.name, steps)
		})
		if r.compared == before {
			t.Errorf("case %s compared no replies", c.name)
		}
	}
	t.Logf("compared %d replies over %d cases", r.compared, len(cases))
	if r.compared == 0 {
		t.Fatalf("no reply was compared")
	}
}

// pinnedSeeds reads diffSeedsFile: one seed per line, # comments.
func pinnedSeeds(t *testing.T) []int64 {
	t.Helper()
	f, err := os.Open(diffSeedsFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", diffSeedsFile, err)
	}
	defer f.Close()
	var seeds []int64
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		s, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("%s:%d: %v", diffSeedsFile, n, err)
		}
		seeds = append(seeds, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", diffSeedsFile, err)
	}
	return seeds
}
