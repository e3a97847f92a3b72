package bench

import (
	"context"
	"fmt"

	"github.com/memshard/memshard"
)

// embeddedClient runs a scenario's commands through memshard's embedded
// API: one Pipeline per client, n commands per Exec.
type embeddedClient struct {
	p     *memshard.Pipeline
	ctx   context.Context
	sc    Scenario
	value []byte
	keys  keyGen
	args  [][]byte
	kbuf  []byte
}

// embeddedDialer returns the dial function of an embedded scenario on db.
func embeddedDialer(db *memshard.DB, sc Scenario) dialFunc {
	value := Value(sc.ValueSize)
	return func(ctx context.Context, i int) (batcher, error) {
		return &embeddedClient{p: db.Pipeline(), ctx: ctx, sc: sc, value: value, keys: newKeyGen(i, sc.KeySpace)}, nil
	}
}

// addCommand queues one command of kind cmd for key number key on p.
func addCommand(p *memshard.Pipeline, args [][]byte, kbuf []byte, cmd string, key, space int, value []byte) ([][]byte, []byte) {
	pre := keyPrefix(cmd)
	args = append(args[:0], []byte(cmd))
	kbuf = kbuf[:0]
	n := 1
	if cmd == "MSET" {
		n = MSETKeys
	}
	for j := range n {
		start := len(kbuf)
		kbuf = AppendKey(kbuf, pre, (key+j)%space)
		args = append(args, kbuf[start:len(kbuf):len(kbuf)])
		if cmd == "SET" || cmd == "MSET" {
			args = append(args, value)
		}
	}
	p.Add(args...)
	return args, kbuf
}

func (c *embeddedClient) batch(n int) (int, error) {
	for range n {
		c.args, c.kbuf = addCommand(c.p, c.args, c.kbuf, c.sc.Command, c.keys.next(), c.sc.KeySpace, c.value)
	}
	reps, err := c.p.Exec(c.ctx)
	if err != nil {
		return 0, err
	}
	if len(reps) != n {
		return 0, fmt.Errorf("embedded pipeline: %d replies to %d commands", len(reps), n)
	}
	errs := 0
	for _, r := range reps {
		if r.IsError() {
			errs++
		}
	}
	return errs, nil
}

func (c *embeddedClient) close() error { c.p.Close(); return nil }

// loadEmbedded fills key numbers 0..keys-1 of db with SET.
func loadEmbedded(ctx context.Context, db *memshard.DB, keys, valueSize int) error {
	return loadParallel(ctx, keys, 2, 256, func(ctx context.Context) (func(from, to int) error, func(), error) {
		p := db.Pipeline()
		value := Value(valueSize)
		var args [][]byte
		var kbuf []byte
		send := func(from, to int) error {
			for k := from; k < to; k++ {
				// kbuf is reused per command: Add copies its arguments.
				args, kbuf = addCommand(p, args, kbuf, "SET", k, keys, value)
			}
			_, err := p.Exec(ctx)
			return err
		}
		return send, p.Close, nil
	})
}
