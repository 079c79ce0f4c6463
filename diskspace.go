package secretstore

import (
	"os"
	"sync/atomic"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
)

// A full disk. Badger writes its write-ahead log and its new tables through
// memory maps of sparse files; when a page of such a map cannot be given
// disk space, the process dies (SIGBUS) instead of getting an error. So the
// store refuses a write, before Badger sees it, while the disk holding the
// data folder has less free space than Badger may need for what it writes
// through maps next: the rest of the current memtable's log, a new log, and
// the tables a flush and a compaction write. A refused write changes
// nothing; writes work again as soon as space is freed.

// diskGuard watches the data folder before writes: the free space of its
// file system, and that this process can still create files in it (the
// folder is writable, and file descriptors are left), since Badger creates
// a write-ahead log or a table at any write. A write is refused while one of
// them fails, with a plain message; the next write checks again, so writes
// work again as soon as the cause is gone, without a restart.
type diskGuard struct {
	dir      string
	reserve  uint64 // bytes kept free for Badger's own files
	free     func() (uint64, error)
	writable func() error // nil, or why dir is not writable for this process
	files    func() error // nil, or why no file descriptor is left
	checked  atomic.Int64 // when the folder was last found fine, UnixNano
	low      atomic.Bool  // the last reading was below the reserve, or a check failed
}

// newDiskGuard returns the guard of a store on disk opened with Badger
// options bo, whose folder lock (an open file, or nil) it may duplicate to
// count spare file descriptors; nil when free space cannot be read on this
// system. The reserve covers what Badger may write through maps before the
// next check: the rest of the memtable's log and a new one, the table a
// flush writes, and a compaction of level 0 (all its tables) into the base
// level, plus 8 MiB of slack.
func newDiskGuard(dir string, bo badger.Options, lock *os.File) *diskGuard {
	reserve := (3+int64(bo.NumLevelZeroTables))*bo.MemTableSize + bo.BaseLevelSize + 8<<20
	g := &diskGuard{dir: dir, reserve: uint64(reserve)}
	g.free = func() (uint64, error) { return freeSpace(dir) }
	g.writable = func() error { return folderWritable(dir) }
	g.files = func() error { return spareDescriptors(lock) }
	if _, err := g.free(); err != nil {
		return nil
	}
	return g
}

// recheck is how long a reading of a fine folder is trusted.
const recheck = 50 * time.Millisecond

// check returns why a write may not begin now, or nil: the folder is not
// writable or no file descriptor is left (InternalServiceError), or the
// disk is too full (ErrDiskFull, an InternalServiceError). The folder is
// checked at most every 50 ms while all is well (with more than twice the
// reserve free), and before every write once it is not. A write that slips
// through between two checks fails in Badger with the same message.
func (g *diskGuard) check() error {
	if g == nil {
		return nil
	}
	if err := g.writable(); err != nil { // cheap: before every write
		g.low.Store(true)
		e := newError(ErrInternalServiceError, systemMessage(err))
		e.cause, e.also = err, ErrDataFolderNotWritable
		return e
	}
	now := time.Now().UnixNano()
	if !g.low.Load() && now-g.checked.Load() < int64(recheck) {
		return nil
	}
	if err := g.files(); err != nil {
		g.low.Store(true)
		e := newError(ErrInternalServiceError, systemMessage(err))
		e.cause = err
		return e
	}
	free, err := g.free()
	if err != nil {
		g.low.Store(false)
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
