package httpapi

import "testing"

func TestExecute(t *testing.T) {
	_, c := startServer(t, nil)
	expect(t, "batch", c.post("/v1/execute", `{"commands":[
		{"cmd_type":"set","key":"a","value":"1"},
		{"cmd_type":"incrby","key":"a","args":[41]},
		{"cmd_type":"set","key":"b","value":"x","args":["EX",100]},
		{"cmd_type":"mget","key":"a","args":["b","nope"]}]}`),
		200, `{"results":["OK",42,"OK",["42","x",null]]}`)
	// A run-time failure in the middle: nothing of the batch is applied.
	expectError(t, "rollback", c.post("/v1/execute", `{"commands":[
		{"cmd_type":"set","key":"a","value":"changed"},
		{"cmd_type":"del","key":"b"},
		{"cmd_type":"incr","key":"a"}]}`), 400, "ERR value is not an integer or out of range (command 3; nothing applied)")
	expect(t, "after rollback", c.post("/", `["MGET","a","b"]`), 200, `{"result":["42","x"]}`)
	// Validation failures name the command; nothing runs.
	expectError(t, "unknown", c.post("/v1/execute", `{"commands":[{"cmd_type":"set","key":"z","value":"1"},{"cmd_type":"nosuch"}]}`), 400, "ERR unknown command 'nosuch'")
	expectError(t, "flushall", c.post("/v1/execute", `{"commands":[{"cmd_type":"flushall"}]}`), 400, "ERR flushall is not allowed in an atomic batch")
	expect(t, "z untouched", c.post("/", `["EXISTS","z"]`), 200, `{"result":0}`)
	for _, bad := range []string{``, `[]`, `{"commands":[]}`, `{"commands":[{"key":"a"}]}`, `{"commands":[{"cmd_type":"set","key":"a","value":{"x":1}}]}`, `{"cmds":[]}`, `{"commands":[{"cmd_type":"get","key":1}]}`} {
		if got := c.post("/v1/execute", bad); got.status != 400 {
			t.Errorf("%q: status %d %s", bad, got.status, got.body)
		}
	}
	if got := c.do("GET", "/v1/execute", ""); got.status != 405 {
		t.Errorf("GET /v1/execute: %d", got.status)
	}
}
