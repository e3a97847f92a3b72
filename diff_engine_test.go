//go:build !diffself

package memshard_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/memshard/memshard"
)

// engineTarget is the side under test: memshard's embedded engine, with
// DB.Do as connection 0 and a Session as connection 1.
type engineTarget struct {
	db   *memshard.DB
	sess *memshard.Session
}

// diffShards is more than one shard so that multi-key commands, KEYS, SCAN,
// RANDOMKEY and transactions cross shards.
const diffShards = 4

// newSUT opens the engine and closes it when t finishes.
func newSUT(t testing.TB) diffTarget {
	t.Helper()
	e := &engineTarget{}
	if err := e.reset(); err != nil {
		t.Fatalf("diff: open memshard: %v", err)
	}
	t.Cleanup(e.close)
	return e
}

func (e *engineTarget) name() string { return "memshard" }

// reset replaces the DB and its session with fresh ones, so that one sequence
// can never leak state into the next even if FLUSHALL were broken.
func (e *engineTarget) reset() error {
	e.close()
	opts := memshard.DefaultOptions()
	opts.Shards = diffShards
	db, err := memshard.Open(opts)
	if err != nil {
		return err
	}
	e.db, e.sess = db, db.Session()
	return nil
}

func (e *engineTarget) close() {
	if e.sess != nil {
		e.sess.Close()
		e.sess = nil
	}
	if e.db != nil {
		_ = e.db.Close()
		e.db = nil
	}
}

func (e *engineTarget) do(conn int, args []any) (node, error) {
	ctx, cancel := context.WithTimeout(context.Background(), respTimeout)
	defer cancel()
	var (
		rep memshard.Reply
		err error
	)
	if conn == 0 {
		rep, err = e.db.Do(ctx, args...)
	} else {
		rep, err = e.sess.Do(ctx, args...)
	}
	// The contract: a command error is both an error reply and a
	// *memshard.CommandError; any other error is a failure of the engine.
	var ce *memshard.CommandError
	switch {
	case err == nil && rep.Kind == memshard.KindError:
		return node{}, fmt.Errorf("error reply %q came with a nil error", rep.Str)
	case err != nil && !errors.As(err, &ce):
		return node{}, err
	case err != nil && rep.Kind != memshard.KindError:
		return node{}, fmt.Errorf("CommandError %v came with a %v reply", err, rep)
	}
	return fromReply(rep), nil
}

// fromReply converts an engine reply to the canonical form, as memshard's RESP2
// transport renders it: maps flatten to arrays, doubles become bulk strings.
func fromReply(r memshard.Reply) node {
	switch r.Kind {
	case memshard.KindNil:
		return node{kind: nNil}
	case memshard.KindNilArray:
		return node{kind: nNilArray}
	case memshard.KindStatus:
		return node{kind: nStatus, str: string(r.Str)}
	case memshard.KindError:
		return node{kind: nError, str: string(r.Str)}
	case memshard.KindInt:
		return node{kind: nInt, num: r.Int}
	case memshard.KindBulk:
		return node{kind: nBulk, str: string(r.Str)}
	case memshard.KindDouble:
		return node{kind: nBulk, str: strconv.FormatFloat(r.Dbl, 'g', 17, 64)}
	case memshard.KindArray, memshard.KindMap:
		arr := make([]node, len(r.Arr))
		for i, e := range r.Arr {
			arr[i] = fromReply(e)
		}
		return node{kind: nArray, arr: arr}
	}
	return node{kind: nError, str: fmt.Sprintf("diff: unknown reply kind %d", r.Kind)}
}
