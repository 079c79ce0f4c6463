package secretstore

import (
	"sync"
	"sync/atomic"
)

// recordCache keeps decoded secret records for read-only transactions, so a
// read such as GetSecretValue costs one Badger lookup (the version) rather
// than two. Read-write transactions never use it: they must read through
// Badger for its conflict detection.
//
// Validity is a generation count. Every write to the database bumps it
// before and after its commit (changing), and counts itself as changing
// meanwhile; a read-only transaction loads it before it starts (begin),
// and after taking its snapshot keeps it only if no write is changing the
// database and none began since (confirm). It may then use or add only
// entries tagged with that same generation. An entry is therefore the state
// of a snapshot that no write has changed since, and any write makes every
// older entry dead at once. A read that overlaps a commit reads through
// Badger: its snapshot may or may not hold that commit, and an entry it
// made could not say which. Secrets are read far more often than written,
// which is when this pays.
type recordCache struct {
	gen      atomic.Uint64
	changing atomic.Int64 // writes between their two bumps
	budget   int          // bytes of records it may hold: an eighth of Options.MemoryBudget, half in memory
	mu       sync.Mutex
	entries  map[string]cacheEntry
	bytes    int
}

type cacheEntry struct {
	r    *secretRecord
	gen  readGen
	size int
}

// readGen is the cache generation a read-only transaction started in.
type readGen uint64

const (
	// noCache marks a read-write transaction, which reads through Badger.
	noCache readGen = 0
	// readThrough marks a read-only transaction that may not use the
	// cache (see confirm): it reads through Badger too.
	readThrough readGen = ^readGen(0)
)

// begin returns the generation for a read-only transaction about to start.
func (c *recordCache) begin() readGen {
	return readGen(c.gen.Load() + 1) // never noCache
}

// confirm returns g, the generation a read-only transaction began in, if
// its snapshot, taken since, can use the cache: no write is changing the
// database and none began since begin. Otherwise it returns readThrough.
func (c *recordCache) confirm(g readGen) readGen {
	if c.changing.Load() != 0 || readGen(c.gen.Load()+1) != g {
		return readThrough
	}
	return g
}

// change runs write, a change to the database, between two bumps,
// counted as changing meanwhile; see recordCache.
func (c *recordCache) change(write func() error) error {
	c.changing.Add(1)
	c.bump()
	defer func() {
		c.bump()
		c.changing.Add(-1)
	}()
	return write()
}

// bump marks a change to the database; see recordCache.
func (c *recordCache) bump() { c.gen.Add(1) }

func (c *recordCache) get(key []byte, g readGen) *secretRecord {
	if g == noCache || g == readThrough {
		return nil
	}
	c.mu.Lock()
	e, ok := c.entries[string(key)]
	c.mu.Unlock()
	if !ok || e.gen != g {
		return nil
	}
	return e.r
}

func (c *recordCache) put(key []byte, r *secretRecord, g readGen, size int) {
	if g == noCache || g == readThrough {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if readGen(c.gen.Load()+1) != g {
		return // a write began since g: the entry would be dead
	}
	if c.entries == nil {
		c.entries = make(map[string]cacheEntry)
	}
	if old, ok := c.entries[string(key)]; ok {
		c.bytes -= old.size
		delete(c.entries, string(key))
	}
	// Over budget, evict entries at random (map order): cheap, and when
	// more secrets are read than fit, the hit rate is the share that fits.
	for k, e := range c.entries {
		if c.bytes+size <= c.budget {
			break
		}
		delete(c.entries, k)
		c.bytes -= e.size
	}
	c.entries[string(key)] = cacheEntry{r: r, gen: g, size: size}
	c.bytes += size
}

// cachedSize estimates the memory an entry holds: the record's buffer, its
// struct, its versions and the map entry, and as much again for what the
// allocator and the garbage collector's headroom add (measured: about
// 1,130 bytes for a record with one version whose parts add up to 577).
func cachedSize(r *secretRecord, buf, key int) int {
	return 2 * (buf + key + 320 + 96*len(r.Versions) + 32*len(r.Tags))
}
