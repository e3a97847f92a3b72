package reply

// Error replies with Redis 7's exact wording. They are package-level values so
// that returning one never allocates.
var (
	ErrSyntax        = errReply("ERR syntax error")
	ErrNotInt        = errReply("ERR value is not an integer or out of range")
	ErrNotFloat      = errReply("ERR value is not a valid float")
	ErrOverflow      = errReply("ERR increment or decrement would overflow")
	ErrWrongType     = errReply("WRONGTYPE Operation against a key holding the wrong kind of value")
	ErrNoSuchKey     = errReply("ERR no such key")
	ErrInvalidExpire = errReply("ERR invalid expire time in 'set' command")
	ErrNaNInf        = errReply("ERR increment would produce NaN or Infinity")
	ErrMaxString     = errReply("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	ErrOffsetRange   = errReply("ERR offset is out of range")
	ErrNotOneOf      = errReply("ERR NX and XX, GT or LT options at the same time are not compatible")
	ErrGTLTNX        = errReply("ERR GT and LT options at the same time are not compatible")
	ErrInvalidCursor = errReply("ERR invalid cursor")
	ErrShardStopped  = errReply("ERR server is shutting down")
	ErrInternal      = errReply("ERR internal error while running the command (logged); the server keeps running")
)

func errReply(s string) Reply { return Reply{Kind: KindError, Str: []byte(s)} }

// Error replies of the string, key and expire commands (cmd_*.go). The ones
// that name a command use Redis's lower-case full name, as Redis does.
var (
	ErrInvalidExpireSetEx     = errReply("ERR invalid expire time in 'setex' command")
	ErrInvalidExpirePSetEx    = errReply("ERR invalid expire time in 'psetex' command")
	ErrInvalidExpireGetEx     = errReply("ERR invalid expire time in 'getex' command")
	ErrInvalidExpireExpire    = errReply("ERR invalid expire time in 'expire' command")
	ErrInvalidExpirePExpire   = errReply("ERR invalid expire time in 'pexpire' command")
	ErrInvalidExpireExpireAt  = errReply("ERR invalid expire time in 'expireat' command")
	ErrInvalidExpirePExpireAt = errReply("ERR invalid expire time in 'pexpireat' command")
	ErrDecrOverflow           = errReply("ERR decrement would overflow")
	ErrArityMSet              = errReply("ERR wrong number of arguments for 'mset' command")
	ErrArityMSetNX            = errReply("ERR wrong number of arguments for 'msetnx' command")
	ErrSameObject             = errReply("ERR source and destination objects are the same")
	ErrDBIndex                = errReply("ERR DB index is out of range")
	ErrIntRange               = errReply("ERR value is out of range, value must between -2147483648 and 2147483647")
	ErrCopyOtherDB            = errReply("ERR COPY to another database is not supported")
)
