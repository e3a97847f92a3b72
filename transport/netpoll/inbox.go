package netpoll

import "sync"

// Inbox carries values from other goroutines to an event loop's goroutine,
// and a stop request. Senders wake the loop themselves (Poller.Wake).
type Inbox[T any] struct {
	mu    sync.Mutex
	items []T
	taken []T // what the last Take returned, reused by the next
	stop  bool
}

// Put adds v. Safe from any goroutine.
func (b *Inbox[T]) Put(v T) {
	b.mu.Lock()
	b.items = append(b.items, v)
	b.mu.Unlock()
}

// Stop records the stop request. Safe from any goroutine.
func (b *Inbox[T]) Stop() {
	b.mu.Lock()
	b.stop = true
	b.mu.Unlock()
}

// Take returns the values put since the last Take, in order (valid until
// the next Take), and whether Stop was called. Only the loop calls it.
func (b *Inbox[T]) Take() ([]T, bool) {
	clear(b.taken)
	b.mu.Lock()
	items := b.items
	b.items = b.taken[:0]
	stop := b.stop
	b.mu.Unlock()
	b.taken = items
	return items, stop
}
