package httpapi

import (
	"bytes"
	"context"
	"net/url"
	"strconv"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
	"github.com/memshard/memshard/transport/text"
	"github.com/valyala/fasthttp"
)

var (
	multiCmd = [][]byte{[]byte("MULTI")}
	execCmd  = [][]byte{[]byte("EXEC")}
)

// root serves POST /: a JSON command array or a MemFast {"query": ...}.
func (s *Server) root(ctx *fasthttp.RequestCtx, p perm) {
	body := bytes.TrimLeft(ctx.PostBody(), " \t\r\n")
	if len(body) > 0 && body[0] == '{' {
		s.query(ctx, p, body)
		return
	}
	if len(body) == 0 || body[0] != '[' {
		s.fail(ctx, fasthttp.StatusBadRequest, ErrBodyShape.Error())
		return
	}
	d := getDecoder()
	defer putDecoder(d)
	args, err := d.command(body)
	if err != nil {
		s.fail(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	s.single(ctx, p, args, false)
}

// single runs one Redis-dialect command and answers {"result"} or
// {"error"}; an error is 404 when notFound (path style, unknown command),
// else 400.
func (s *Server) single(ctx *fasthttp.RequestCtx, p perm, args [][]byte, notFound bool) {
	if st, msg := check(p, args, false); st != 0 {
		s.refused(args)
		s.fail(ctx, st, msg)
		return
	}
	sess := s.session()
	defer s.release(sess)
	rep := sess.Do(context.Background(), args)
	status := fasthttp.StatusOK
	if rep.Kind == reply.KindError {
		status = fasthttp.StatusBadRequest
		if notFound {
			status = fasthttp.StatusNotFound
		}
	}
	b := s.buf()
	w := within{b: *b, limit: s.cfg.MaxResponse}
	w.add(rep, !plainReply(rep) && wantsBase64(ctx), true)
	s.writeWithin(ctx, status, b, &w)
}

// query runs one MemFast command and answers its text (or, with Accept:
// application/json, the text inside {"result"} or {"error"}).
func (s *Server) query(ctx *fasthttp.RequestCtx, p perm, body []byte) {
	line, err := DecodeQuery(body)
	if err != nil {
		s.fail(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	args, err := text.Tokenize([]byte(line))
	if err != nil {
		s.text(ctx, fasthttp.StatusBadRequest, []byte(err.Error()))
		return
	}
	q := text.Prepare(args)
	if st, msg := check(p, q.Args, false); st != 0 {
		s.refused(q.Args)
		s.text(ctx, st, []byte(msg))
		return
	}
	sess := s.session()
	defer s.release(sess)
	rep := sess.Do(context.Background(), q.Args)
	status := fasthttp.StatusOK
	if rep.Kind == reply.KindError {
		status = fasthttp.StatusBadRequest
	}
	b := s.buf()
	var ok bool
	if *b, ok = renderWithin(*b, q, rep, s.cfg.MaxResponse); !ok {
		*b, status = append(*b, s.overMsg...), fasthttp.StatusBadRequest
	}
	s.text(ctx, status, *b)
	s.putBuf(b)
}

// text answers a MemFast reply: raw text, or JSON when the client accepts
// only JSON. msg is copied.
func (s *Server) text(ctx *fasthttp.RequestCtx, status int, msg []byte) {
	if !bytes.Contains(ctx.Request.Header.Peek("Accept"), []byte(contentJSON)) {
		ctx.SetStatusCode(status)
		ctx.SetContentType(contentText)
		ctx.SetBody(msg)
		return
	}
	b := s.buf()
	if status == fasthttp.StatusOK {
		*b = append(*b, `{"result":`...)
		*b = appendString(*b, msg, false)
		*b = append(*b, '}')
	} else {
		*b = AppendError(*b, msg)
	}
	s.write(ctx, status, contentJSON, b)
}

// pipeline serves POST /pipeline: every command in order through one
// session, not atomically.
func (s *Server) pipeline(ctx *fasthttp.RequestCtx, p perm) {
	d := getDecoder()
	defer putDecoder(d)
	cmds, ok := s.decodeBatch(ctx, d, p, false)
	if !ok {
		return
	}
	sess := s.session()
	defer s.release(sess)
	sess.Start(cmds)
	b := s.buf()
	w := within{b: append(*b, '['), limit: s.cfg.MaxResponse}
	runPipeline(&w, sess, cmds, wantsBase64(ctx))
	w.b = append(w.b, ']')
	s.writeWithin(ctx, fasthttp.StatusOK, b, &w)
}

// multiExec serves POST /multi-exec: MULTI, the commands and EXEC in one
// session call, so the commands run atomically or not at all.
func (s *Server) multiExec(ctx *fasthttp.RequestCtx, p perm) {
	d := getDecoder()
	defer putDecoder(d)
	cmds, ok := s.decodeBatch(ctx, d, p, true)
	if !ok {
		return
	}
	sess := s.session()
	defer s.release(sess)
	entries, msg := runTxn(sess, cmds)
	if msg != "" {
		s.fail(ctx, fasthttp.StatusBadRequest, msg)
		return
	}
	b := s.buf()
	w := within{b: append(*b, '['), limit: s.cfg.MaxResponse}
	w.addAll(entries, wantsBase64(ctx), true)
	w.b = append(w.b, ']')
	s.writeWithin(ctx, fasthttp.StatusOK, b, &w)
}

// runTxn runs cmds as MULTI … EXEC in one session call and returns EXEC's
// replies, or the message of a discarded transaction (the EXECABORT text
// and the first command refused while queueing). /multi-exec and the
// WebSocket txn message share it. The replies are valid until the
// session's next call.
func runTxn(sess *router.Session, cmds [][][]byte) ([]reply.Reply, string) {
	all := make([][][]byte, 0, len(cmds)+2)
	all = append(all, multiCmd)
	all = append(all, cmds...)
	all = append(all, execCmd)
	return txnOutcome(sess.Exec(context.Background(), all))
}

// txnOutcome reads the replies of MULTI, the commands and EXEC: EXEC's
// replies, or the message of a discarded transaction (the EXECABORT text
// and the first command refused while queueing).
func txnOutcome(replies []reply.Reply) ([]reply.Reply, string) {
	exec := replies[len(replies)-1]
	if exec.Kind == reply.KindArray {
		return exec.Arr, ""
	}
	msg := "EXECABORT Transaction discarded"
	if exec.Kind == reply.KindError {
		msg = string(exec.Str)
	}
	for i, r := range replies[1 : len(replies)-1] {
		if r.Kind == reply.KindError {
			msg += " (command " + strconv.Itoa(i+1) + ": " + string(r.Str) + ")"
			break
		}
	}
	return nil, msg
}

// decodeBatch decodes and checks the body of /pipeline or /multi-exec,
// answering the error itself when it returns false. The commands live in d.
func (s *Server) decodeBatch(ctx *fasthttp.RequestCtx, d *decoder, p perm, inTxn bool) ([][][]byte, bool) {
	cmds, err := d.pipeline(ctx.PostBody())
	if err != nil {
		s.fail(ctx, fasthttp.StatusBadRequest, err.Error())
		return nil, false
	}
	for i, args := range cmds {
		if st, msg := check(p, args, inTxn); st != 0 {
			s.refused(args)
			s.fail(ctx, st, msg+" (command "+strconv.Itoa(i+1)+")")
			return nil, false
		}
	}
	return cmds, true
}

// writeWithin answers w's body (built in b) with status, or 400 with the
// over-limit error when a reply did not fit.
func (s *Server) writeWithin(ctx *fasthttp.RequestCtx, status int, b *[]byte, w *within) {
	*b = w.b
	if w.over {
		*b = AppendError((*b)[:0], s.overMsg)
		status = fasthttp.StatusBadRequest
	}
	s.write(ctx, status, contentJSON, b)
}

// pathStyle serves GET|POST /{cmd}/{arg}/...: path arguments, then the POST
// body, then the query pairs.
func (s *Server) pathStyle(ctx *fasthttp.RequestCtx, p perm, path []byte) {
	args, err := pathArgs(path)
	if err != nil {
		s.fail(ctx, fasthttp.StatusBadRequest, "ERR invalid escape in the request path")
		return
	}
	if len(args) == 0 || len(args[0]) == 0 {
		s.fail(ctx, fasthttp.StatusNotFound, "ERR not found")
		return
	}
	if body := ctx.PostBody(); ctx.IsPost() && len(body) > 0 {
		args = append(args, body)
	}
	for k, v := range ctx.QueryArgs().All() {
		if string(k) == "_token" {
			continue
		}
		args = append(args, k)
		if len(v) > 0 {
			args = append(args, v)
		}
	}
	s.single(ctx, p, args, router.Lookup(args[0]) == nil)
}

// pathArgs splits a raw request path into URL-unescaped arguments; a single
// trailing slash adds no argument.
func pathArgs(path []byte) ([][]byte, error) {
	path = bytes.TrimPrefix(path, []byte("/"))
	path = bytes.TrimSuffix(path, []byte("/"))
	segs := bytes.Split(path, []byte("/"))
	args := make([][]byte, len(segs))
	for i, seg := range segs {
		if bytes.IndexByte(seg, '%') < 0 {
			args[i] = seg
			continue
		}
		u, err := url.PathUnescape(string(seg))
		if err != nil {
			return nil, err
		}
		args[i] = []byte(u)
	}
	return args, nil
}

// write answers status with the body in b and recycles b.
func (s *Server) write(ctx *fasthttp.RequestCtx, status int, contentType string, b *[]byte) {
	ctx.SetStatusCode(status)
	ctx.SetContentType(contentType)
	ctx.SetBody(*b)
	s.putBuf(b)
}
