//go:build !race

package httpapi

import "testing"

// TestNoRaceRootZeroAlloc pins the POST / hot path: a warm server decoding,
// running and answering a JSON GET or SET allocates nothing.
func TestNoRaceRootZeroAlloc(t *testing.T) {
	s := newHandlerServer(t)
	for _, tc := range []struct{ path, body, want string }{
		{"/", `["SET","k","v"]`, `{"result":"OK"}`},
		{"/", `["GET","k"]`, `{"result":"v"}`},
		{"/", `["SET","k","v","EX",100,"GET"]`, `{"result":"v"}`},
		{"/pipeline", `[["SET","k","v"],["GET","k"]]`, `[{"result":"OK"},{"result":"v"}]`},
	} {
		ctx := postCtx(tc.body)
		ctx.Request.SetRequestURI(tc.path)
		run := func() { serveOnce(t, s, ctx, tc.want) }
		run()
		if a := testing.AllocsPerRun(200, run); a != 0 {
			t.Errorf("POST %s %s: %.1f allocations per request, want 0", tc.path, tc.body, a)
		}
	}
}
