package secretstore

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// groupSync makes committed transactions durable together: group commit.
//
// Badger's own SyncWrites syncs its write-ahead log once per transaction,
// one after another in its single write goroutine, so concurrent writers
// queue behind each other's fsync. The store opens Badger without it and,
// after each commit, waits instead for one fsync that began after the commit:
// every writer that committed while an fsync was running shares the next
// one. A write is acknowledged only after a sync that started after it, as
// before; only the number of syncs changes.
//
// The sync covers every file Badger may have written since the last one: the
// write-ahead logs (.mem) and value logs (.vlog) from the newest of each
// seen at the last sync onwards (a commit can land in a memtable that
// becomes immutable before the sync; Badger writes only to the newest log,
// so older ones are clean), and the folder itself when the set of those
// files has changed. On Linux, fsync writes the pages dirtied through Badger's
// memory maps as well.
type groupSync struct {
	dir string

	mu        sync.Mutex
	cond      sync.Cond
	pending   int  // transactions begun and not yet committed or failed
	running   bool // a sync is gathering or running
	gathering bool
	started   uint64        // syncs begun
	done      uint64        // syncs finished
	failed    uint64        // the last sync that failed, 0 if none
	err       error         // its error
	good      uint64        // the last sync that succeeded
	skipped   error         // why the last sync that did not run could not (a log or the folder did not open)
	took      time.Duration // how long the last sync took
	failures  uint64        // syncs that failed
	durations durationHistogram
	gatherGen uint64 // counts gathers, so a late timer ends only its own

	sync func() error // syncFiles; tests replace it

	// Set by the store once the database is open: after each sync,
	// syncFiles records in wm that the commits up to mark() (taken before
	// the sync began) are durable, before any writer is acknowledged.
	wm   *watermark
	mark func() uint64

	// Used only by the goroutine running a sync.
	lastLog   [2]int   // the newest write-ahead log (.mem) and value log (.vlog) at the last sync
	lastNames []string // the log files seen at the last sync
}

func newGroupSync(dir string) *groupSync {
	g := &groupSync{dir: dir}
	g.cond.L = &g.mu
	g.sync = g.syncFiles
	return g
}

// begin notes that a read-write transaction begins; end must follow. It does
// nothing on a nil g (a store without SyncWrites, or in memory).
func (g *groupSync) begin() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.pending++
	g.mu.Unlock()
}

// end notes that the transaction begun has ended with err. When err is nil
// (the transaction committed), end returns once an fsync that began after
// the commit has finished, running it itself when none is running.
func (g *groupSync) end(err error) error {
	if g == nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending--
	if g.gathering {
		g.cond.Broadcast()
	}
	if err != nil {
		return err
	}
	need := g.started + 1 // a sync that begins from now on is numbered ≥ need
	for g.done < need {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.gather()
		g.started++
		n := g.started
		g.mu.Unlock()
		start := time.Now()
		err := g.sync()
		g.mu.Lock()
		g.took = time.Since(start)
		g.durations.observe(g.took)
		g.running = false
		g.done = n
		var ns *notSynced
		switch {
		case errors.As(err, &ns):
			// Nothing was synced, and nothing is lost: the next sync
			// covers these writes too.
			g.skipped = ns.err
		case err != nil:
			g.failed, g.err = n, err
			g.failures++
		default:
			g.good = n
		}
		g.cond.Broadcast()
	}
	if g.failed > 0 {
		return g.failure()
	}
	if g.good < need {
		// The syncs since the commit could not open the logs: the write
		// is in the database but not known to be on disk.
		e := newError(ErrInternalServiceError, notSyncedMessage(g.skipped))
		e.cause = g.skipped
		return e
	}
	return nil
}

// notSynced is the error of a sync that did not run: a log or the folder
// could not be opened (no file descriptor left, for one). Unlike a failed
// fsync it loses nothing, and writes go on.
type notSynced struct{ err error }

func (e *notSynced) Error() string { return "not synced: " + e.err.Error() }
func (e *notSynced) Unwrap() error { return e.err }

