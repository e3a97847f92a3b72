package memshard

import (
	"context"
	"strconv"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

// Get returns a copy of key's value, or ErrNotFound.
func (db *DB) Get(ctx context.Context, key string) ([]byte, error) {
	if db.closed.Load() {
		return nil, ErrClosed
	}
	c := db.get()
	defer db.put(c)
	rep := c.s.Do(ctx, c.setStrings("get", key))
	switch rep.Kind {
	case reply.KindBulk:
		return append([]byte(nil), rep.Str...), nil
	case reply.KindNil:
		return nil, ErrNotFound
	}
	return nil, db.finish(ctx, rep, nil)
}

// Set stores value at key; ttl > 0 sets an expiry (millisecond precision),
// ttl == 0 stores it without one.
func (db *DB) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if db.closed.Load() {
		return ErrClosed
	}
	c := db.get()
	defer db.put(c)
	argv := c.setStrings("set", key, "")
	argv[2] = value
	if ttl > 0 {
		n := len(c.buf)
		c.buf = strconv.AppendInt(c.buf, max(ttl.Milliseconds(), 1), 10)
		argv = append(argv, pxArg, c.buf[n:])
	}
	return db.finish(ctx, c.s.Do(ctx, argv), nil)
}

var pxArg = []byte("px")

// Del removes keys and returns how many existed.
func (db *DB) Del(ctx context.Context, keys ...string) (int64, error) {
	return db.intCmd(ctx, "del", keys)
}

// Exists returns how many of keys exist (a key named twice counts twice).
func (db *DB) Exists(ctx context.Context, keys ...string) (int64, error) {
	return db.intCmd(ctx, "exists", keys)
}

// DBSize returns the number of keys.
func (db *DB) DBSize(ctx context.Context) (int64, error) {
	return db.intCmd(ctx, "dbsize", nil)
}

func (db *DB) intCmd(ctx context.Context, name string, keys []string) (int64, error) {
	args := make([]any, 0, len(keys)+1)
	args = append(args, name)
	for _, k := range keys {
		args = append(args, k)
	}
	var n int64
	err := db.do(ctx, args, func(r reply.Reply) error { n = r.Int; return nil })
	return n, err
}

// Expire sets key's time to live (millisecond precision) and reports whether
// the key exists. A ttl <= 0 deletes the key, as in Redis.
func (db *DB) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	var ok bool
	err := db.do(ctx, []any{"pexpire", key, ttl.Milliseconds()}, func(r reply.Reply) error {
		ok = r.Int == 1
		return nil
	})
	return ok, err
}

// TTL returns key's remaining time to live: -1 without expiry, ErrNotFound
// when the key does not exist.
func (db *DB) TTL(ctx context.Context, key string) (time.Duration, error) {
	var d time.Duration
	err := db.do(ctx, []any{"pttl", key}, func(r reply.Reply) error {
		switch r.Int {
		case -2:
			return ErrNotFound
		case -1:
			d = -1
		default:
			d = time.Duration(r.Int) * time.Millisecond
		}
		return nil
	})
	return d, err
}

// Keys returns every key matching a glob pattern (KEYS: it visits the whole
// keyspace; prefer Scan on large stores).
func (db *DB) Keys(ctx context.Context, pattern string) ([]string, error) {
	var keys []string
	err := db.do(ctx, []any{"keys", pattern}, func(r reply.Reply) error {
		keys = strs(r.Arr)
		return nil
	})
	return keys, err
}

// Scan returns a page of keys matching pattern ("" matches all) and the cursor
// of the next page; 0 means the iteration is complete. Every key present
// for the whole iteration is returned at least once.
func (db *DB) Scan(ctx context.Context, cursor uint64, match string, count int) ([]string, uint64, error) {
	args := []any{"scan", cursor}
	if match != "" {
		args = append(args, "match", match)
	}
	if count > 0 {
		args = append(args, "count", count)
	}
	var keys []string
	var next uint64
	err := db.do(ctx, args, func(r reply.Reply) error {
		next, _ = strconv.ParseUint(string(r.Arr[0].Str), 10, 64)
		keys = strs(r.Arr[1].Arr)
		return nil
	})
	return keys, next, err
}

func strs(rs []reply.Reply) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r.Str)
	}
	return out
}
