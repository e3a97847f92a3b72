package memshard_test

import (
	"context"
	"fmt"
	"time"

	"github.com/memshard/memshard"
)

func Example() {
	db, err := memshard.Open(memshard.DefaultOptions())
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()

	// Typed helpers for the common commands.
	_ = db.Set(ctx, "greeting", []byte("hello world"), time.Minute)
	v, _ := db.Get(ctx, "greeting")
	fmt.Println(string(v))

	// Any Redis command, with a typed reply.
	n, _ := db.Do(ctx, "INCRBY", "visits", 5)
	fmt.Println(n.Int)

	// Go values as JSON.
	type user struct {
		Name string
		Age  int
	}
	_ = memshard.SetJSON(ctx, db, "user:1", user{"Ada", 36}, 0)
	u, _ := memshard.GetJSON[user](ctx, db, "user:1")
	fmt.Println(u.Name, u.Age)

	// An atomic batch across shards.
	reps, _ := db.Tx().Do("SET", "a", "1").Do("INCR", "a").Do("MGET", "a", "greeting").Exec(ctx)
	fmt.Println(reps[1].Int, string(reps[2].Arr[1].Str))

	// Sentinel errors.
	if _, err := db.Get(ctx, "missing"); err == memshard.ErrNotFound {
		fmt.Println("missing: not found")
	}
	// Output:
	// hello world
	// 5
	// Ada 36
	// 2 hello world
	// missing: not found
}
