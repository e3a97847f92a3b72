package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"
)

// POST /v1/execute is memstore's batch format:
//
//	{"commands":[{"cmd_type":"set","key":"k","value":"v"},
//	             {"cmd_type":"expire","key":"k","args":[10]}]}
//
// Each command becomes cmd_type, then key and value when present, then args
// (strings, numbers or booleans, as in POST /). The batch is all or nothing:
// every command is validated first, the batch runs with its shards
// reserved, and if any command fails nothing is applied — 400
// {"error": "... (command N)"}. On success: 200 {"results":[...]}, one plain
// JSON value per command.

// execBody is the JSON shape of a /v1/execute request.
type execBody struct {
	Commands []struct {
		CmdType string            `json:"cmd_type"`
		Key     *string           `json:"key"`
		Value   json.RawMessage   `json:"value"`
		Args    []json.RawMessage `json:"args"`
	} `json:"commands"`
}

var errExecuteShape = errors.New(`ERR body must be {"commands":[{"cmd_type":"...","key":"...","value":...,"args":[...]}, ...]}`)

// decodeExecute turns a /v1/execute body into argument vectors.
func decodeExecute(body []byte) ([][][]byte, error) {
	var eb execBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil {
		return nil, errExecuteShape
	}
	if len(eb.Commands) == 0 {
		return nil, errors.New("ERR commands must not be empty")
	}
	cmds := make([][][]byte, len(eb.Commands))
	for i, c := range eb.Commands {
		if c.CmdType == "" {
			return nil, errors.New("ERR command " + strconv.Itoa(i+1) + ": cmd_type is missing")
		}
		args := [][]byte{[]byte(c.CmdType)}
		if c.Key != nil {
			args = append(args, []byte(*c.Key))
		}
		if len(c.Value) > 0 {
			v, err := scalarArg(bytes.TrimSpace(c.Value))
			if err != nil {
				return nil, errors.New("ERR command " + strconv.Itoa(i+1) + ": value: " + err.Error())
			}
			args = append(args, v)
		}
		for _, raw := range c.Args {
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 {
				return nil, ErrMalformedJSON
			}
			a, err := scalarArg(raw)
			if err != nil {
				return nil, errors.New("ERR command " + strconv.Itoa(i+1) + ": args: " + err.Error())
			}
			args = append(args, a)
		}
		cmds[i] = args
	}
	return cmds, nil
}

// execute serves POST /v1/execute.
func (s *Server) execute(ctx *fasthttp.RequestCtx, p perm) {
	cmds, err := decodeExecute(ctx.PostBody())
	if err != nil {
		s.fail(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	for i, args := range cmds {
		if st, msg := check(p, args, true); st != 0 {
			s.refused(args)
			s.fail(ctx, st, msg+" (command "+strconv.Itoa(i+1)+")")
			return
		}
	}
	sess := s.session()
	defer s.release(sess)
	replies, failed, errRep := sess.ExecAtomic(context.Background(), cmds)
	if failed >= 0 {
		s.fail(ctx, fasthttp.StatusBadRequest, string(errRep.Str)+" (command "+strconv.Itoa(failed+1)+"; nothing applied)")
		return
	}
	b64 := wantsBase64(ctx)
	b := s.buf()
	w := within{b: append(*b, `{"results":[`...), limit: s.cfg.MaxResponse}
	w.addAll(replies, b64, false)
	w.b = append(w.b, "]}"...)
	s.writeWithin(ctx, fasthttp.StatusOK, b, &w)
}
