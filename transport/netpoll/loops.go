package netpoll

import "runtime"

// DefaultLoops is how many event loops a transport runs when not told: one
// per two processors (GOMAXPROCS), at least one. On two processors a
// second RESP loop raised pipelined throughput but, with the clients on the
// same machine, doubled the p99 latency of unpipelined requests (more busy
// threads than cores); HTTP behaves the same.
func DefaultLoops() int { return max(1, runtime.GOMAXPROCS(0)/2) }
