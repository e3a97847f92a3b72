package router

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Many sessions' pipelines in flight at once from one goroutine, finished in
// reverse order, with barriers (cross-shard MSET, MULTI/EXEC) inside: every
// session sees its own commands in order, as Exec would run them.
func TestStartFinishInterleaved(t *testing.T) {
	r := newRouter(t, 4)
	ks := keysOnShards(r, 2)
	a, b := ks[0][0], ks[1][0]
	const n = 20
	sess := make([]*Session, n)
	pipes := make([][][][]byte, n)
	for i := range sess {
		sess[i] = r.NewSession()
		defer sess[i].Close()
		v := fmt.Sprint(i)
		pipes[i] = [][][]byte{
			argv("SET", a+v, v),
			argv("INCR", b+v),
			argv("MSET", a+v, "x"+v, b+v, "y"+v), // spans shards: a barrier
			argv("GET", a+v),
			argv("MULTI"),
			argv("APPEND", b+v, "!"),
			argv("EXEC"),
			argv("GET", b+v),
		}
	}
	for i := range sess {
		sess[i].Start(pipes[i])
	}
	for i := n - 1; i >= 0; i-- {
		v := fmt.Sprint(i)
		var got []string
		for _, rep := range sess[i].Finish(context.Background(), pipes[i]) {
			got = append(got, rep.String())
		}
		want := []string{"OK", "(integer) 1", "OK", `"x` + v + `"`, "OK", "QUEUED",
			fmt.Sprintf("[(integer) %d]", len("y"+v)+1), `"y` + v + `!"`}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("session %d: got %q, want %q", i, got, want)
		}
	}
	if got := sess[0].Finish(context.Background(), nil); got != nil {
		t.Fatalf("Finish without Start: %v", got)
	}
}
