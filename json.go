package memshard

import (
	"context"
	"encoding/json"
	"time"
)

// SetJSON stores v encoded as JSON at key (any Go type encoding/json
// accepts), with an optional ttl (0: none).
func SetJSON[T any](ctx context.Context, db *DB, key string, v T, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return db.Set(ctx, key, b, ttl)
}

// GetJSON decodes the JSON value at key into a T. It returns ErrNotFound when
// the key does not exist and the decoding error when the value is not JSON
// for a T.
func GetJSON[T any](ctx context.Context, db *DB, key string) (T, error) {
	var v T
	b, err := db.Get(ctx, key)
	if err != nil {
		return v, err
	}
	err = json.Unmarshal(b, &v)
	return v, err
}
