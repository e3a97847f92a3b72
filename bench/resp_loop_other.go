//go:build !linux

package bench

import "context"

// runRESP runs sc against the RESP server at addr, a goroutine per client
// (the event-loop generator is Linux only).
func runRESP(ctx context.Context, addr string, sc Scenario) (Sample, error) {
	return runLoad(ctx, sc, respDialer(addr, sc))
}
