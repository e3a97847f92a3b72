package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
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
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, ErrMalformedJSON
	}
	return commandArgs(raw)
}

// DecodePipeline decodes a JSON array of command arrays, the body of
// /pipeline and /multi-exec. Safe for concurrent use.
func DecodePipeline(body []byte) ([][][]byte, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, ErrPipelineShape
		}
		return nil, ErrMalformedJSON
	}
	if len(raw) == 0 {
		return nil, ErrEmptyPipeline
	}
	cmds := make([][][]byte, len(raw))
	for i, r := range raw {
		args, err := commandArgs(r)
		if err != nil {
			return nil, errors.New(err.Error() + " (command " + strconv.Itoa(i+1) + ")")
		}
		cmds[i] = args
	}
	return cmds, nil
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

// commandArgs turns the elements of one command array into arguments.
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

// scalarArg converts one JSON scalar into an argument.
func scalarArg(r []byte) ([]byte, error) {
	switch c := r[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, ErrMalformedJSON
		}
		return []byte(s), nil
	case c == 't' || c == 'f':
		var b bool
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, ErrMalformedJSON
		}
		if b {
			return []byte("1"), nil
		}
		return []byte("0"), nil
	case c == '-' || c >= '0' && c <= '9':
		return numberArg(r)
	}
	return nil, ErrArgumentType
}

// numberArg writes a JSON number as an integer in decimal when it is one
// that fits an int64, else as strconv's shortest 'f' form of the float.
func numberArg(r []byte) ([]byte, error) {
	if n, err := strconv.ParseInt(string(r), 10, 64); err == nil {
		return strconv.AppendInt(nil, n, 10), nil
	}
	if isInteger(r) { // beyond int64: keep every digit
		return bytes.Clone(r), nil
	}
	f, err := strconv.ParseFloat(string(r), 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return nil, ErrMalformedJSON
		}
		return nil, ErrArgumentType // a number beyond float64
	}
	return strconv.AppendFloat(nil, f, 'f', -1, 64), nil
}

// isInteger reports whether a valid JSON number is written without a
// fraction or an exponent.
func isInteger(r []byte) bool {
	return bytes.IndexAny(r, ".eE") < 0
}
