package secretstore

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/secretstore-go/secretstore/internal/record"
)

// What a server needs to report the store's health and to export metrics:
// whether a write can be made now (Writable), counters of what the store
// did since Open (Stats), and how much it holds (Count). None of them
// reveals a secret name or value.

// ErrSyncFailed is matched (with ErrInternalServiceError) by a write refused
// because an fsync of the database's logs failed earlier: writes since the
// last good sync may be lost, so none is acknowledged until the store is
// closed and opened again. Reads go on.
var ErrSyncFailed = errors.New("secretstore: an fsync of the database's logs failed")

// ErrDataFolderNotWritable is matched (with ErrInternalServiceError) by
// Writable's error when this process may not write in the data folder (its
// permissions, or a file system mounted read-only): Badger keeps the files
// it has open, but cannot create the logs and tables the next writes need.
var ErrDataFolderNotWritable = errors.New("secretstore: the data folder is not writable")

// Writable returns nil when a write can be made now, or the error a write
// would get now, which says why not: the disk holding the data folder is
// full (ErrDiskFull), an fsync failed earlier (ErrSyncFailed), the data
// folder cannot be written by this process (ErrDataFolderNotWritable) or no
// file descriptor is left (InternalServiceError), or
// the store is closed (ErrClosed). It writes nothing, and costs a system
// call or two, so a health check may call it on every request. A nil
// answer is no promise: the disk may fill up a moment later.
func (s *Store) Writable() error {
	c, err := s.begin()
	if err != nil {
		return err
	}
	defer c.end()
	if err := c.disk.check(); err != nil {
		return err
	}
	return c.group.broken()
}

// Reasons a write was refused before it began, the keys of
// Stats.WritesRefused.
const (
	RefusedDiskFull    = "disk_full"           // ErrDiskFull
	RefusedSyncFailed  = "sync_failed"         // ErrSyncFailed
	RefusedNotWritable = "folder_not_writable" // ErrDataFolderNotWritable
)

// Stats counts what a Store did since Open (every region view of it
// shares them). They are cumulative, so a metrics system can turn them into
// rates; Store.Stats returns a copy.
type Stats struct {
	// Syncs is the number of fsyncs of the database's logs that finished
	// (one serves every writer that committed meanwhile: see
	// Options.SyncWrites), and SyncFailures how many of them failed. Both
	// stay zero without SyncWrites and for an InMemory store.
	Syncs, SyncFailures uint64
	// SyncDurations is how long those fsyncs took.
	SyncDurations DurationHistogram
	// WritesRefused counts the writes refused before they began, by reason
	// (RefusedDiskFull, RefusedSyncFailed, RefusedNotWritable). A refused
	// write changes nothing.
	WritesRefused map[string]uint64
	// ReaperPasses is the number of reaper passes run (in the background
	// and by Store.Reap), ReaperPassFailures how many of them stopped on an
	// error, and ReaperSecretFailures the secrets that passes could not
	// process (each logged; the pass went on with the others).
	ReaperPasses, ReaperPassFailures, ReaperSecretFailures uint64
	// Purged is the number of secrets the reaper deleted for good at the
	// end of their recovery window, PrunedVersions the deprecated versions
	// it removed, and Rotated the rotations its passes ran.
	Purged, PrunedVersions, Rotated uint64
}

// DurationHistogram counts durations in buckets.
type DurationHistogram struct {
	// Bounds are the buckets' upper bounds, ascending; a last bucket with
	// no bound holds the longer durations.
	Bounds []time.Duration
	// Counts has one more element than Bounds: Counts[i] is the number of
	// durations d with Bounds[i-1] < d <= Bounds[i].
	Counts []uint64
	// Count is the number of durations, and Sum their total.
	Count uint64
	Sum   time.Duration
}

// syncBounds are the bounds of Stats.SyncDurations: an fsync on an SSD
// takes about a millisecond, on a disk or an SD card tens of them.
var syncBounds = []time.Duration{
	250 * time.Microsecond, 500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond,
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2500 * time.Millisecond, 5 * time.Second,
}

// durationHistogram is a DurationHistogram updated without locks.
type durationHistogram struct {
	counts [15]atomic.Uint64 // len(syncBounds)+1
	sum    atomic.Int64
}

func (h *durationHistogram) observe(d time.Duration) {
	i := 0
	for i < len(syncBounds) && d > syncBounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
}

