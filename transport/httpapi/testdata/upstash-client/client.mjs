// Runs the official @upstash/redis client against a memshard HTTP server and
// prints one JSON line with every result; transport/httpapi/upstash_test.go
// starts the server, runs this script and checks the line.
//
// Environment: MEMSHARD_URL (http://127.0.0.1:PORT), MEMSHARD_TOKEN.
// Exit status: 0 after printing the line, 1 on any error (printed to stderr),
// 2 when the environment is missing.
import { Redis } from "@upstash/redis";

const url = process.env.MEMSHARD_URL;
const token = process.env.MEMSHARD_TOKEN;
if (!url || !token) {
  console.error("MEMSHARD_URL and MEMSHARD_TOKEN must be set");
  process.exit(2);
}

async function main() {
  // Defaults on purpose (base64 responses, auto-pipelining), except retries:
  // a failed request should fail the test at once rather than back off.
  const redis = new Redis({ url, token, retry: false, enableTelemetry: false });

  const out = {};

  // Strings: plain, spaces + unicode (multi-byte UTF-8 through base64), missing.
  out.set = await redis.set("us:plain", "hello");
  out.get = await redis.get("us:plain");
  out.setUnicode = await redis.set("us:unicode", "héllo wörld ✓ 日本語 🚀");
  out.getUnicode = await redis.get("us:unicode");
  out.getMissing = await redis.get("us:missing");

  // Counters.
  out.incr1 = await redis.incr("us:counter");
  out.incr2 = await redis.incr("us:counter");
  out.incrby = await redis.incrby("us:counter", 40);

  // Expiry.
  out.expire = await redis.expire("us:plain", 100);
  out.ttl = await redis.ttl("us:plain");
  out.ttlNoExpiry = await redis.ttl("us:unicode");
  out.ttlMissing = await redis.ttl("us:missing");
  out.setEx = await redis.set("us:ex", "v", { ex: 50 });
  out.ttlEx = await redis.ttl("us:ex");

  // MGET across keys (and shards), one missing.
  out.mget = await redis.mget("us:plain", "us:missing", "us:unicode");

  // JSON object values: the client serialises on set and parses on get.
  out.setObject = await redis.set("us:obj", { name: "memshard", n: 3, tags: ["a", "b"], nested: { ok: true } });
  out.getObject = await redis.get("us:obj");

  // Concurrent commands: auto-pipelining batches them into /pipeline calls.
  // The client may split them over several requests that run concurrently,
  // so they must not depend on each other's order: the keys they read are
  // written (and awaited) first.
  await redis.set("us:autoread", "x y");
  out.auto = await Promise.all([
    redis.set("us:auto", "z"),
    redis.get("us:autoread"),
    redis.incr("us:autocounter"),
    redis.exists("us:autoread", "us:missing"),
  ]);

  // Explicit pipeline (POST /pipeline, not atomic).
  const p = redis.pipeline();
  p.set("us:p1", "one");
  p.set("us:p2", "twö");
  p.get("us:p1");
  p.get("us:p2");
  p.incr("us:pcounter");
  p.mget("us:p1", "us:p2", "us:missing");
  p.del("us:p1");
  p.exists("us:p1", "us:p2");
  out.pipeline = await p.exec();

  // Transaction (POST /multi-exec).
  const m = redis.multi();
  m.set("us:m", "10");
  m.incrby("us:m", 5);
  m.get("us:m");
  m.expire("us:m", 30);
  m.ttl("us:m");
  m.set("us:mobj", { k: "v" });
  m.get("us:mobj");
  out.multi = await m.exec();

  // Without auto-pipelining each command is its own POST / request.
  const direct = new Redis({ url, token, retry: false, enableTelemetry: false, enableAutoPipelining: false });
  out.directSet = await direct.set("us:direct", "a b ✓", { ex: 20 });
  out.directGet = await direct.get("us:direct");
  out.directTtl = await direct.ttl("us:direct");
  out.directIncr = await direct.incr("us:counter");
  out.directMget = await direct.mget("us:direct", "us:obj", "us:missing");

  // Deletion and existence.
  out.existsBefore = await redis.exists("us:plain", "us:unicode", "us:missing");
  out.del = await redis.del("us:plain", "us:unicode", "us:missing");
  out.existsAfter = await redis.exists("us:plain", "us:unicode");
  out.getDeleted = await redis.get("us:plain");
  return out;
}

try {
  const out = await main();
  // stdout is synchronous for pipes and files on Linux, so exiting right
  // after the write loses nothing; exiting does not wait for idle
  // keep-alive sockets.
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
} catch (err) {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
}
