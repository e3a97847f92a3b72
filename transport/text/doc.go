// Package text implements the MemFast text dialect: one command per line of
// text, as typed into redis-cli, answered with one line of text. The HTTP
// route POST / with {"query": "..."} and WebSocket text frames that are not
// JSON both use it; any goroutine may call every function here.
//
// # Tokens
//
// Tokenize splits a line the way redis-cli's interactive prompt does
// (sdssplitargs):
//
//   - Space, tab, newline and carriage return separate tokens; vertical tab
//     and form feed are also skipped between tokens but, as in redis-cli, do
//     not end a token they appear in.
//   - "double quotes" group and understand \n \r \t \b \a, \xHH (two hex
//     digits) and a backslash before any other byte, which stands for that
//     byte (so \" and \\ are a quote and a backslash).
//   - 'single quotes' group and understand only \' ; other backslashes are
//     kept.
//   - A quote inside an unquoted token opens a quoted part of the same token:
//     ab"c d" is the one token `abc d`.
//   - A closing quote must be followed by whitespace or the end of the line,
//     and every quote must be closed; otherwise the whole line is an error.
//     Nothing is silently dropped: extra tokens stay tokens and the engine
//     rejects the arity, and a NUL byte is an ordinary byte.
//
// # Replies
//
// Prepare picks, from the command name (in any case), how the reply is to be
// rendered, and may rewrite the command: SET k v with no options runs as
// SET k v GET so that the previous value can be shown. The MemFast commands
// reply as MemFast did:
//
//	SET k v           Inserted! when k was new, else the previous value
//	GET k             the value, or Nil
//	DEL k...          Deleted!
//	EXISTS k          true / false (with several keys: the count)
//	LEN               the number of keys, e.g. 3
//	ISEMPTY           true / false
//	CLEAR             Cleared!
//	DUMP file.csv     Dumped!
//	NET name n url... Created!
//	SETSYNC name k v  Synced!
//
// Every other command, and every other reply of these ones, is rendered
// generically (see AppendGeneric): status and bulk replies raw, nil as Nil,
// integers in decimal, doubles as Redis prints them, arrays and maps as JSON,
// and errors as their text, "ERR ..." or "WRONGTYPE ...", whatever the
// command.
package text