// snapshot returns a copy of h's counts; a nil h has none.
func (h *durationHistogram) snapshot() DurationHistogram {
	out := DurationHistogram{Bounds: append([]time.Duration(nil), syncBounds...), Counts: make([]uint64, len(syncBounds)+1)}
	if h == nil {
		return out
	}
	for i := range h.counts {
		out.Counts[i] = h.counts[i].Load()
		out.Count += out.Counts[i]
	}
	out.Sum = time.Duration(h.sum.Load())
	return out
}

// stats holds the counters behind Stats.
type stats struct {
	refusedDiskFull, refusedSync    atomic.Uint64
	refusedNotWritable              atomic.Uint64
	reaperPasses, reaperPassFailed  atomic.Uint64
	reaperSecretFailed              atomic.Uint64
	purged, prunedVersions, rotated atomic.Uint64
}

// refused records a write refused with err (core.writable's error), if any.
func (st *stats) refused(err error) {
	switch {
	case err == nil:
	case errors.Is(err, ErrDiskFull):
		st.refusedDiskFull.Add(1)
	case errors.Is(err, ErrSyncFailed):
		st.refusedSync.Add(1)
	case errors.Is(err, ErrDataFolderNotWritable):
		st.refusedNotWritable.Add(1)
	}
}

// reaped records a reaper pass.
func (st *stats) reaped(r ReapStats, err error) {
	st.reaperPasses.Add(1)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrClosed) {
		st.reaperPassFailed.Add(1)
	}
	st.reaperSecretFailed.Add(uint64(r.Failed))
	st.purged.Add(uint64(r.Purged))
	st.prunedVersions.Add(uint64(r.PrunedVersions))
	st.rotated.Add(uint64(r.Rotated))
}

// Stats returns the store's counters. It works on a closed store too (they
// then stay as they were at Close).
func (s *Store) Stats() Stats {
	st := &s.c.stats
	syncs, failures, durations := s.c.group.counts()
	return Stats{
		Syncs:         syncs,
		SyncFailures:  failures,
		SyncDurations: durations,
		WritesRefused: map[string]uint64{
			RefusedDiskFull:    st.refusedDiskFull.Load(),
			RefusedSyncFailed:  st.refusedSync.Load(),
			RefusedNotWritable: st.refusedNotWritable.Load(),
		},
		ReaperPasses:         st.reaperPasses.Load(),
		ReaperPassFailures:   st.reaperPassFailed.Load(),
		ReaperSecretFailures: st.reaperSecretFailed.Load(),
		Purged:               st.purged.Load(),
		PrunedVersions:       st.prunedVersions.Load(),
		Rotated:              st.rotated.Load(),
	}
}

// Counts is how much a store holds, from Store.Count.
type Counts struct {
	// Secrets is the number of secrets of each region, replicas and
	// secrets scheduled for deletion included (until the reaper purges
	// them).
	Secrets map[string]int
	// Versions is the number of stored versions of every secret of every
	// region, deprecated ones and replicas' copies included.
	Versions int
}

// Count counts the secrets and versions the store holds, reading their
// keys only (a store of 100,000 secrets takes tens of milliseconds; a
// metrics exporter should not call it on every scrape of a large store).
// It returns early with ctx's error when ctx is done.
func (s *Store) Count(ctx context.Context) (Counts, error) {
	c, err := s.begin()
	if err != nil {
		return Counts{}, err
	}
	defer c.end()
	n := Counts{Secrets: map[string]int{}}
	err = c.read(func(t *tx) error {
		err := t.keys(ctx, record.PrefixSecret, func(k []byte) {
			if region, _, ok := record.SplitRegionName(k[1:]); ok {
				n.Secrets[region]++
			}
		})
		if err != nil {
			return err
		}
		return t.keys(ctx, record.PrefixVersion, func([]byte) { n.Versions++ })
	})
	if err != nil {
		return Counts{}, err
	}
	return n, nil
}

// counts returns the number of syncs finished, how many failed, and how
// long they took; none on a nil g.
func (g *groupSync) counts() (syncs, failures uint64, durations DurationHistogram) {
	if g == nil {
		return 0, 0, (*durationHistogram)(nil).snapshot()
	}
	g.mu.Lock()
	syncs, failures = g.done, g.failures
	g.mu.Unlock()
	return syncs, failures, g.durations.snapshot()
}
