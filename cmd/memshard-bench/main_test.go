package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memshard/memshard/bench"
)

func TestList(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"memshard-bench", "--list", "--only", "^resp GET"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("want the 5 resp GET scenarios, got:\n%s", out.String())
	}
	if code := run([]string{"memshard-bench", "--list", "--only", "("}, &out, &errb); code != 2 {
		t.Fatalf("bad --only: exit %d", code)
	}
}

func TestTargetFlag(t *testing.T) {
	tg := targets{}
	for _, ok := range []string{"memshard=127.0.0.1:6380", "memshard-http=127.0.0.1:8080", "redis=127.0.0.1:6379"} {
		if err := tg.Set(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if tg["redis"] != "127.0.0.1:6379" || tg["memshard"] != "127.0.0.1:6380" {
		t.Fatalf("%v", tg)
	}
	for _, bad := range []string{"memshard", "memshard=", "dragonfly=127.0.0.1:1"} {
		if err := tg.Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"memshard-bench", "--target", "nope=1"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

// --from rewrites the files of an earlier run without running anything.
func TestFromReport(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.json")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	rep := &bench.Report{Command: []string{"memshard-bench"}, Rounds: 1, Results: []bench.Result{{
		Scenario: bench.FullScenarios()[0], Baseline: "redis", Ratio: 1.5,
		Systems: []bench.Summary{{System: "memshard", Median: 3000}, {System: "redis", Median: 2000}}}}}
	if err := bench.WriteJSON(f, rep); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out, errb bytes.Buffer
	outDir := filepath.Join(dir, "out")
	if code := run([]string{"memshard-bench", "--from", src, "--out", outDir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "resp GET c1 p1") {
		t.Fatalf("table:\n%s", out.String())
	}
	for _, name := range []string{bench.JSONFile, bench.HTMLFile, bench.RatioFile, bench.TableFile} {
		if _, err := os.Stat(filepath.Join(outDir, name)); err != nil {
			t.Error(err)
		}
	}
}
