package netpoll

import (
	"sync"
	"testing"
)

func TestInbox(t *testing.T) {
	var b Inbox[int]
	const senders, each = 4, 1000
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				b.Put(s*each + i)
			}
		}()
	}
	last := make([]int, senders) // per sender, the next value expected
	for s := range last {
		last[s] = s * each
	}
	got := 0
	drain := func() bool {
		items, stop := b.Take()
		for _, v := range items {
			s := v / each
			if v != last[s] {
				t.Fatalf("sender %d: got %d, want %d (order lost)", s, v, last[s])
			}
			last[s]++
			got++
		}
		return stop
	}
	for got < senders*each {
		if drain() {
			t.Fatal("stop before Stop")
		}
	}
	wg.Wait()
	b.Stop()
	if !drain() {
		t.Fatal("Stop not reported")
	}
	if got != senders*each {
		t.Fatalf("got %d values, want %d", got, senders*each)
	}
}
