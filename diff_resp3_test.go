package memshard_test

import "testing"

// The RESP3 pass: both connections of both servers start with HELLO 3, and
// the same cases and sequences as in wire mode are compared byte for byte,
// so Redis 7.0.15's RESP3 encodings are checked: `_` for every null (nil
// bulk and the nil array of a failed EXEC alike), `%` maps (HELLO), `,`
// doubles, `#` booleans.
//
// Sets (`~`): none of the commands covered (strings, keyspace, transactions,
// connection commands) has a set reply in Redis 7.0.15 — KEYS and SCAN
// answer arrays in RESP3 too — so nothing is skipped or normalised for them;
// readRaw still parses `~` so that a set reply where Redis sends an array
// (or the other way round) is reported as a byte difference.

func TestDiffResp3Table(t *testing.T) {
	t.Parallel()
	diffTable(t, newWireRunner(t, 3), append(diffCases[:len(diffCases):len(diffCases)], wireCases...))
}

func TestDiffResp3Random(t *testing.T) {
	t.Parallel()
	diffRandom(t, newWireRunner(t, 3), 5, newWireGen, "TestDiffResp3Random")
}
