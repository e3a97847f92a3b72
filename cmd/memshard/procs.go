package main

import (
	"runtime"
	"strings"
)

// startProcs is GOMAXPROCS as the process started; run puts it back when
// it returns, so that runs inside one test binary do not leak their value.
var startProcs = runtime.GOMAXPROCS(0)

// setProcs sets how many processors run Go code and returns the value set.
// An explicit --procs wins; else a GOMAXPROCS environment variable is left
// to the runtime, which has already applied it; else half the CPUs.
func setProcs(n int, environ []string) int {
	if n == 0 {
		for _, kv := range environ {
			if strings.HasPrefix(kv, "GOMAXPROCS=") {
				return runtime.GOMAXPROCS(0)
			}
		}
		n = defaultProcs(runtime.NumCPU())
	}
	runtime.GOMAXPROCS(n)
	return n
}

// defaultProcs is half the CPUs, at least one: the event loops and the
// shards they wake run on these processors, the other CPUs are left to the
// kernel's network stack (on loopback, most of each request's cost) and to
// clients on the same machine. Measured on 2 CPUs with memshard-bench
// running one memshard against another, alternating rounds: one processor
// beat two in 16 of 19 RESP scenarios (1.05–1.36× ops/s; c50 -P 16 GET
// 1.28×, c1 1.15–1.36×), because a shard woken from the event loop's
// processor then runs there at the loop's next yield instead of waiting for
// another thread to wake, spin and steal it. Unpipelined GET and SET with
// 50 clients were the exceptions (0.95–0.97×).
func defaultProcs(cpus int) int { return max(1, cpus/2) }
