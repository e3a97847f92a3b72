package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/memshard/memshard/router"
)

// POST /v1/txn is a checked transaction, after etcd's compare-and-swap:
//
//	{"checks":[{"key":"a","ver":41},{"key":"b","ver":0}],
//	 "commands":[["SET","a","1"],["DEL","b"]]}
//
// Each check names a key and the version it must have (0: the key must not
// exist; versions come from the ETag of GET /v1/kv/{key} or from an earlier
// transaction's seq). With every involved shard held, the checks run first:
// if any fails, nothing runs and the answer is 409
// {"ok":false,"failed":[{"key":"a","ver":41,"current":43}]}. Otherwise the
// commands run all or nothing, as in /v1/execute (a failing command: 400,
// nothing applied), and the answer is 200
// {"ok":true,"seq":N,"results":[...]}: seq is the transaction's change
// number, the new version of every key it wrote.

type txnBody struct {
	Checks []struct {
		Key *string `json:"key"`
		Ver *uint64 `json:"ver"`
	} `json:"checks"`
	Commands json.RawMessage `json:"commands"`
}

var errTxnShape = errors.New(`ERR body must be {"checks":[{"key":"...","ver":N}, ...],"commands":[[...], ...]}`)

// decodeTxn turns a /v1/txn body into checks and argument vectors.
func decodeTxn(body []byte) ([]router.Check, [][][]byte, error) {
	var tb txnBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tb); err != nil || dec.More() {
		return nil, nil, errTxnShape
	}
	checks := make([]router.Check, len(tb.Checks))
	for i, c := range tb.Checks {
		if c.Key == nil || c.Ver == nil {
			return nil, nil, errors.New("ERR check " + strconv.Itoa(i+1) + ` needs "key" and "ver"`)
		}
		checks[i] = router.Check{Key: []byte(*c.Key), Ver: *c.Ver}
	}
	var cmds [][][]byte
	if raw := bytes.TrimSpace(tb.Commands); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) && !bytes.Equal(raw, []byte("[]")) {
		var err error
		if cmds, err = DecodePipeline(raw); err != nil {
			return nil, nil, err
		}
	}
	if len(checks) == 0 && len(cmds) == 0 {
		return nil, nil, errors.New("ERR a transaction needs checks or commands")
	}
	return checks, cmds, nil
}

// txn serves POST /v1/txn.
func (s *Server) txn(ctx *fasthttp.RequestCtx, p perm) {
	checks, cmds, err := decodeTxn(ctx.PostBody())
	if err != nil {
		s.fail(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	for i, args := range cmds {
		if st, msg := check(p, args, true); st != 0 {
			s.fail(ctx, st, msg+" (command "+strconv.Itoa(i+1)+")")
			return
		}
	}
	sess := s.session()
	defer s.release(sess)
	res := sess.ExecChecked(context.Background(), checks, cmds)
	b64 := wantsBase64(ctx)
	b := s.buf()
	switch {
	case len(res.Failed) != 0:
		*b = append(*b, `{"ok":false,"failed":[`...)
		for i, f := range res.Failed {
			if i > 0 {
				*b = append(*b, ',')
			}
			*b = append(*b, `{"key":`...)
			*b = appendString(*b, f.Key, b64)
			*b = append(*b, `,"ver":`...)
			*b = strconv.AppendUint(*b, f.Ver, 10)
			*b = append(*b, `,"current":`...)
			*b = strconv.AppendUint(*b, f.Current, 10)
			*b = append(*b, '}')
		}
		*b = append(*b, "]}"...)
		s.write(ctx, fasthttp.StatusConflict, contentJSON, b)
	case res.ErrIndex >= 0:
		s.putBuf(b)
		s.fail(ctx, fasthttp.StatusBadRequest, string(res.Err.Str)+" (command "+strconv.Itoa(res.ErrIndex+1)+"; nothing applied)")
	default:
		*b = append(*b, `{"ok":true,"seq":`...)
		*b = strconv.AppendUint(*b, res.Seq, 10)
		w := within{b: append(*b, `,"results":[`...), limit: s.cfg.MaxResponse}
		w.addAll(res.Replies, b64, false)
		w.b = append(w.b, "]}"...)
		s.writeWithin(ctx, fasthttp.StatusOK, b, &w)
	}
}
