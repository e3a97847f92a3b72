package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// upstashClientDir holds the Node script and its package.json; CI installs
// its node_modules with npm ci (see .ci/run).
const upstashClientDir = "testdata/upstash-client"

// TestUpstashClient runs the official @upstash/redis npm client against a
// server with a token (base64 responses and auto-pipelining, the client's
// defaults) and checks every result the script prints.
func TestUpstashClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH; install Node.js and run `npm ci --prefix transport/httpapi/testdata/upstash-client`")
	}
	if _, err := os.Stat(filepath.Join(upstashClientDir, "node_modules", "@upstash", "redis", "package.json")); err != nil {
		t.Skip("@upstash/redis is not installed; run `npm ci --prefix transport/httpapi/testdata/upstash-client`")
	}

	const token = "upstash-client-test-token"
	_, c := startServer(t, func(cfg *Config) { cfg.Token = token })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs")
	cmd.Dir = upstashClientDir
	cmd.Env = append(os.Environ(),
		"MEMSHARD_URL="+c.base,
		"MEMSHARD_TOKEN="+token,
		"UPSTASH_DISABLE_TELEMETRY=1",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Run waits for node to exit; on the deadline it is killed, and
	// WaitDelay bounds the wait for its output pipes after that.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("node client.mjs: %v (context: %v)\nstderr:\n%s\nstdout:\n%s", err, ctx.Err(), stderr.String(), stdout.String())
	}
	t.Logf("client output: %s", strings.TrimSpace(stdout.String()))
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("node stderr:\n%s", s)
	}

	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one JSON line on stdout, got %d:\n%s", len(lines), stdout.String())
	}
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, lines[0])
	}

	const unicode = `"héllo wörld ✓ 日本語 🚀"`
	// Each value is the JSON the script must print for that key.
	want := map[string]string{
		"set":         `"OK"`,
		"get":         `"hello"`,
		"setUnicode":  `"OK"`,
		"getUnicode":  unicode,
		"getMissing":  `null`,
		"incr1":       `1`,
		"incr2":       `2`,
		"incrby":      `42`,
		"expire":      `1`,
		"ttl":         `100`, // TTL rounds like Redis, so 100 for 500 ms
		"ttlNoExpiry": `-1`,
		"ttlMissing":  `-2`,
		"setEx":       `"OK"`,
		"ttlEx":       `50`,
		"mget":        `["hello", null, ` + unicode + `]`,
		"setObject":   `"OK"`,
		"getObject":   `{"name": "memshard", "n": 3, "tags": ["a", "b"], "nested": {"ok": true}}`,
		"auto":        `["OK", "x y", 1, 1]`,
		"pipeline":    `["OK", "OK", "one", "twö", 1, ["one", "twö", null], 1, 1]`,
		// GET of "15" comes back as the number 15: the client JSON-parses
		// every string it reads.
		"multi":        `["OK", 15, 15, 1, 30, "OK", {"k": "v"}]`,
		"directSet":    `"OK"`,
		"directGet":    `"a b ✓"`,
		"directTtl":    `20`,
		"directIncr":   `43`,
		"directMget":   `["a b ✓", {"name": "memshard", "n": 3, "tags": ["a", "b"], "nested": {"ok": true}}, null]`,
		"existsBefore": `2`,
		"del":          `2`,
		"existsAfter":  `0`,
		"getDeleted":   `null`,
	}

	keys := make([]string, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		w, ok := want[k]
		if !ok {
			t.Errorf("%s: unexpected result %s", k, jsonText(got[k]))
			continue
		}
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: missing from the script's output", k)
			continue
		}
		wd := json.NewDecoder(strings.NewReader(w))
		wd.UseNumber()
		var wv any
		if err := wd.Decode(&wv); err != nil {
			t.Fatalf("%s: bad expectation %s: %v", k, w, err)
		}
		if ttlClose(k, g, wv) {
			continue
		}
		if !reflect.DeepEqual(g, wv) {
			t.Errorf("%s = %s, want %s", k, jsonText(g), jsonText(wv))
		}
	}
}

// ttlClose accepts a TTL up to 2 s below the expected one: on a loaded
// machine (-race, CI) more than the half second that TTL's rounding hides
// may pass between the SET and the TTL.
func ttlClose(key string, got, want any) bool {
	switch key {
	case "ttl", "ttlEx", "directTtl":
	default:
		return false
	}
	gn, ok1 := got.(json.Number)
	wn, ok2 := want.(json.Number)
	if !ok1 || !ok2 {
		return false
	}
	g, err1 := gn.Int64()
	w, err2 := wn.Int64()
	return err1 == nil && err2 == nil && g <= w && g >= w-2
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
