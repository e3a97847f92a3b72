package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BaselineName names the second memshard build of a --baseline-bin run:
// its server, its side in every result and its log file.
const BaselineName = "baseline"

// Server is one system under test: a process this package started (and
// stops), or an address it was given.
type Server struct {
	Name     string // "memshard", "redis", "webdis" or BaselineName
	RESPAddr string // empty for webdis
	HTTPAddr string // memshard's HTTP listener, webdis's; empty if none
	argv     []string
	logPath  string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Managed reports whether this package runs the server's process.
func (s *Server) Managed() bool { return s.argv != nil }

// PID is the server process's id, 0 when it is not managed.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// FreePort returns a loopback port nothing listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// BuildMemshard builds cmd/memshard of the module that holds the working
// directory into dir and returns the binary's path.
func BuildMemshard(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the memshard module: run from its tree or pass --memshard-bin")
	}
	bin := filepath.Join(dir, "memshard")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/memshard")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/memshard: %w\n%s", err, out)
	}
	return bin, nil
}

// startAttempts is how many times a server is started on fresh free ports:
// another process may take a port between FreePort and the server's bind.
const startAttempts = 3

func retryStart(ctx context.Context, start func() (*Server, error)) (*Server, error) {
	var err error
	for range startAttempts {
		var s *Server
		if s, err = start(); err == nil || ctx.Err() != nil {
			return s, err
		}
	}
	return nil, err
}

// StartMemshard runs bin on two free loopback ports without persistence.
func StartMemshard(ctx context.Context, bin, dir string) (*Server, error) {
	return startMemshardAs(ctx, "memshard", bin, dir)
}

// startMemshardAs is StartMemshard for a server called name, which also
// names its log file and data directory in dir.
func startMemshardAs(ctx context.Context, name, bin, dir string) (*Server, error) {
	return retryStart(ctx, func() (*Server, error) { return startMemshardOnce(ctx, name, bin, dir) })
}

// StartRedis runs redis-server on a free loopback port without persistence.
func StartRedis(ctx context.Context, dir string) (*Server, error) {
	return retryStart(ctx, func() (*Server, error) { return startRedisOnce(ctx, dir) })
}

// StartWebdis runs webdis on a free loopback port in front of the Redis
// at redisAddr.
func StartWebdis(ctx context.Context, dir, redisAddr string) (*Server, error) {
	return retryStart(ctx, func() (*Server, error) { return startWebdisOnce(ctx, dir, redisAddr) })
}

func startMemshardOnce(ctx context.Context, name, bin, dir string) (*Server, error) {
	rp, err := FreePort()
	if err != nil {
		return nil, err
	}
	hp, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Name: name, RESPAddr: loopback(rp), HTTPAddr: loopback(hp),
		logPath: filepath.Join(dir, name+".log"),
		argv: []string{bin, "--appendonly", "no", "--resp-addr", loopback(rp), "--http-addr", loopback(hp),
			"--log-level", "warn", "--dir", filepath.Join(dir, name+"-data")}}
	return s.started(ctx)
}

func startRedisOnce(ctx context.Context, dir string) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Name: "redis", RESPAddr: loopback(port), logPath: filepath.Join(dir, "redis.log"),
		argv: []string{"redis-server", "--save", "", "--appendonly", "no", "--port", strconv.Itoa(port),
			"--bind", "127.0.0.1", "--dir", dir}}
	return s.started(ctx)
}

// webdisConfig is the JSON file webdis reads.
type webdisConfig struct {
	RedisHost string `json:"redis_host"`
	RedisPort int    `json:"redis_port"`
	HTTPHost  string `json:"http_host"`
	HTTPPort  int    `json:"http_port"`
	Threads   int    `json:"threads"`
	PoolSize  int    `json:"pool_size_per_thread"`
	Daemonize bool   `json:"daemonize"`
	Database  int    `json:"database"`
	Verbosity int    `json:"verbosity"`
	Logfile   string `json:"logfile"`
}

func startWebdisOnce(ctx context.Context, dir, redisAddr string) (*Server, error) {
	host, ps, err := net.SplitHostPort(redisAddr)
	if err != nil {
		return nil, err
	}
	rport, err := strconv.Atoi(ps)
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cfg := webdisConfig{RedisHost: host, RedisPort: rport, HTTPHost: "127.0.0.1", HTTPPort: port,
		Threads: 2, PoolSize: 20, Verbosity: 1, Logfile: filepath.Join(dir, "webdis.log")}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	path := filepath.Join(dir, "webdis.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	s := &Server{Name: "webdis", HTTPAddr: loopback(port), logPath: filepath.Join(dir, "webdis.stdout"),
		argv: []string{"webdis", path}}
	return s.started(ctx)
}

// started starts s and returns it, or nil and the reason it did not start.
func (s *Server) started(ctx context.Context) (*Server, error) {
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context) error {
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = filepath.Dir(s.logPath)
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Name, err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		log, _ := os.ReadFile(s.logPath)
		return fmt.Errorf("%s did not start: %w\n%s", s.Name, err, tail(log, 2000))
	}
	return nil
}

// waitReady polls until the server answers PING (or, for webdis, accepts
// a connection), the process exits, or 30 seconds pass.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		var err error
		if s.RESPAddr != "" {
			_, err = respDo(ctx, s.RESPAddr, "PING")
		} else {
			var c net.Conn
			if c, err = net.DialTimeout("tcp", s.HTTPAddr, time.Second); err == nil {
				c.Close()
			}
		}
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return errors.New("the process exited")
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop ends a managed server: SIGTERM, then SIGKILL after five seconds.
// It does nothing for a server it did not start. Safe to call twice.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// Restart stops a managed server and starts it again on the same ports,
// so that a memory measurement begins from a fresh process.
func (s *Server) Restart(ctx context.Context) error {
	if !s.Managed() {
		return nil
	}
	s.Stop()
	return s.start(ctx)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
