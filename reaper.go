package secretstore

import (
	"context"
	"errors"
	"runtime"
	"time"

	"github.com/secretstore-go/secretstore/internal/record"
)

// The reaper does later, at low priority, what Secrets Manager does in the
// background:
//
//   - it purges every secret whose recovery window has ended: its record,
//     tags and index entries (the secret is already invisible from its
//     DeletionDate on; purging only reclaims the space);
//   - it prunes deprecated versions of secrets that hold more than
//     MaxVersions versions (see pruneVersions);
//   - it shreds the version records of what was purged or pruned: Badger's
//     DropPrefix removes them, with their wrapped data keys, from every level
//     of the database, so no bytes left behind can be decrypted;
//   - it runs Badger's value-log garbage collection (on disk).
//
// Its work follows indexes ordered by deletion date, so a pass costs what has
// expired, not the size of the store. It works in bounded batches, each its
// own transaction, and yields between them; a failure on one secret is
// logged and counted, and the pass goes on.

// ReapStats counts what one reaper pass did.
type ReapStats struct {
	// Purged is the number of secrets permanently deleted.
	Purged int
	// PrunedVersions is the number of deprecated versions removed.
	PrunedVersions int
	// Shredded is the number of secrets and versions whose records were
	// dropped from the database: at most 256 a pass, so a large purge is
	// shredded over the next passes.
	Shredded int
	// RecordsRead is the number of index entries and records the pass read.
	RecordsRead int
	// Failed is the number of secrets the pass could not process (purge,
	// prune, or start a rotation of); each is logged.
	Failed int
	// ValueLogGC is the number of value-log files Badger rewrote.
	ValueLogGC int
	// Rotated is the number of rotations that ran and succeeded: the
	// scheduled ones whose window has opened, the retries that were due,
	// and any that RotateSecret started and that had not run yet.
	Rotated int
}

const (
	reapBatch  = 256 // secrets per transaction
	shredBatch = 256 // prefixes shredded per pass
)

// Reap runs one reaper pass now and returns what it did. Tests with a fake
// clock call it after moving the clock; callers that set
// Options.DisableReaper call it on their own schedule. It returns early,
// with ctx's error, when ctx is done.
func (s *Store) Reap(ctx context.Context) (st ReapStats, err error) {
	c, err := s.begin()
	if err != nil {
		return ReapStats{}, err
	}
	st, err = c.reap(ctx)
	c.end()
	defer func() { c.stats.reaped(st, err) }() // for Store.Stats
	if err != nil || len(c.opts.Rotators) == 0 {
		return st, err
	}
	// Outside c.mu: a rotator calls the store's operations, and Close
	// must not wait for a step while it holds c.mu. Close may run
	// meanwhile: each transaction of the rotations checks that the store
	// is still open (core.live), and the pass then fails with ErrClosed.
	rotated, failed, err := c.runRotations(ctx)
	st.Rotated, st.Failed = rotated, st.Failed+failed
	return st, err
}

func (c *core) reap(ctx context.Context) (ReapStats, error) {
	c.reapMu.Lock()
	defer c.reapMu.Unlock()
	var st ReapStats
	now := now(c.clock)
	if err := c.purgeExpired(ctx, now, &st); err != nil {
		return st, err
	}
	if err := c.pruneAll(ctx, &st); err != nil {
		return st, err
	}
	if err := c.shred(ctx, &st); err != nil {
		return st, err
	}
	if !c.opts.InMemory {
		for st.ValueLogGC < 16 && ctx.Err() == nil && c.db.RunValueLogGC(0.5) == nil {
			st.ValueLogGC++
		}
	}
	return st, ctx.Err()
}

