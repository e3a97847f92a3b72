package shard

// ScanStrings calls fn for the live string keys in the bucket(s) that cursor
// names, continuing over buckets until at least count keys were seen or the
// iteration ends, and returns the next cursor (0: done). It has SCAN's
// guarantee: a key present for the whole iteration is seen at least once.
// key and val are only valid during the call. Used by DUMP.
func (ks *Keyspace) ScanStrings(cursor uint64, count int, fn func(key, val []byte)) uint64 {
	seen := 0
	for visits := 0; visits < count*10; visits++ {
		cursor = ks.d.scan(cursor, func(c int32) {
			e := ks.d.at(c)
			if e.typ == typeString && !ks.expired(e) {
				fn(ks.key(e), ks.val(e))
				seen++
			}
		})
		if cursor == 0 || seen >= count {
			break
		}
	}
	return cursor
}
