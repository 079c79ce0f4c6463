package secretstore

import (
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// A full disk. Badger writes its write-ahead log and its new tables through
// memory maps of sparse files; when a page of such a map cannot be given
// disk space, the process dies (SIGBUS) instead of getting an error. So the
// store refuses a write, before Badger sees it, while the disk holding the
// data folder has less free space than Badger may need for what it writes
// through maps next: the rest of the current memtable's log, a new log, and
// the tables a flush and a compaction write. A refused write changes
// nothing; writes work again as soon as space is freed.

// diskGuard watches the free space of the data folder's file system.
type diskGuard struct {
	dir     string
	reserve uint64 // bytes kept free for Badger's own files
	free    func() (uint64, error)
	checked atomic.Int64 // when free space was last read, UnixNano
	low     atomic.Bool  // the last reading was below the reserve
}

// newDiskGuard returns the guard of a store on disk opened with Badger
// options bo, or nil when free space cannot be read on this system. The
// reserve covers what Badger may write through maps before the next check:
// the rest of the memtable's log and a new one, the table a flush writes,
// and a compaction of level 0 (all its tables) into the base level, plus
// 8 MiB of slack.
func newDiskGuard(dir string, bo badger.Options) *diskGuard {
	reserve := (3+int64(bo.NumLevelZeroTables))*bo.MemTableSize + bo.BaseLevelSize + 8<<20
	g := &diskGuard{dir: dir, reserve: uint64(reserve)}
	g.free = func() (uint64, error) { return freeSpace(dir) }
	if _, err := g.free(); err != nil {
		return nil
	}
	return g
}

// recheck is how long a reading of ample free space is trusted.
const recheck = 50 * time.Millisecond

// check returns ErrDiskFull (an InternalServiceError) when the disk is too
// full to write. Free space is read at most every 50 ms while there is more
// than twice the reserve, and before every write once there is less.
func (g *diskGuard) check() error {
	if g == nil {
		return nil
	}
	now := time.Now().UnixNano()
	if !g.low.Load() && now-g.checked.Load() < int64(recheck) {
		return nil
	}
	free, err := g.free()
	if err != nil {
		return nil // the disk itself will say what is wrong
	}
	g.checked.Store(now)
	g.low.Store(free < 2*g.reserve)
	if free < g.reserve {
		e := newErrorf(ErrInternalServiceError, "the disk holding the data folder is full: %d KiB free, and the database keeps %d KiB free for its own files. Nothing was written; free some space and try again (no restart is needed)", free>>10, g.reserve>>10)
		e.also = ErrDiskFull
		return e
	}
	return nil
}
