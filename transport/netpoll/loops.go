package netpoll

import "runtime"

// DefaultLoops is how many event loops a transport runs when not told: one
// per two processors (GOMAXPROCS), at least one. On two processors a
// second RESP loop raised pipelined throughput but, with the clients on the
// same machine, doubled the p99 latency of unpipelined requests (more busy
// threads than cores); HTTP behaves the same.
func DefaultLoops() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// A Round is what an event loop does each time it wakes (see Poller.Run).
type Round interface {
	// Timeout is how long, in milliseconds, to wait when nothing is
	// ready; -1 for as long as it takes.
	Timeout() int
	// Begin starts a round, before its events.
	Begin()
	// Event handles one ready descriptor (never the wake-up pipe).
	Event(fd int, events uint32)
	// End finishes the round; false stops the loop.
	End() bool
	// Failed is told why waiting failed; the loop stops after it.
	Failed(err error)
}
