package bench

import (
	"context"
	"fmt"
)

// side is one system as a scenario sees it: how to open its clients, which
// store holds its keys and how to fill that store.
type side struct {
	name    string
	store   string
	server  *Server
	dial    dialFunc
	run     func(ctx context.Context, sc Scenario) (Sample, error) // instead of runLoad over dial
	skipped string
	fill    func(ctx context.Context, keys, valueSize int) error
}

// sides returns memshard's side and the baseline's for sc; a side that
// cannot run says why in skipped.
func (e *env) sides(sc Scenario) (ms, base side, err error) {
	ms = side{name: "memshard", store: "memshard", server: e.memshard}
	ms.fill = e.respFill(e.memshard)
	base = side{name: "redis", store: "redis", server: e.base}
	if e.base == nil {
		base.skipped = "no Redis"
	} else {
		base.fill = e.respFill(e.base)
	}
	switch sc.Protocol {
	case ProtoRESP, ProtoMemory:
		ms.dial, ms.run = respDialer(e.memshard.RESPAddr, sc), respRunner(e.memshard.RESPAddr)
		if e.base != nil {
			base.dial, base.run = respDialer(e.base.RESPAddr, sc), respRunner(e.base.RESPAddr)
		}
	case ProtoHTTP:
		ms.dial, ms.skipped = e.httpSide(func(addr string) dialFunc { return httpDialer(addr, sc, false) })
		base.name = "webdis"
		switch {
		case e.webdis == nil:
			base.skipped = "no Webdis"
		case sc.Pipeline > 1 || sc.Command == "MSET":
			base.skipped = "Webdis has no equivalent"
		default:
			base.dial = httpDialer(e.webdis.HTTPAddr, sc, true)
		}
	case ProtoWS:
		ms.dial, ms.skipped = e.httpSide(func(addr string) dialFunc { return wsDialer(addr, sc) })
		base.skipped = "Redis has no WebSocket API"
	case ProtoEmbedded:
		db, err := e.embedded()
		if err != nil {
			return ms, base, err
		}
		ms.store, ms.server = "embedded", nil
		ms.dial = embeddedDialer(db, sc)
		ms.fill = func(ctx context.Context, keys, valueSize int) error {
			if _, err := db.Do(ctx, "FLUSHALL"); err != nil {
				return err
			}
			return loadEmbedded(ctx, db, keys, valueSize)
		}
		base.skipped = "Redis cannot be embedded"
	}
	if e.baseIsBuild() {
		base = e.baselineSide(sc, e.base)
	}
	if base.skipped != "" {
		base.dial, base.run, base.fill = nil, nil, nil
	}
	return ms, base, nil
}

// baselineSide is the side of another memshard build, which runs every
// scenario memshard does except the embedded ones.
func (e *env) baselineSide(sc Scenario, b *Server) side {
	base := side{name: b.Name, store: b.Name, server: b, fill: e.respFill(b)}
	switch sc.Protocol {
	case ProtoRESP, ProtoMemory:
		base.dial, base.run = respDialer(b.RESPAddr, sc), respRunner(b.RESPAddr)
	case ProtoHTTP:
		base.dial = httpDialer(b.HTTPAddr, sc, false)
	case ProtoWS:
		base.dial = wsDialer(b.HTTPAddr, sc)
	default:
		base.skipped, base.fill = "the baseline build runs as a server", nil
	}
	return base
}

func (e *env) httpSide(dial func(addr string) dialFunc) (dialFunc, string) {
	if e.memshard.HTTPAddr == "" {
		return nil, "no memshard HTTP address"
	}
	return dial(e.memshard.HTTPAddr), ""
}

// respFill empties s and loads keys over RESP.
func (e *env) respFill(s *Server) func(ctx context.Context, keys, valueSize int) error {
	if s == nil {
		return nil
	}
	return func(ctx context.Context, keys, valueSize int) error {
		if _, err := respDo(ctx, s.RESPAddr, "FLUSHALL"); err != nil {
			return err
		}
		return loadRESP(ctx, s.RESPAddr, keys, valueSize, 4, 256)
	}
}

// steps is the number of progress steps of scs: one per system per round.
func (e *env) steps(scs []Scenario) int {
	n := 0
	for _, sc := range scs {
		if sc.PerRound() {
			n += 2 * e.opts.Rounds
		} else {
			n += 2
		}
	}
	return n
}

