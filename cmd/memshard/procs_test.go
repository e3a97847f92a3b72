package main

import (
	"runtime"
	"testing"
)

func TestDefaultProcs(t *testing.T) {
	for cpus, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 2, 16: 8} {
		if got := defaultProcs(cpus); got != want {
			t.Errorf("defaultProcs(%d) = %d, want %d", cpus, got, want)
		}
	}
}

func TestSetProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	if got := setProcs(3, []string{"GOMAXPROCS=5"}); got != 3 || runtime.GOMAXPROCS(0) != 3 {
		t.Fatalf("--procs 3: set %d, GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
	// $GOMAXPROCS was applied by the runtime at start-up: left alone.
	if got := setProcs(0, []string{"HOME=/", "GOMAXPROCS=5"}); got != 3 || runtime.GOMAXPROCS(0) != 3 {
		t.Fatalf("with $GOMAXPROCS: set %d, GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
	want := defaultProcs(runtime.NumCPU())
	if got := setProcs(0, nil); got != want || runtime.GOMAXPROCS(0) != want {
		t.Fatalf("default: set %d, GOMAXPROCS %d, want %d", got, runtime.GOMAXPROCS(0), want)
	}
}
