package actor

import "context"

// Future is a one-shot reply slot: the actor calls Complete once, the caller
// calls Wait once. The channel is buffered, so Complete never blocks and an
// actor never waits for a caller that gave up; a caller whose context ends
// stops waiting and must then not reuse the future (the actor may still write
// to it), which is why Wait reports whether the future may be recycled.
type Future[T any] struct {
	ch chan T
}

// NewFuture returns an empty future.
func NewFuture[T any]() *Future[T] { return &Future[T]{ch: make(chan T, 1)} }

// Complete delivers v. Call it exactly once per Wait.
func (f *Future[T]) Complete(v T) { f.ch <- v }

// Wait returns the completed value, or ctx.Err() when ctx ends first, or
// ErrStopped when stop is closed first. On an error the future is abandoned:
// the completing side may still write to it later, so it must not be reused.
func (f *Future[T]) Wait(ctx context.Context, stop <-chan struct{}) (T, error) {
	var zero T
	select {
	case v := <-f.ch:
		return v, nil
	default:
	}
	select {
	case v := <-f.ch:
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-stop:
		// The actor may have completed just before stopping.
		select {
		case v := <-f.ch:
			return v, nil
		default:
		}
		return zero, ErrStopped
	}
}
