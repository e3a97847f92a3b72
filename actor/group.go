package actor

import (
	"errors"
	"sync"
)

// ErrStopped is returned when work is offered to something that has stopped.
var ErrStopped = errors.New("actor: stopped")

// Group owns the lifecycle of a set of goroutines: Go starts one (refusing
// after Stop), Stop closes the quit channel once, Wait blocks until every
// goroutine started through the group has returned.
//
// The zero value is not usable; call NewGroup. All methods are safe for
// concurrent use.
type Group struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	quit    chan struct{}
	stopped bool
}

// NewGroup returns a running group.
func NewGroup() *Group { return &Group{quit: make(chan struct{})} }

// Go runs fn on a new goroutine tracked by the group. It returns ErrStopped,
// and runs nothing, once Stop was called.
func (g *Group) Go(fn func(quit <-chan struct{})) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return ErrStopped
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn(g.quit)
	}()
	return nil
}

// Quit is closed when Stop is called.
func (g *Group) Quit() <-chan struct{} { return g.quit }

// Stop asks every goroutine to return by closing Quit. Idempotent.
func (g *Group) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stopped {
		g.stopped = true
		close(g.quit)
	}
}

// Wait blocks until every goroutine started by Go has returned.
func (g *Group) Wait() { g.wg.Wait() }
