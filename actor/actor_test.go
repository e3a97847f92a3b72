package actor

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestMailboxDeliversEverythingOnce(t *testing.T) {
	mb := NewMailbox[int]()
	const producers, each = 8, 5000
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if !mb.Push(p*each + i) {
					t.Error("push refused while open")
					return
				}
			}
		}(p)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := make([]bool, producers*each)
	got, wakeups := 0, 0
	var buf []int
	for got < producers*each {
		select {
		case <-mb.Ready():
		case <-done:
		}
		buf = mb.Drain(buf)
		if len(buf) > 0 {
			wakeups++
		}
		for _, v := range buf {
			if seen[v] {
				t.Fatalf("%d delivered twice", v)
			}
			seen[v] = true
			got++
		}
	}
	t.Logf("%d items in %d drains", got, wakeups)
	if rest := mb.Close(); len(rest) != 0 {
		t.Fatalf("%d items left", len(rest))
	}
	if mb.Push(1) {
		t.Fatal("push accepted after close")
	}
	if rest := mb.Close(); rest != nil {
		t.Fatal("second close returned items")
	}
}

func TestMailboxCloseReturnsQueued(t *testing.T) {
	mb := NewMailbox[string]()
	mb.Push("a")
	mb.Push("b")
	if mb.Len() != 2 {
		t.Fatalf("len %d", mb.Len())
	}
	if rest := mb.Close(); len(rest) != 2 || rest[0] != "a" || rest[1] != "b" {
		t.Fatalf("close: %v", rest)
	}
}

func TestMailboxWake(t *testing.T) {
	mb := NewMailbox[int]()
	mb.Wake()
	mb.Wake() // never blocks
	select {
	case <-mb.Ready():
	default:
		t.Fatal("wake did not signal")
	}
	if got := mb.Drain(nil); len(got) != 0 {
		t.Fatalf("wake queued %v", got)
	}
}

func TestGroupLifecycle(t *testing.T) {
	g := NewGroup()
	ran := make(chan struct{}, 2)
	for i := 0; i < 2; i++ {
		if err := g.Go(func(quit <-chan struct{}) {
			<-quit
			ran <- struct{}{}
		}); err != nil {
			t.Fatal(err)
		}
	}
	g.Stop()
	g.Stop() // idempotent
	g.Wait()
	if len(ran) != 2 {
		t.Fatalf("%d goroutines returned", len(ran))
	}
	if err := g.Go(func(<-chan struct{}) {}); !errors.Is(err, ErrStopped) {
		t.Fatalf("go after stop: %v", err)
	}
	select {
	case <-g.Quit():
	case <-time.After(time.Second):
		t.Fatal("quit not closed")
	}
}

// BenchmarkBaselineChannelRoundTrip is the machine's floor for one request
// and reply between two goroutines over buffered channels: compare the
// embedded single-call benchmarks with it, not with an absolute number.
func BenchmarkBaselineChannelRoundTrip(b *testing.B) {
	req, rep := make(chan int, 1), make(chan int, 1)
	go func() {
		for v := range req {
			rep <- v
		}
	}()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req <- i
		<-rep
	}
	close(req)
}

// BenchmarkMailboxRoundTrip is the same round trip through a Mailbox and a
// reply channel, as a shard and a session do it.
func BenchmarkMailboxRoundTrip(b *testing.B) {
	mb := NewMailbox[chan int]()
	go func() {
		var buf []chan int
		for {
			<-mb.Ready()
			buf = mb.Drain(buf)
			for _, c := range buf {
				if c == nil {
					return
				}
				c <- 1
			}
		}
	}()
	reply := make(chan int, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		mb.Push(reply)
		<-reply
	}
	mb.Push(nil)
}
