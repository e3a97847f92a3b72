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

// newWireSUT is, with -tags diffself, a second redis-server spoken to over
// the wire.
func newWireSUT(t testing.TB, proto int) diffTarget {
	t.Helper()
	w := newWireRedis(t, proto)
	w.label = "redis#2"
	return w
}
