package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRunHelpVersionAndBadConfig(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Usage: memshard") {
		t.Errorf("--help: exit %d, stdout %q", code, stdout.String())
	}

	stdout.Reset()
	if code := run([]string{"--version"}, nil, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "memshard ") {
		t.Errorf("--version: exit %d, stdout %q", code, stdout.String())
	}

	stdout.Reset()
	code := run([]string{"--shards", "-1"}, nil, &stdout, &stderr)
	if want := "memshard: --shards \"-1\": must be a whole number >= 0\n"; code != 2 || stderr.String() != want {
		t.Errorf("bad config: exit %d, stderr %q; want 2, %q", code, stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("bad config wrote to stdout: %q", stdout.String())
	}

	// Upper bounds are checked before anything starts, too: --procs 100000
	// used to hang start-up with no log line.
	for _, args := range [][]string{{"--shards", "100000"}, {"--procs", "100000"}} {
		stderr.Reset()
		want := "memshard: " + args[0] + " 100000: must be at most "
		if code := run(args, nil, &stdout, &stderr); code != 2 || !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("%q: exit %d, stderr %q; want 2, %q...", args, code, stderr.String(), want)
		}
	}
}

// syncBuffer collects a child process's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildBinary builds this command into a temp dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	bin := filepath.Join(t.TempDir(), "memshard")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a running memshard process.
type server struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // Wait's result, valid after done
}

// startServer starts bin with args in a fresh working directory (also its
// PWD) and an environment without MEMSHARD_* variables. The process is killed at the
// end of the test if it is still running.
func startServer(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(bin, args...), out: new(syncBuffer), done: make(chan struct{})}
	s.cmd.Dir = t.TempDir()
	s.cmd.Env = []string{"PWD=" + s.cmd.Dir}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix) && !strings.HasPrefix(kv, "PWD=") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// waitOutput polls the output until it contains want, failing the test if
// the process exits first or 30 seconds pass.
func (s *server) waitOutput(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(s.out.String(), want) {
		select {
		case <-s.done:
			if strings.Contains(s.out.String(), want) {
				return
			}
			t.Fatalf("process exited (%v) before printing %q; output:\n%s", s.err, want, s.out.String())
		case <-deadline:
			t.Fatalf("no %q after 30s; output:\n%s", want, s.out.String())
		case <-tick.C:
		}
	}
}

// stop sends sig and returns the exit code, failing the test if the process
// does not exit within 30 seconds.
func (s *server) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30s after %v; output:\n%s", sig, s.out.String())
	}
	var exit *exec.ExitError
	if s.err != nil && !errors.As(s.err, &exit) {
		t.Fatalf("wait: %v", s.err)
	}
	// The process is reaped, so its pid no longer names it.
	if err := syscall.Kill(s.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) after exit = %v, want ESRCH", s.cmd.Process.Pid, err)
	}
	return s.cmd.ProcessState.ExitCode()
}

func TestBinaryStartsAndStopsCleanly(t *testing.T) {
	bin := buildBinary(t)

	t.Run("json logs, SIGTERM", func(t *testing.T) {
		dumps := filepath.Join(t.TempDir(), "dumps")
		s := startServer(t, bin, "--dump-dir", dumps, "--log-format", "json", "--shards", "2", "--resp-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
		s.waitOutput(t, `"message":"ready"`)

		lines := map[string]map[string]any{}
		for _, line := range strings.Split(strings.TrimSpace(s.out.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line is not JSON: %q", line)
			}
			msg, _ := rec["message"].(string)
			lines[strings.SplitN(msg, ":", 2)[0]] = rec
		}
		if ready := lines["ready"]; ready["shards"] != 2.0 || ready["dump_dir"] != dumps || ready["level"] != "info" {
			t.Errorf("ready line %v, want shards 2 and dump_dir %s at info", ready, dumps)
		}
		if cfg := lines["configuration"]; cfg == nil || cfg["http_addr"] != "127.0.0.1:0" || cfg["requirepass"] != "unset" {
			t.Errorf("configuration line %v", cfg)
		}
		if addr, _ := lines["ready"]["resp_addr"].(string); !pingRESP(t, addr) {
			t.Errorf("no PONG from the RESP listener at %q", addr)
		}
		if addr, _ := lines["ready"]["http_addr"].(string); !livez(t, addr) {
			t.Errorf("no 200 from /livez at %q", addr)
		}
		if lines["this build serves RESP and HTTP; persistence and maxmemory are configured but not built yet"] == nil {
			t.Errorf("no line saying what is not served yet; output:\n%s", s.out.String())
		}
		fi, err := os.Stat(dumps)
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&^0o750 != 0 {
			t.Errorf("dump-dir: %v, %v; want a directory with at most 0750", fi.Mode(), err)
		}

		if code := s.stop(t, syscall.SIGTERM); code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0; output:\n%s", code, s.out.String())
		}
		for _, want := range []string{`"message":"shutting down"`, `"cause":"terminated signal received"`, `"message":"stopped"`} {
			if !strings.Contains(s.out.String(), want) {
				t.Errorf("output lacks %s:\n%s", want, s.out.String())
			}
		}
	})

	t.Run("console logs, SIGINT", func(t *testing.T) {
		s := startServer(t, bin, "--dump-dir", "dumps", "--resp-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0") // relative to the working directory
		s.waitOutput(t, " ready ")
		abs := filepath.Join(s.cmd.Dir, "dumps")
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			t.Errorf("dump-dir %s not created: %v", abs, err)
		}
		if out := s.out.String(); !strings.Contains(out, "dump_dir="+abs) {
			t.Errorf("ready line does not show the absolute dump-dir %s:\n%s", abs, out)
		}
		if code := s.stop(t, os.Interrupt); code != 0 {
			t.Errorf("exit code %d after SIGINT, want 0; output:\n%s", code, s.out.String())
		}
		if out := s.out.String(); !strings.Contains(out, "shards=auto") || !strings.Contains(out, "ready dump_dir=") || !strings.Contains(out, "stopped") {
			t.Errorf("output:\n%s", out)
		}
	})

	t.Run("bad config exits 2", func(t *testing.T) {
		s := startServer(t, bin, "--appendfsync", "sometimes")
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Fatal("still running with a bad config")
		}
		if code := s.cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(s.out.String(), "must be one of always, everysec, no") {
			t.Errorf("exit %d, output %q", code, s.out.String())
		}
	})
}

// pingRESP sends PING to a RESP listener and reports whether it answered PONG.
func pingRESP(t *testing.T, addr string) bool {
	t.Helper()
	if addr == "" {
		return false
	}
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Logf("dial %s: %v", addr, err)
		return false
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 7)
	n, _ := io.ReadFull(nc, buf)
	return string(buf[:n]) == "+PONG\r\n"
}

// livez asks an HTTP listener's /livez and reports whether it answered 200.
func livez(t *testing.T, addr string) bool {
	t.Helper()
	if addr == "" {
		return false
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/livez")
	if err != nil {
		t.Logf("livez: %v", err)
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}