// notSyncedMessage says, for a client, that a write committed but was not
// confirmed on disk because of err.
func notSyncedMessage(err error) string {
	why := "the database's logs could not be opened to write them to disk"
	if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
		why = "too many open files: the server has no file descriptor left to write the database's logs to disk"
	}
	return why + ". The write was made but is not confirmed on disk: send it again (with the same ClientRequestToken, it is not made twice); no restart is needed"
}

// failure returns the error of a sync that failed, once one has: then the
// writes since the last good sync may be lost (after a failed fsync, Linux
// may drop the pages it could not write and mark them clean, so a later
// fsync succeeds without them), and no write is acknowledged any more
// until the store is opened again. Reads go on. Called with mu held.
func (g *groupSync) failure() error {
	e := newError(ErrInternalServiceError, "writing the database's logs to disk failed, so writes can no longer be made durable: close the store, check the disk, and open it again")
	e.cause = g.err
	e.also = ErrSyncFailed
	return e
}

// broken returns failure's error once a sync has failed, else nil: writes
// are refused before they begin. It returns nil on a nil g.
func (g *groupSync) broken() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed > 0 {
		return g.failure()
	}
	return nil
}

// syncs returns how many syncs have finished.
func (g *groupSync) syncs() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.done
}

// gather waits a little for the transactions still running to commit, so
// that the sync about to begin covers them too: until none is running, or
// for half as long as the last sync took. One writer alone never waits.
// Called with mu held and running set.
func (g *groupSync) gather() {
	if g.pending == 0 {
		// Let the writers the last sync released begin their next
		// transactions.
		g.mu.Unlock()
		runtime.Gosched()
		g.mu.Lock()
	}
	if g.pending == 0 || g.took == 0 {
		return
	}
	g.gatherGen++
	gen := g.gatherGen
	g.gathering = true
	timer := time.AfterFunc(g.took, func() {
		g.mu.Lock()
		if g.gatherGen == gen {
			g.gathering = false
			g.cond.Broadcast()
		}
		g.mu.Unlock()
	})
	for g.pending > 0 && g.gathering {
		g.cond.Wait()
	}
	g.gathering = false
	timer.Stop()
}

// watermark sets the watermark syncFiles updates, and how it reads the
// commit watermark. It does nothing on a nil g.
func (g *groupSync) watermark(w *watermark, mark func() uint64) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.wm, g.mark = w, mark
}

// syncFiles fsyncs Badger's logs that may hold unsynced writes.
func (g *groupSync) syncFiles() error {
	var durable uint64
	if g.mark != nil {
		durable = g.mark() // every commit up to it is in a log now
	}
	entries, err := os.ReadDir(g.dir)
	if err != nil {
		return &notSynced{err}
	}
	var names []string // every log, to tell when the folder changed
	newest := g.lastLog
	var errs []error
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if ext != ".mem" && ext != ".vlog" {
			continue
		}
		names = append(names, name)
		fid, err := strconv.Atoi(strings.TrimSuffix(name, ext))
		kind := 0
		if ext == ".vlog" {
			kind = 1
		}
		// Badger writes only to the newest log of each kind: an older one
		// than the newest seen at the last sync had its last write before
		// that sync began, and that sync (or an earlier) synced it.
		if err == nil && fid < g.lastLog[kind] {
			continue
		}
		newest[kind] = max(newest[kind], fid)
		if err := syncFile(filepath.Join(g.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err) // a log removed meanwhile was flushed to a synced table
		}
	}
	if !slices.Equal(names, g.lastNames) {
		if err := syncFile(g.dir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		for _, e := range errs {
			var ns *notSynced
			if !errors.As(e, &ns) {
				return err // an fsync failed
			}
		}
		return &notSynced{err}
	}
	g.lastLog, g.lastNames = newest, names
	g.wm.update(durable, entries, true)
	return nil
}

// syncFile fsyncs the file or folder at path; an error opening it is a
// *notSynced.
func syncFile(path string) error {
	f, err := openForSync(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return err
		}
		return &notSynced{err}
	}
	err = datasync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
