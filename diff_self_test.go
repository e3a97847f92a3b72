//go:build diffself

package memshard_test

import "testing"

// With -tags diffself the side under test is a second redis-server: the
// differential tests then check their own harness (every sequence must pass,
// including the normalisations), without needing the engine.
func newSUT(t testing.TB) diffTarget {
	t.Helper()
	return &selfTarget{newRedisTarget(t)}
}

type selfTarget struct{ *redisTarget }

func (selfTarget) name() string { return "redis#2" }
