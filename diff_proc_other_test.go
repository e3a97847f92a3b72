//go:build !linux

package memshard_test

import "os/exec"

// setDeathSignal is a no-op where the kernel has no parent-death signal; the
// test's cleanup still kills the child.
func setDeathSignal(*exec.Cmd) {}
