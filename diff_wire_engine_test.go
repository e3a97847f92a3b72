//go:build !diffself

package memshard_test

import (
	"testing"

	"github.com/memshard/memshard"
	"github.com/memshard/memshard/transport/resp"
)

// newWireSUT is wire mode's side under test: memshard's RESP server on
// 127.0.0.1:0 in front of a fresh embedded DB, replaced by a new one on
// every reset so that no state can leak from one sequence to the next.
func newWireSUT(t testing.TB, proto int) diffTarget {
	t.Helper()
	var (
		db  *memshard.DB
		srv *resp.Server
	)
	stop := func() {
		if srv != nil {
			srv.Close()
			srv = nil
		}
		if db != nil {
			_ = db.Close()
			db = nil
		}
	}
	w := &wireTarget{label: "memshard", proto: proto}
	w.restart = func() (string, error) {
		stop()
		opts := memshard.DefaultOptions()
		opts.Shards = diffShards
		var err error
		if db, err = memshard.Open(opts); err != nil {
			return "", err
		}
		cfg := resp.DefaultConfig()
		cfg.Addr = "127.0.0.1:0"
		srv = resp.New(db.Router(), cfg)
		addr, err := srv.Start()
		if err != nil {
			return "", err
		}
		return addr.String(), nil
	}
	if err := w.reset(); err != nil {
		t.Fatalf("diff: start memshard's RESP server: %v", err)
	}
	t.Cleanup(func() {
		w.close()
		stop()
	})
	return w
}
