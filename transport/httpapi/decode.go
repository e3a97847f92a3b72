package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"github.com/memshard/memshard/router"
)

// Request body errors; each is sent to the client as a 400 {"error": ...}.
var (
	ErrMalformedJSON = errors.New("ERR malformed JSON body")
	ErrEmptyCommand  = errors.New("ERR empty command")
	ErrCommandName   = errors.New("ERR command name must be a JSON string")
	ErrArgumentType  = errors.New("ERR command arguments must be JSON strings, numbers or booleans")
	ErrPipelineShape = errors.New("ERR body must be a JSON array of command arrays")
	ErrEmptyPipeline = errors.New("ERR empty pipeline")
	ErrQueryShape    = errors.New(`ERR body must be a JSON object {"query": "..."}`)
	ErrBodyShape     = errors.New(`ERR body must be a JSON command array or {"query": "..."}`)
)

// DecodeCommand decodes one JSON command array, ["SET","k","v","EX",10],
// into its arguments (see the package doc for how numbers and booleans are
// written). The result does not alias body. Safe for concurrent use.
func DecodeCommand(body []byte) ([][]byte, error) {
	d := getDecoder()
	defer putDecoder(d)
	args, err := d.command(body)
	if err != nil {
		return nil, err
	}
	return router.CopyArgs(args), nil
}

// DecodePipeline decodes a JSON array of command arrays, the body of
// /pipeline and /multi-exec. The result does not alias body. Safe for
// concurrent use.
func DecodePipeline(body []byte) ([][][]byte, error) {
	d := getDecoder()
	defer putDecoder(d)
	cmds, err := d.pipeline(body)
	if err != nil {
		return nil, err
	}
	out := make([][][]byte, len(cmds))
	for i, args := range cmds {
		out[i] = router.CopyArgs(args)
	}
	return out, nil
}

var decoders = sync.Pool{New: func() any { return new(decoder) }}

// getDecoder borrows a decoder; putDecoder gives it back.
func getDecoder() *decoder { return decoders.Get().(*decoder) }

func putDecoder(d *decoder) {
	d.release()
	decoders.Put(d)
}

// DecodeQuery decodes the MemFast body {"query": "..."}; other fields are
// refused. Safe for concurrent use.
func DecodeQuery(body []byte) (string, error) {
	var q struct {
		Query *string `json:"query"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&q); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return "", ErrMalformedJSON
		}
		return "", ErrQueryShape
	}
	if _, err := d.Token(); err != io.EOF {
		return "", ErrMalformedJSON // trailing data after the object
	}
	if q.Query == nil {
		return "", ErrQueryShape
	}
	return *q.Query, nil
}

// commandArgs turns the elements of one command array, each a valid JSON
// value as encoding/json hands them out, into fresh arguments.
func commandArgs(raw []json.RawMessage) ([][]byte, error) {
	if len(raw) == 0 {
		return nil, ErrEmptyCommand
	}
	args := make([][]byte, len(raw))
	for i, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) == 0 {
			return nil, ErrMalformedJSON
		}
		if i == 0 && r[0] != '"' {
			return nil, ErrCommandName
		}
		a, err := scalarArg(r)
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	return args, nil
}

// scalarArg converts one valid JSON value into a fresh argument; null,
// arrays and objects are ErrArgumentType.
func scalarArg(r []byte) ([]byte, error) {
	d := getDecoder()
	defer putDecoder(d)
	d.reset(r)
	switch err := d.arg(0); {
	case err == errSyntax || err == nil && !d.end():
		return nil, ErrMalformedJSON
	case err != nil:
		return nil, err
	}
	return append([]byte{}, d.buf...), nil
}
