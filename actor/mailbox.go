package actor

import "sync"

// Mailbox is a multi-producer single-consumer queue. Producers Push from any
// goroutine; the one consumer waits on Ready and takes everything queued so far
// with Drain, so a burst of messages costs the consumer one wake-up.
//
// The zero value is not usable; call NewMailbox.
type Mailbox[T any] struct {
	mu     sync.Mutex
	items  []T
	closed bool
	ready  chan struct{} // capacity 1: "something was pushed since the last Drain"
}

// NewMailbox returns an empty open mailbox.
func NewMailbox[T any]() *Mailbox[T] {
	return &Mailbox[T]{ready: make(chan struct{}, 1)}
}

// Push queues v. It reports false, and queues nothing, once the mailbox is
// closed. Safe for concurrent use.
func (m *Mailbox[T]) Push(v T) bool {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	m.items = append(m.items, v)
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
	return true
}

// Wake signals Ready without queueing anything, so the consumer looks at
// its other duties (a due timer, a stop request). Safe for concurrent use.
func (m *Mailbox[T]) Wake() {
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled after a Push. The consumer selects on it, then Drains.
func (m *Mailbox[T]) Ready() <-chan struct{} { return m.ready }

// Drain moves every queued item into buf (which it truncates first) and returns
// it. The consumer passes back the slice it got last time, so after warm-up the
// mailbox and the consumer swap two backing arrays and never allocate.
// Only the consumer may call Drain.
func (m *Mailbox[T]) Drain(buf []T) []T {
	clear(buf)
	buf = buf[:0]
	m.mu.Lock()
	buf, m.items = m.items, buf
	m.mu.Unlock()
	return buf
}

// Close refuses further pushes and returns what was still queued, so the
// consumer can fail those requests instead of leaving their senders waiting.
// Closing twice returns nothing the second time.
func (m *Mailbox[T]) Close() []T {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	rest := m.items
	m.items = nil
	return rest
}

// Len is the number of queued items (a snapshot, for metrics).
func (m *Mailbox[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}
