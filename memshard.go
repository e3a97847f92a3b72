// Package memshard is an in-memory key-value store with Redis 7 semantics that
// runs inside your Go process. Keys hash to shard goroutines that own their
// data outright; every Redis command memshard implements is one Do call away,
// with typed convenience methods for the common ones. The same engine serves
// memshard's network listeners.
//
// A DB is safe for concurrent use by any number of goroutines. Connection
// state — MULTI/EXEC, WATCH — lives in a Session; atomic batches without it
// are a Tx.
package memshard

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
	"github.com/rs/zerolog"
)

// Options configures Open. Start from DefaultOptions.
type Options struct {
	// Shards is the number of shard goroutines; 0 picks DefaultShards().
	Shards int
	// DumpDir is the only directory DUMP and IMPORT may write or read;
	// empty disables both commands.
	DumpDir string
	// ActiveExpireInterval is how often each shard samples keys with a TTL
	// and deletes the expired ones (Redis: 100ms at hz 10). 0 means 100ms.
	ActiveExpireInterval time.Duration
	// Logger receives the engine's logs; nil discards them.
	Logger *zerolog.Logger
}

// DefaultOptions returns the options Open uses for zero fields.
func DefaultOptions() Options {
	return Options{ActiveExpireInterval: 100 * time.Millisecond}
}

// DefaultShards is the shard count chosen when Options.Shards is 0.
func DefaultShards() int { return router.DefaultShards() }

// Validate reports the first invalid option.
func (o *Options) Validate() error {
	if o.Shards < 0 || o.Shards > 4096 {
		return errors.New("memshard: Shards must be between 0 and 4096")
	}
	if o.ActiveExpireInterval < 0 {
		return errors.New("memshard: ActiveExpireInterval must not be negative")
	}
	return nil
}

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	r        *router.Router
	sessions sync.Pool
	closed   atomic.Bool
}

// Open starts a store's shards and returns it. Close it to stop them.
func Open(opts Options) (*DB, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	log := zerolog.Nop()
	if opts.Logger != nil {
		log = *opts.Logger
	}
	r, err := router.New(router.Config{
		Shards:               opts.Shards,
		DumpDir:              opts.DumpDir,
		ActiveExpireInterval: opts.ActiveExpireInterval,
		Logger:               log,
	})
	if err != nil {
		return nil, err
	}
	db := &DB{r: r}
	db.sessions.New = func() any { return newConn(r) }
	return db, nil
}

// Close stops the shards. Calls made afterwards return ErrClosed. Idempotent.
func (db *DB) Close() error {
	db.closed.Store(true)
	db.r.Close()
	return nil
}

// Router exposes the engine to memshard's own transports.
func (db *DB) Router() *router.Router { return db.r }

// Shards is the number of shards.
func (db *DB) Shards() int { return db.r.Shards() }

// conn is a router session plus reusable argument buffers.
type conn struct {
	s    *router.Session
	buf  []byte
	argv [][]byte
}

func newConn(r *router.Router) *conn { return &conn{s: r.NewSession()} }

// setArgs converts args to the argument vector, reusing the conn's buffers.
func (c *conn) setArgs(args []any) [][]byte {
	c.buf = c.buf[:0]
	c.argv = c.argv[:0]
	for _, a := range args {
		start := len(c.buf)
		c.buf = appendArg(c.buf, a)
		c.argv = append(c.argv, c.buf[start:len(c.buf):len(c.buf)])
	}
	return c.argv
}

// setStrings fills the argument vector from strings without boxing them.
func (c *conn) setStrings(args ...string) [][]byte {
	c.buf = c.buf[:0]
	c.argv = c.argv[:0]
	for _, a := range args {
		start := len(c.buf)
		c.buf = append(c.buf, a...)
		c.argv = append(c.argv, c.buf[start:len(c.buf):len(c.buf)])
	}
	return c.argv
}

// appendArg renders one Do argument as Redis clients do.
func appendArg(dst []byte, a any) []byte {
	switch v := a.(type) {
	case string:
		return append(dst, v...)
	case []byte:
		return append(dst, v...)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case int32:
		return strconv.AppendInt(dst, int64(v), 10)
	case uint64:
		return strconv.AppendUint(dst, v, 10)
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10)
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10)
	case float64:
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	case float32:
		return strconv.AppendFloat(dst, float64(v), 'f', -1, 32)
	case bool:
		if v {
			return append(dst, '1')
		}
		return append(dst, '0')
	case time.Duration:
		return strconv.AppendInt(dst, v.Milliseconds(), 10)
	case nil:
		return dst
	}
	return fmt.Append(dst, a)
}

func (db *DB) get() *conn  { return db.sessions.Get().(*conn) }
func (db *DB) put(c *conn) { db.sessions.Put(c) }

// do runs one command on a pooled session and hands the (arena-backed)
// reply to fn before the session is reused.
func (db *DB) do(ctx context.Context, args []any, fn func(reply.Reply) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	c := db.get()
	defer db.put(c)
	argv := c.setArgs(args)
	if cmd := router.Lookup(argv[0]); cmd != nil && cmd.Flags&router.FlagNoMulti != 0 || isUnwatch(argv[0]) {
		return &CommandError{Msg: "ERR " + string(argv[0]) + " needs a connection: use DB.Session or DB.Tx"}
	}
	return db.finish(ctx, c.s.Do(ctx, argv), fn)
}

// finish turns a reply into the error the API returns, then calls fn.
func (db *DB) finish(ctx context.Context, rep reply.Reply, fn func(reply.Reply) error) error {
	if err := replyErr(rep); err != nil {
		if db.closed.Load() {
			return ErrClosed
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fn != nil {
			fn(rep)
		}
		return err
	}
	if fn == nil {
		return nil
	}
	return fn(rep)
}

func isUnwatch(name []byte) bool { c := router.Lookup(name); return c != nil && c.Name == "unwatch" }

// Do runs any command and returns its reply, deep-copied so the caller may
// keep it. Arguments are strings, []byte, integers, floats or bools. A
// command error comes back both as a KindError reply and as a *CommandError
// (usable with errors.Is and the sentinel errors). MULTI, EXEC, DISCARD,
// WATCH and UNWATCH need connection state: use Session or Tx.
func (db *DB) Do(ctx context.Context, args ...any) (Reply, error) {
	if len(args) == 0 {
		return Reply{}, &CommandError{Msg: "ERR empty command"}
	}
	var out Reply
	err := db.do(ctx, args, func(r reply.Reply) error { out = r.Clone(); return nil })
	return out, err
}