// scenario runs sc on both sides and summarises it.
func (e *env) scenario(ctx context.Context, sc Scenario) (Result, error) {
	ms, base, err := e.sides(sc)
	if err != nil {
		return Result{}, err
	}
	res := Result{Scenario: sc, Baseline: base.name}
	sums := []Summary{{System: ms.name, Skipped: ms.skipped}, {System: base.name, Skipped: base.skipped}}
	sides := []side{ms, base}
	switch sc.Protocol {
	case ProtoMemory:
		err = e.memory(ctx, sc, sides, sums)
	case ProtoEmbedded:
		err = e.rounds(ctx, sc, sides, sums)
		// The embedded store lives in this process: drop it so that its
		// keys do not weigh on the load generator's collector later.
		e.db.Close()
		e.db = nil
		delete(e.loaded, "embedded")
	default:
		err = e.rounds(ctx, sc, sides, sums)
	}
	if err != nil {
		return res, err
	}
	res.Systems = sums
	res.computeRatio()
	return res, nil
}

// rounds fills the stores the scenario reads, then runs its rounds,
// memshard first in odd rounds and the baseline first in even ones.
func (e *env) rounds(ctx context.Context, sc Scenario, sides []side, sums []Summary) error {
	for _, sd := range sides {
		if err := e.prepare(ctx, sc, sd); err != nil {
			return fmt.Errorf("%s: loading keys: %w", sd.name, err)
		}
	}
	for r := range e.opts.Rounds {
		for j := range sides {
			i := j
			if r%2 == 1 {
				i = len(sides) - 1 - j
			}
			if err := e.round(ctx, sc, r, sides[i], &sums[i]); err != nil {
				return err
			}
		}
	}
	for _, sd := range sides {
		e.afterWrites(sc, sd)
	}
	return nil
}

// round runs one round of sc on sd.
func (e *env) round(ctx context.Context, sc Scenario, r int, sd side, sum *Summary) (err error) {
	defer e.bar.done()
	if sd.dial == nil {
		return nil
	}
	e.bar.describe(fmt.Sprintf("%s · %s · round %d", sc.Name, sd.name, r+1))
	var run Sample
	if sd.run != nil {
		run, err = sd.run(ctx, sc)
	} else {
		run, err = runLoad(ctx, sc, sd.dial)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", sd.name, err)
	}
	sum.Add(run)
	return nil
}

// prepare loads sc's key space into sd's store unless it already holds it.
func (e *env) prepare(ctx context.Context, sc Scenario, sd side) error {
	if sd.dial == nil || sd.fill == nil || !sc.Preloaded() {
		return nil
	}
	want := loadState{sc.KeySpace, sc.ValueSize}
	if e.loaded[sd.store] == want {
		return nil
	}
	e.bar.describe(fmt.Sprintf("%s · %s · loading %s keys", sc.Name, sd.name, countName(sc.KeySpace)))
	delete(e.loaded, sd.store)
	if err := sd.fill(ctx, sc.KeySpace, sc.ValueSize); err != nil {
		return err
	}
	e.loaded[sd.store] = want
	return nil
}

// afterWrites forgets a store's loaded state when sc wrote values of
// another size, or past its key space.
func (e *env) afterWrites(sc Scenario, sd side) {
	if sc.Command != "SET" && sc.Command != "MSET" {
		return
	}
	st := e.loaded[sd.store]
	if st.ValueSize != sc.ValueSize || sc.KeySpace > st.Keys {
		delete(e.loaded, sd.store)
	}
}

// memory measures each side's memory per key once.
func (e *env) memory(ctx context.Context, sc Scenario, sides []side, sums []Summary) error {
	for i, sd := range sides {
		if sd.dial == nil || sd.server == nil {
			e.bar.done()
			continue
		}
		e.bar.describe(fmt.Sprintf("%s · %s · loading", sc.Name, sd.name))
		delete(e.loaded, sd.store)
		m, err := measureMemory(ctx, sd.server, sc)
		e.bar.done()
		if err != nil {
			return fmt.Errorf("%s: %w", sd.name, err)
		}
		e.loaded[sd.store] = loadState{sc.KeySpace, sc.ValueSize}
		sums[i].Memory = m
		sums[i].Ops = int64(m.Keys)
		sums[i].Median = float64(m.Keys) / m.LoadSeconds
		sums[i].Min, sums[i].Max = sums[i].Median, sums[i].Median
	}
	return nil
}
