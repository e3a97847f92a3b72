package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// KeyLen is the length of every key the generator makes: one prefix byte
// and fifteen decimal digits.
const KeyLen = 16

// AppendKey appends the 16-byte key number i with the given prefix byte.
// GET, SET and MSET use prefix 'k'; INCR uses 'c' so that its counters
// never meet a value that is not a number.
func AppendKey(dst []byte, prefix byte, i int) []byte {
	dst = append(dst, prefix)
	var digits [KeyLen - 1]byte
	for j := len(digits) - 1; j >= 0; j-- {
		digits[j] = byte('0' + i%10)
		i /= 10
	}
	return append(dst, digits[:]...)
}

func keyPrefix(cmd string) byte {
	if cmd == "INCR" {
		return 'c'
	}
	return 'k'
}

// batcher sends n commands of its scenario at once (pipelined) and waits
// for all n replies. One batcher is one client connection, used by one
// goroutine.
type batcher interface {
	batch(n int) (errReplies int, err error)
	close() error
}

// interrupter is a batcher whose blocked batch can be ended from another
// goroutine; the others watch the context themselves.
type interrupter interface{ interrupt() }

// keyGen draws key numbers uniformly from the key space.
type keyGen struct {
	rng   *rand.Rand
	space int
}

func newKeyGen(client, space int) keyGen {
	return keyGen{rng: rand.New(rand.NewPCG(uint64(client)+1, 0x6d656d7368617264)), space: space}
}

func (g *keyGen) next() int { return g.rng.IntN(g.space) }

// dialFunc opens client number i of a scenario.
type dialFunc func(ctx context.Context, i int) (batcher, error)

// runLoad runs sc with sc.Clients batchers from dial: until sc.Ops commands
// are answered when Ops is set, else for sc.Duration. Each batch's round
// trip is recorded once per command it carried.
func runLoad(ctx context.Context, sc Scenario, dial dialFunc) (Sample, error) {
	bs := make([]batcher, 0, sc.Clients)
	defer func() {
		for _, b := range bs {
			b.close()
		}
	}()
	for i := range sc.Clients {
		b, err := dial(ctx, i)
		if err != nil {
			return Sample{}, fmt.Errorf("client %d: %w", i, err)
		}
		bs = append(bs, b)
	}
	type result struct {
		ops, errs int64
		hist      *hdrhistogram.Histogram
		err       error
	}
	// Cancelling ctx unblocks clients waiting on a reply that will not come.
	stop := context.AfterFunc(ctx, func() {
		for _, b := range bs {
			if in, ok := b.(interrupter); ok {
				in.interrupt()
			}
		}
	})
	defer stop()
	results := make([]result, len(bs))
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(sc.Duration)
	for i, b := range bs {
		quota := clientQuota(sc, i)
		wg.Go(func() {
			r := &results[i]
			r.hist = newHist()
			r.ops, r.errs, r.err = drive(ctx, b, sc.Pipeline, quota, deadline, r.hist)
		})
	}
	wg.Wait()
	run := Sample{Elapsed: time.Since(start), Hist: newHist()}
	var errs []error
	for _, r := range results {
		run.Ops += r.ops
		run.Errors += r.errs
		run.Hist.Merge(r.hist)
		errs = append(errs, r.err)
	}
	if err := ctx.Err(); err != nil {
		// The clients' errors are only the echo of the cancel.
		return run, err
	}
	return run, errors.Join(errs...)
}

// clientQuota is how many commands client i of sc sends: its share of
// sc.Ops, or -1 (no limit) for a timed run.
func clientQuota(sc Scenario, i int) int {
	if sc.Ops <= 0 {
		return -1
	}
	q := sc.Ops / sc.Clients
	if i < sc.Ops%sc.Clients {
		q++
	}
	return q
}

// drive runs batches on b until quota commands are done (quota >= 0), or
// the deadline passes (quota < 0), or ctx ends.
func drive(ctx context.Context, b batcher, pipe, quota int, deadline time.Time, h *hdrhistogram.Histogram) (ops, errs int64, err error) {
	for ctx.Err() == nil {
		n := pipe
		if quota >= 0 {
			n = min(n, quota-int(ops))
			if n <= 0 {
				return ops, errs, nil
			}
		}
		t0 := time.Now()
		e, err := b.batch(n)
		t1 := time.Now()
		if err != nil {
			return ops, errs, err
		}
		us := max(t1.Sub(t0).Microseconds(), histMin)
		h.RecordValues(min(us, histMax), int64(n))
		ops += int64(n)
		errs += int64(e)
		if quota < 0 && !t1.Before(deadline) {
			return ops, errs, nil
		}
	}
	return ops, errs, ctx.Err()
}

// opener opens one loading connection: send stores keys [from, to) in one
// pipelined batch; done closes the connection.
type opener func(ctx context.Context) (send func(from, to int) error, done func(), err error)

// loadParallel stores keys 0..keys-1 over conns connections opened by
// open, each taking an equal slice of the range in batches of depth keys.
func loadParallel(ctx context.Context, keys, conns, depth int, open opener) error {
	conns = max(1, min(conns, keys))
	errs := make([]error, conns)
	var wg sync.WaitGroup
	per := (keys + conns - 1) / conns
	for i := range conns {
		lo, hi := i*per, min((i+1)*per, keys)
		wg.Go(func() {
			send, done, err := open(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			defer done()
			for k := lo; k < hi && ctx.Err() == nil; k += depth {
				if err := send(k, min(k+depth, hi)); err != nil {
					errs[i] = err
					return
				}
			}
			errs[i] = ctx.Err()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