// purgeExpired purges every secret whose DeletionDate is at or before now.
func (c *core) purgeExpired(ctx context.Context, now time.Time, st *ReapStats) error {
	var after []byte
	for {
		batch, read, err := c.readIndex(deletionIndex, after, now, reapBatch)
		st.RecordsRead += read
		if err != nil || len(batch) == 0 {
			return err
		}
		var purged []*secretRecord
		err = c.update(ctx, func(t *tx) error {
			purged = purged[:0]
			for _, e := range batch {
				r, err := c.purgeOne(t, e, now, st)
				if err != nil {
					if !isAWSError(err) {
						return err // the database failed: stop the pass
					}
					st.Failed++
					c.log.Error("reaper: can't purge secret", "region", e.Region, "name", e.Name, "err", err)
					continue
				}
				if r != nil {
					purged = append(purged, r)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		st.Purged += len(purged)
		for _, r := range purged {
			c.log.Info("reaper: purged secret", "region", r.Region, "name", r.Name)
			if c.onEvent != nil {
				c.onEvent(Event{Time: now, Operation: "EndSecretVersionDelete", Region: r.Region, SecretId: r.Name, ARN: c.arn(r), Name: r.Name, DeletedDate: r.DeletedDate})
			}
		}
		after = batch[len(batch)-1].Key
		if err := yield(ctx); err != nil {
			return err
		}
	}
}

// purgeOne purges the secret a deletion-index entry points at, if it is
// still that secret and still expired: a secret restored, or a new secret
// created under the name since, is left alone (and the stale entry removed).
func (c *core) purgeOne(t *tx, e record.IndexEntry, now time.Time, st *ReapStats) (*secretRecord, error) {
	r, err := t.getSecret(e.Region, e.Name)
	st.RecordsRead++
	if err != nil {
		return nil, err
	}
	if r == nil || r.ID != e.ID || !r.expired(now) || r.DeletionDate.UnixMilli() != e.Millis() {
		return nil, t.deleteEntry(e.Key)
	}
	return r, t.purge(r)
}

// pruneAll prunes the deprecated versions of the secrets in the prune index.
func (c *core) pruneAll(ctx context.Context, st *ReapStats) error {
	var after []byte
	for {
		batch, read, err := c.readIndex(pruneIndex, after, time.Time{}, reapBatch)
		st.RecordsRead += read
		if err != nil || len(batch) == 0 {
			return err
		}
		pruned := 0
		err = c.update(ctx, func(t *tx) error {
			pruned = 0
			for _, e := range batch {
				r, err := t.getSecret(e.Region, e.Name)
				st.RecordsRead++
				if err != nil {
					if !isAWSError(err) {
						return err
					}
					st.Failed++
					c.log.Error("reaper: can't prune secret", "region", e.Region, "name", e.Name, "err", err)
					continue
				}
				if r == nil || r.ID != e.ID || r.VersionCount() <= MaxVersions {
					// An entry that points at no secret over the quota.
					if err := t.deleteEntry(e.Key); err != nil {
						return err
					}
					continue
				}
				n, err := pruneVersions(t, r)
				if err != nil {
					return err
				}
				pruned += n
				if n > 0 {
					// Not a change of the secret's (LastChangedDate stays), but
					// its replicas lose the versions too.
					if err := written(t, r); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		st.PrunedVersions += pruned
		after = batch[len(batch)-1].Key
		if err := yield(ctx); err != nil {
			return err
		}
	}
}

// shred drops up to shredBatch of the records queued for shredding from the
// database; the rest wait for the next passes. Badger's DropPrefix flushes
// the memtable and rewrites the tables that hold the records, checking every
// key of those tables against every prefix, and blocks writes meanwhile (they
// wait and retry): a bounded batch keeps one pass short however much expired
// at once.
func (c *core) shred(ctx context.Context, st *ReapStats) error {
	read, shredded, err := c.shredQueued(ctx, shredBatch)
	st.RecordsRead += read
	st.Shredded += shredded
	return err
}

// yield lets foreground work run between batches.
func yield(ctx context.Context) error {
	runtime.Gosched()
	return ctx.Err()
}

// reaper is the background goroutine Open starts and Close stops.
type reaper struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func startReaper(c *core, every time.Duration) *reaper {
	ctx, cancel := context.WithCancel(context.Background())
	r := &reaper{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			st, err := (&Store{c: c}).Reap(ctx)
			switch {
			case errors.Is(err, ErrClosed), errors.Is(err, context.Canceled):
				return
			case err != nil:
				c.log.Error("reaper: pass failed", "err", err)
			case st.Purged+st.PrunedVersions+st.Failed > 0:
				c.log.Info("reaper: pass done", "purged", st.Purged, "prunedVersions", st.PrunedVersions, "failed", st.Failed)
			}
		}
	}()
	return r
}

// stop stops the goroutine and waits for it to end. It may be called more
// than once.
func (r *reaper) stop() {
	r.cancel()
	<-r.done
}
