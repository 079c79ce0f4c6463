package secretstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/badger/table"
	"github.com/secretstore-go/secretstore/internal/badger/y"
	"github.com/secretstore-go/secretstore/internal/record"
)

// The engine: tx is one transaction of the store, and the only code that
// writes records (TestOnlyTxWrites holds it to that): secret records with
// their index entries, version records, deprecated versions' records, the
// keyring, and the reaper's queue. Putting a secret record through it keeps
// every index in step with the record (see indexes), so an operation
// changes a record and puts it, and never touches an index or a key
// itself. The key layout and the records' encoding are internal/record's;
// nothing here knows AWS's rules, and nothing here calls the operations
// above it.
//
// A read-only tx (core.read) may take secret records from the record cache;
// a read-write one (core.update) always reads through Badger, whose conflict
// detection sees only what it reads.
type tx struct {
	c   *core
	txn *badger.Txn
	now time.Time // the store's clock when the transaction began
	gen readGen   // the cache generation of a read-only tx; noCache otherwise
	// noStamp makes reads leave LastAccessedDate as it is: the stamp could
	// not be written (a full disk), and a read never fails for it.
	noStamp bool

	// stored holds, for each secret record a read-write tx read or put,
	// what its index entries in the database are made from: tx.putSecret
	// changes those entries to the record's new ones.
	stored map[*secretRecord]indexed
}

// secretRecord is a secret's record (record.Secret) as the store holds it
// in memory; the rules of the layers above add its methods.
type secretRecord struct {
	record.Secret
}

// Transactions.

// read runs fn in a read-only transaction that may use the record cache.
// Records fn gets from t.getSecret are shared: it must not change them
// (see tx.private).
func (c *core) read(fn func(t *tx) error) error {
	return c.readTx(false, fn)
}

// readTx is read; noStamp sets tx.noStamp.
func (c *core) readTx(noStamp bool, fn func(t *tx) error) error {
	g := c.cache.begin() // before the transaction takes its snapshot
	txn := c.db.NewTransaction(false)
	defer txn.Discard()
	g = c.cache.confirm(g) // and after
	return dbError(fn(&tx{c: c, txn: txn, now: now(c.clock), gen: g, noStamp: noStamp}))
}

// update runs fn in a read-write transaction and commits it, running it
// again from the start when the commit conflicts with a concurrent one. fn
// must not have effects outside t, except setting its results.
func (c *core) update(ctx context.Context, fn func(t *tx) error) error {
	if err := c.writable(); err != nil {
		return err
	}
	c.group.begin()
	return c.group.end(c.retry(ctx, func(txn *badger.Txn) error {
		c.termMu.RLock()
		defer c.termMu.RUnlock()
		return c.commit(txn, fn)
	}))
}

// commitMark returns the newest commit version whose transaction has
// finished: every commit up to it is in a log or a table.
func (c *core) commitMark() uint64 {
	txn := c.db.NewTransaction(false)
	defer txn.Discard()
	return txn.ReadTs()
}

// errNeedsWrite is what a read returns from a read-only transaction when
// it must write (LastAccessedDate, the first read of a day): readOrWrite
// then runs it again in a read-write one.
var errNeedsWrite = errors.New("secretstore: the read must write")

// needsWrite returns errNeedsWrite when t is read-only, and nil when it may
// write.
func (t *tx) needsWrite() error {
	if t.gen != noCache {
		return errNeedsWrite
	}
	return nil
}

// readOrWrite runs fn in a read-only transaction, and again in a
// read-write one if it returns errNeedsWrite. Reads, which rarely write,
// so avoid the cost of a read-write transaction. When the write is refused
// (the disk is too full, the folder is not writable, a sync of the logs has
// failed or could not run), fn runs once more as a read that writes nothing
// (tx.noStamp): a read never fails for want of recording LastAccessedDate.
func (c *core) readOrWrite(ctx context.Context, fn func(t *tx) error) error {
	err := c.read(fn)
	if !errors.Is(err, errNeedsWrite) {
		return err
	}
	err = c.update(ctx, fn)
	if errors.Is(err, ErrInternalServiceError) && !errors.Is(err, ErrCorrupt) {
		// The stamp cannot be written (a full disk, a folder that is not
		// writable, no file descriptor left, a failed sync): the read goes
		// on without it.
		err = c.readTx(true, fn)
	}
	return err
}

// live runs fn, a transaction of the rotation runner, unless the store is
// closed (ErrClosed), keeping Close waiting until it returns: the runner's
// work happens outside the operations that Store.begin guards.
func (c *core) live(fn func() error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	return fn()
}

// liveUpdate is update, for the rotation runner: unless the store is
// closed (live).
func (c *core) liveUpdate(ctx context.Context, fn func(t *tx) error) error {
	return c.live(func() error { return c.update(ctx, fn) })
}

// writable returns why a write may not begin, or nil: the disk is too full
// (ErrDiskFull), or a sync of the logs has failed (groupSync.broken).
func (c *core) writable() error {
	err := c.disk.check()
	if err == nil {
		err = c.group.broken()
	}
	c.stats.refused(err) // for Store.Stats
	return err
}

// commit runs fn in txn and commits it.
func (c *core) commit(txn *badger.Txn, fn func(t *tx) error) error {
	err := fn(&tx{c: c, txn: txn, now: now(c.clock)})
	if err == nil {
		if c.beforeCommit != nil {
			c.beforeCommit()
		}
		err = c.cache.change(txn.Commit)
	}
	return err
}

// retry runs attempt with a new read-write transaction until it does not
// fail with a conflict; attempt commits.
func (c *core) retry(ctx context.Context, attempt func(txn *badger.Txn) error) error {
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		txn := c.db.NewTransaction(true)
		err := attempt(txn)
		txn.Discard()
		// A conflict means another transaction changed what fn read; blocked
		// writes mean the reaper is shredding (DropPrefix). Both pass.
		if !errors.Is(err, badger.ErrConflict) && !errors.Is(err, badger.ErrBlockedWrites) {
			return dbError(err)
		}
		if n >= maxAttempts {
			return newError(ErrInternalServiceError, "the secret is being changed by too many callers at once; try again")
		}
		// Back off a little, with jitter, so contending writers spread out.
		d := time.Duration(rand.Int64N(int64(50*time.Microsecond) << min(n, 8)))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// maxAttempts bounds the retries of a conflicting transaction.
const maxAttempts = 200

// dbError turns an error from Badger into an *Error; errors that already are
// one, and context errors, pass through.
func dbError(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	var be *table.BlockError
	switch {
	case errors.As(err, &e), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, errNeedsWrite):
		return err
	case errors.Is(err, badger.ErrDBClosed):
		return ErrClosed
	case errors.As(err, &be):
		return damagedBlockError(nil, be)
	case errors.Is(err, badger.ErrTxnTooBig):
		return newError(ErrLimitExceeded, "the operation changes too much data for one transaction")
	}
	e = newError(ErrInternalServiceError, systemMessage(err))
	e.cause = err
	return e
}

// systemMessage says in plain words, for a client, what the database's or
// the system's error err means: never its text, which names files and
// Badger's internals (the server logs that).
func systemMessage(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return msgNotWritable
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return msgTooManyFiles
	case errors.Is(err, syscall.ENOSPC):
		return "the disk holding the data folder is full. Nothing was written; free some space and try again (no restart is needed)"
	case errors.Is(err, syscall.EIO):
		return "the disk holding the data folder reported an I/O error (the server's log has the details)"
	}
	return "the database failed (the server's log has the details)"
}

// The messages of the faults that heal without a restart.
const (
	msgNotWritable  = "the data folder is not writable. Nothing was written; make it writable again for the server's user (no restart is needed)"
	msgTooManyFiles = "too many open files: the server has no file descriptor left. Nothing was written; writes work again once files are closed (no restart is needed; raise the limit with ulimit -n)"
)

// get returns a copy of the value of key, or nil if there is none (every
// record's value has at least its kind and schema bytes).
func (t *tx) get(key []byte) ([]byte, error) {
	item, err := t.lookup(key)
	if item == nil || err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// lookup returns the item of key, nil when there is none. A table block
// that cannot be read is an error matching ErrCorrupt.
func (t *tx) lookup(key []byte) (_ *badger.Item, err error) {
	defer func() {
		if v := recover(); v != nil {
			be := asBlockError(v)
			t.c.logDamagedBlock(be)
			err = damagedBlockError(key, be)
		}
	}()
	item, err := t.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	return item, err
}

// Secret records and their indexes.

// getSecret returns the record of secret name in region, or nil if there is
// none: from the record cache when the transaction may use it.
func (t *tx) getSecret(region, name string) (*secretRecord, error) {
	key := record.SecretKey(region, name)
	if r := t.c.cache.get(key, t.gen); r != nil {
		return r, nil
	}
	b, err := t.get(key)
	if b == nil || err != nil {
		return nil, err
	}
	r, err := t.decodeSecret(key, b)
	if err == nil && t.gen != noCache {
		t.c.cache.put(key, r, t.gen, cachedSize(r, len(b), len(key)))
	}
	return r, err
}

// decodeSecret decodes the secret record b, read from the database: a
// damaged record is an error that matches ErrCorrupt. b must never change
// (the record's strings share it).
func decodeSecret(b []byte) (*secretRecord, error) {
	r := new(secretRecord)
	if err := record.DecodeSecret(b, &r.Secret); err != nil {
		return nil, corrupt("secret", err)
	}
	return r, nil
}

// encodeSecret encodes r for the database.
func encodeSecret(r *secretRecord) []byte { return record.EncodeSecret(&r.Secret) }

// decodeSecret decodes the secret record at key, read in t, which keeps b.
// Every record read in a transaction is decoded here, so that a read-write
// one knows the index entries each record it may put had. A damaged record
// is an error that names the secret and matches ErrCorrupt.
func (t *tx) decodeSecret(key, b []byte) (*secretRecord, error) {
	r, err := decodeSecret(b)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			region, name, _ := record.SplitRegionName(key[1:])
			e.Message = fmt.Sprintf("secret %s in %s: %s", name, region, e.Message)
		}
		return nil, err
	}
	if t.gen == noCache {
		t.remember(r)
	}
	return r, nil
}

// private returns r, or a copy of it when r may be shared with the record
// cache (a read-only transaction): a copy the caller may bring versions
// into.
func (t *tx) private(r *secretRecord) *secretRecord {
	if t.gen == noCache {
		return r
	}
	c := *r
	c.Versions = slices.Clone(r.Versions)
	return &c
}

// skipDamaged is what a scan over many secrets (a listing, a partial ARN's
// lookup) does with err, the error of reading the record at key: when the
// record is damaged the scan leaves that secret out and goes on (more is
// true), so one damaged record does not hide the others, and the record is
// logged the first time; any other error ends the scan.
func (t *tx) skipDamaged(key []byte, err error) (more bool, _ error) {
	if !errors.Is(err, ErrCorrupt) {
		return false, err
	}
	if _, logged := t.c.damaged.LoadOrStore(string(key), true); !logged {
		t.c.log.Error("a damaged secret record is left out of listings; run secretstore verify", "err", err)
	}
	return true, nil
}

// remember records that the database holds r's index entries as they are
// now.
func (t *tx) remember(r *secretRecord) {
	if t.stored == nil {
		t.stored = make(map[*secretRecord]indexed)
	}
	t.stored[r] = r.indexed()
}

// indexed is what a secret record's index entries are made from.
type indexed struct {
	region, name string
	id           record.ID
	created      time.Time
	deletion     time.Time // zero unless scheduled for deletion
	overQuota    bool      // more than MaxVersions versions
	replica      bool      // a replica: its primary's writes prune and rotate it
	rotationDue  time.Time // when a rotation is due (record.Rotation.Due); zero for none
}

func (r *secretRecord) indexed() indexed {
	x := indexed{
		region:    r.Region,
		name:      r.Name,
		id:        r.ID,
		created:   r.CreatedDate,
		deletion:  r.DeletionDate,
		overQuota: r.VersionCount() > awsmodel.MaxVersions,
		replica:   r.Replica(),
	}
	if !x.replica && !r.Deleted() {
		x.rotationDue = r.Rotation.Due()
	}
	return x
}

// An index is a set of keys kept in step with the secret records: each
// record has at most one entry in each index.
type index struct {
	// entry returns the key and value of the entry for x, or a nil key if
	// a record like x has none.
	entry func(x *indexed) (key, value []byte)
}

// indexes are every index of secret records; tx.putSecret and tx.purge keep
// them in step.
var indexes = [...]index{
	// ListSecrets' created-date order.
	{func(x *indexed) ([]byte, []byte) { return record.CreatedKey(x.region, x.created, x.name), nil }},
	// The reaper's purges, by deletion date.
	{func(x *indexed) ([]byte, []byte) {
		if x.deletion.IsZero() {
			return nil, nil
		}
		return record.DeletionKey(x.deletion, x.id), record.RegionName(x.region, x.name)
	}},
	// The reaper's prunes: secrets with more versions than the quota.
	{func(x *indexed) ([]byte, []byte) {
		if !x.overQuota || x.replica {
			return nil, nil
		}
		return record.PruneKey(x.id), record.RegionName(x.region, x.name)
	}},
	// Rotations, by the time they are due.
	{func(x *indexed) ([]byte, []byte) {
		if x.rotationDue.IsZero() {
			return nil, nil
		}
		return record.RotationKey(x.rotationDue, x.id), record.RegionName(x.region, x.name)
	}},
}

// putSecret writes r, with the own records of its deprecated versions that
// changed, and changes the index entries r had when it was read (none for
// a new record) to the ones it has now. It writes r alone: the write path
// (written, in operation.go) brings a primary's replicas in step.
func (t *tx) putSecret(r *secretRecord) error {
	if err := t.putVersionMetas(r); err != nil {
		return err
	}
	if err := t.txn.Set(record.SecretKey(r.Region, r.Name), encodeSecret(r)); err != nil {
		return err
	}
	now := r.indexed()
	was, ok := t.stored[r]
	if ok && was == now {
		return nil
	}
	for _, ix := range indexes {
		k, v := ix.entry(&now)
		var old []byte
		if ok {
			old, _ = ix.entry(&was)
		}
		if old != nil && !bytes.Equal(old, k) {
			if err := t.txn.Delete(old); err != nil {
				return err
			}
		}
		if k != nil && !bytes.Equal(old, k) {
			if err := t.txn.Set(k, v); err != nil {
				return err
			}
		}
	}
	t.remember(r)
	return nil
}

// purge permanently deletes secret r: its record and its index entries at
// once, so its name is free. Its version records are queued for the reaper
// to shred (see tx.shredLater): until then nothing refers to them.
func (t *tx) purge(r *secretRecord) error {
	if err := t.txn.Delete(record.SecretKey(r.Region, r.Name)); err != nil {
		return err
	}
	for _, x := range []indexed{t.stored[r], r.indexed()} {
		if x.name == "" {
			continue // not read from the database
		}
		for _, ix := range indexes {
			if k, _ := ix.entry(&x); k != nil {
				if err := t.txn.Delete(k); err != nil {
					return err
				}
			}
		}
	}
	return t.shredLater(record.VersionPrefix(r.ID)) // and its deprecated versions' records: see core.shredQueued
}

// deleteEntry removes an index entry that points at no secret (its Key, as
// readIndex returned it), or the queue entry of records shredded. The
// transaction also writes the commit mark (see markCommit), since it may
// write nothing else.
func (t *tx) deleteEntry(key []byte) error {
	if err := t.txn.Delete(key); err != nil {
		return err
	}
	return t.markCommit()
}

// markCommit writes the commit mark (record.CommitMarkKey), with no value:
// a transaction that may write nothing but deletions writes it, so that
// the newest commit stays in the folder, which Open compares with the
// watermark; Badger forgets a deletion once a compaction has dropped what
// it deleted.
func (t *tx) markCommit() error { return t.txn.Set(record.CommitMarkKey(), nil) }

// Version records.

// putVersion writes the record of version versionID of the secret with
// internal id.
func (t *tx) putVersion(id record.ID, versionID string, v *record.Version) error {
	return t.txn.Set(record.VersionKey(id, versionID), record.EncodeVersion(v))
}

// getVersion reads the record of version versionID of the secret with
// internal id, or returns a nil record if there is none.
func (t *tx) getVersion(id record.ID, versionID string) (*record.Version, error) {
	b, err := t.get(record.VersionKey(id, versionID))
	if b == nil || err != nil {
		return nil, err
	}
	return decodeVersion(b)
}

// decodeVersion decodes a version record; its byte slices alias b. A
// damaged record is an error that matches ErrCorrupt.
func decodeVersion(b []byte) (*record.Version, error) {
	var v record.Version
	if err := record.DecodeVersion(b, &v); err != nil {
		return nil, corrupt("version", err)
	}
	return &v, nil
}

// viewVersion calls fn with the record of version versionID of the secret
// with internal id, decoded in place: fn must not keep its byte slices. It
// reports whether the record exists.
func (t *tx) viewVersion(id record.ID, versionID string, fn func(v *record.Version) error) (found bool, err error) {
	item, err := t.lookup(record.VersionKey(id, versionID))
	if item == nil || err != nil {
		return false, err
	}
	return true, item.Value(func(b []byte) error {
		var v record.Version
		if err := record.DecodeVersion(b, &v); err != nil {
			return corrupt("version", err)
		}
		return fn(&v)
	})
}

// versionPos is the position of a version record in the database: the
// secret's internal id and the version's id.
type versionPos struct {
	id        record.ID
	versionID string
}

// scanVersions calls fn with every version record of every secret, in key
// order, from the one at from (the zero position: the first), until fn
// returns false. v aliases the database's buffer only while fn runs.
func (t *tx) scanVersions(from versionPos, fn func(at versionPos, v *record.Version) (bool, error)) error {
	prefix := []byte{record.PrefixVersion}
	start := prefix
	if from != (versionPos{}) {
		start = record.VersionKey(from.id, from.versionID)
	}
	return t.iterate(prefix, start, false, func(k, b []byte) (bool, error) {
		v, err := decodeVersion(b)
		if err != nil {
			return false, err
		}
		id, versionID, _ := record.VersionOf(k)
		return fn(versionPos{id, versionID}, v)
	})
}

// shredLater queues the records under prefix (a secret's versions, or one
// version) for the reaper to drop from the database. They must stay live
// until then: Badger drops only prefixes under which a live key exists.
func (t *tx) shredLater(prefix []byte) error {
	return t.txn.Set(record.ShredKey(prefix), nil)
}

// Deprecated versions' records. A secret's deprecated versions are kept out
// of its record (versions.go), each in a record of its own.

var errMetaID = errors.New("its version id is not the one in its key")

// getVersionMeta reads the own record of deprecated version id of secret
// r; found is false if there is none. A damaged record is an error that
// names r and matches ErrCorrupt.
func (t *tx) getVersionMeta(r *secretRecord, id string) (v record.VersionMeta, found bool, err error) {
	b, err := t.get(record.MetaKey(r.ID, id))
	if b == nil || err != nil {
		return v, false, err
	}
	v, err = decodeVersionMeta(b, id)
	if err != nil {
		return v, false, t.namedCorrupt(r, err)
	}
	return v, true, nil
}

// scanVersionMetas calls fn with the own record of each deprecated version
// of secret r, in key order, until fn returns false. A damaged record is an
// error that names r and matches ErrCorrupt.
func (t *tx) scanVersionMetas(r *secretRecord, fn func(v record.VersionMeta) bool) error {
	prefix := record.MetaPrefix(r.ID)
	return t.iterate(prefix, prefix, false, func(k, b []byte) (bool, error) {
		_, id, _ := record.VersionOf(k)
		v, err := decodeVersionMeta(b, id)
		if err != nil {
			return false, t.namedCorrupt(r, err)
		}
		return fn(v), nil
	})
}

// decodeVersionMeta decodes the record of deprecated version id; v keeps
// b.
func decodeVersionMeta(b []byte, id string) (record.VersionMeta, error) {
	v, err := record.DecodeVersionMeta(b)
	if err == nil && v.ID != id {
		err = errMetaID
	}
	if err != nil {
		return v, corrupt("version metadata", err)
	}
	return v, nil
}

// putVersionMetas writes the own records of r's deprecated versions that
// changed, and deletes those of versions that have labels again.
func (t *tx) putVersionMetas(r *secretRecord) error {
	for i := range r.Versions {
		v := &r.Versions[i]
		switch {
		case len(v.Stages) == 0:
			b := record.EncodeVersionMeta(v)
			if bytes.Equal(b, v.Stored) {
				continue
			}
			if err := t.txn.Set(record.MetaKey(r.ID, v.ID), b); err != nil {
				return err
			}
			v.Stored = b
		case v.Stored != nil:
			if err := t.txn.Delete(record.MetaKey(r.ID, v.ID)); err != nil {
				return err
			}
			v.Stored = nil
		}
	}
	return nil
}

// dropVersionRecords deletes the own record of version v of secret id, if
// it has one, and queues its value for shredding.
func (t *tx) dropVersionRecords(id record.ID, v *record.VersionMeta) error {
	if v.Stored != nil {
		if err := t.txn.Delete(record.MetaKey(id, v.ID)); err != nil {
			return err
		}
	}
	return t.shredLater(record.VersionKey(id, v.ID))
}

// namedCorrupt names secret r in err, an error reading one of its records.
func (t *tx) namedCorrupt(r *secretRecord, err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.Message = fmt.Sprintf("secret %s in %s: %s", r.Name, r.Region, e.Message)
	}
	return err
}

// The keyring.

func (t *tx) getKeyring() (*record.Keyring, error) {
	b, err := t.get(record.KeyringKey())
	if b == nil || err != nil {
		return nil, err
	}
	kr, err := record.DecodeKeyring(b)
	if err != nil {
		return nil, corrupt("keyring", err)
	}
	return kr, nil
}

func (t *tx) putKeyring(kr *record.Keyring) error {
	return t.txn.Set(record.KeyringKey(), record.EncodeKeyring(kr))
}

// Scans.

// iterate walks the keys with prefix from start (forward) or from start
// backwards (reverse; start == prefix then means from the end), calling fn
// with each key and value until it returns false. The value is a copy. A
// table block that cannot be read is logged and its keys are skipped (the
// walk goes on after it), so that damage hides what it holds, not the
// secrets after it; reading one of those keys directly fails with
// ErrCorrupt.
func (t *tx) iterate(prefix, start []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	seek := start
	if reverse && bytes.Equal(start, prefix) {
		seek = append(slices.Clip(prefix), bytes.Repeat([]byte{0xff}, 16)...)
	}
	var skipped *table.BlockError
	for range maxSkippedBlocks {
		resume, be, err := t.iterateFrom(prefix, seek, reverse, fn)
		if be == nil {
			return err
		}
		t.c.logDamagedBlock(be)
		if be.Block < 0 {
			return damagedBlockError(nil, be) // no key range to go on past
		}
		if skipped != nil && skipped.Table == be.Table && skipped.Block == be.Block {
			// Going on at the key after the block met the block again
			// (that key has versions in it): go on after that key.
			resume = pastKey(seek, reverse)
		}
		if !reverse && resume != nil && bytes.Compare(resume, seek) <= 0 {
			resume = pastKey(seek, false) // always forward
		}
		if resume == nil || !reverse && !bytes.HasPrefix(resume, prefix) {
			return nil // nothing of prefix after the damaged block
		}
		skipped, seek = be, resume
	}
	return newErrorf(ErrInternalServiceError, "more than %d damaged table blocks in one walk of the database: run secretstore verify", maxSkippedBlocks)
}

// maxSkippedBlocks bounds the damaged blocks one walk goes past.
const maxSkippedBlocks = 1000

// iterateFrom is one walk of iterate from seek. When a table block cannot be
// read it returns the block's error and the key to go on from (nil when
// there is nothing after it in that direction).
func (t *tx) iterateFrom(prefix, seek []byte, reverse bool, fn func(k, v []byte) (bool, error)) (resume []byte, be *table.BlockError, err error) {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: reverse, PrefetchValues: true, PrefetchSize: 16})
	defer it.Close()
	step := func(first bool) (be *table.BlockError) {
		defer func() {
			if v := recover(); v != nil {
				be = asBlockError(v)
			}
		}()
		if first {
			it.Seek(seek)
		} else {
			it.Next()
		}
		return nil
	}
	for be = step(true); be == nil && it.Valid(); be = step(false) {
		item := it.Item()
		v, err := item.ValueCopy(nil)
		if err != nil {
			return nil, nil, err
		}
		more, err := fn(item.Key(), v)
		if err != nil || !more {
			return nil, nil, err
		}
	}
	if be == nil {
		return nil, nil, nil
	}
	return resumeAfter(be, reverse), be, nil
}

// keys calls fn with each key under prefix, reading no value. It returns
// early with ctx's error when ctx is done, and with ErrCorrupt at a damaged
// table block (a count cannot go on past it and stay a count).
func (t *tx) keys(ctx context.Context, prefix byte, fn func(k []byte)) (err error) {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefix}})
	defer it.Close()
	defer func() {
		if v := recover(); v != nil {
			be := asBlockError(v)
			t.c.logDamagedBlock(be)
			err = damagedBlockError(nil, be)
		}
	}()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		fn(it.Item().Key())
	}
	return ctx.Err()
}

// asBlockError returns the panic v of a Badger read as a *table.BlockError:
// itself, or a panic of Badger's on a block that does not decode, which has
// no key range (so a walk cannot go past it).
func asBlockError(v any) *table.BlockError {
	if be, ok := v.(*table.BlockError); ok {
		return be
	}
	if err, ok := v.(error); ok {
		return &table.BlockError{Block: -1, Err: err}
	}
	return &table.BlockError{Block: -1, Err: fmt.Errorf("%s", oneLine(v))}
}

// resumeAfter returns the user key a walk goes on from after the damaged
// block of be, or nil when there is none.
func resumeAfter(be *table.BlockError, reverse bool) []byte {
	switch {
	case be.Block < 0:
		return nil
	case reverse && be.First != nil:
		return pastKey(y.ParseKey(be.First), true)
	case reverse:
		return nil
	case be.Next != nil:
		return bytes.Clone(y.ParseKey(be.Next))
	case be.Last != nil:
		return pastKey(y.ParseKey(be.Last), false)
	}
	return nil
}

// scanSecrets calls fn with the secrets of region whose names start with
// namePrefix, in name order (reversed with reverse), from the name start
// ("" for the first, or with reverse the last), until fn returns false. A
// damaged record is left out (skipDamaged).
func (t *tx) scanSecrets(region, namePrefix, start string, reverse bool, fn func(r *secretRecord) bool) error {
	prefix := record.SecretPrefix(region, namePrefix)
	from := prefix
	if start != "" {
		from = record.SecretPrefix(region, start)
	}
	return t.iterate(prefix, from, reverse, func(k, v []byte) (bool, error) {
		r, err := t.decodeSecret(k, v)
		if err != nil {
			return t.skipDamaged(k, err)
		}
		return fn(r), nil
	})
}

// scanCreated calls fn with the secrets of region in the order of the
// created-date index (reversed with reverse), from the position of a secret
// called fromName created at fromMillis when from is set, until fn returns
// false. An index entry whose secret is gone is passed over; a damaged
// record is left out (skipDamaged).
func (t *tx) scanCreated(region string, from bool, fromMillis int64, fromName string, reverse bool, fn func(r *secretRecord) bool) error {
	prefix := record.CreatedPrefix(region)
	start := prefix
	if from {
		start = record.CreatedAt(region, fromMillis, fromName)
	}
	return t.iterate(prefix, start, reverse, func(k, _ []byte) (bool, error) {
		at, name, ok := record.SplitCreated(region, k)
		if !ok {
			return true, nil
		}
		r, err := t.getSecret(region, name)
		if err != nil {
			return t.skipDamaged(record.SecretKey(region, name), err)
		}
		if r == nil || r.CreatedDate.UnixMilli() != at {
			return true, nil // an index entry without its secret: skip it
		}
		return fn(r), nil
	})
}

// indexName names an index the background work follows.
type indexName byte

const (
	deletionIndex indexName = record.PrefixDeletion // secrets scheduled for deletion, by DeletionDate
	pruneIndex    indexName = record.PrefixPrune    // secrets over the version quota
	rotationIndex indexName = record.PrefixRotation // rotations, by the time they are due
)

// readIndex returns up to n entries of index ix after the entry with key
// after (nil: from the first), and, for the deletion and rotation indexes,
// due at or before until (zero: any). read counts the entries read. An
// entry whose value is malformed names no secret (its Region and Name are
// empty), and is logged.
func (c *core) readIndex(ix indexName, after []byte, until time.Time, n int) (entries []record.IndexEntry, read int, err error) {
	prefix := []byte{byte(ix)}
	start := prefix
	if after != nil {
		start = append(bytes.Clone(after), 0)
	}
	var end []byte // the first key due after until
	switch {
	case until.IsZero():
	case ix == deletionIndex:
		end = record.DeletionKey(until.Add(time.Millisecond), record.ID{})
	case ix == rotationIndex:
		end = record.RotationKey(until.Add(time.Millisecond), record.ID{})
	}
	err = c.read(func(t *tx) error {
		return t.iterate(prefix, start, false, func(k, v []byte) (bool, error) {
			if end != nil && bytes.Compare(k, end) >= 0 {
				return false, nil
			}
			read++
			e, ok := record.ParseIndexEntry(k, v)
			if !ok {
				c.log.Error("malformed index entry; removing it", "key", k)
			}
			entries = append(entries, e)
			return len(entries) < n, nil
		})
	})
	return entries, read, err
}

// shredQueued drops up to n of the records queued by shredLater from the
// database, and their queue entries; the rest wait for later. read counts
// the queue entries read, shredded those dropped.
func (c *core) shredQueued(ctx context.Context, n int) (read, shredded int, err error) {
	var queued [][]byte
	err = c.read(func(t *tx) error {
		prefix := []byte{record.PrefixShred}
		return t.iterate(prefix, prefix, false, func(k, _ []byte) (bool, error) {
			read++
			queued = append(queued, bytes.Clone(k))
			return len(queued) < n, nil
		})
	})
	if err != nil || len(queued) == 0 {
		return read, 0, err
	}
	prefixes := make([][]byte, 0, len(queued))
	for _, k := range queued {
		prefixes = append(prefixes, k[1:])
		if p := k[1:]; len(p) == 1+record.IDLen && p[0] == record.PrefixVersion {
			// A whole secret's versions: their metadata records go too.
			prefixes = append(prefixes, record.MetaPrefix(record.ID(p[1:])))
		}
	}
	if err := c.dropPrefixes(prefixes...); err != nil {
		return read, 0, err
	}
	err = c.update(ctx, func(t *tx) error {
		for _, k := range queued {
			if err := t.deleteEntry(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return read, 0, err
	}
	return read, len(queued), nil
}

// pastKey returns the first user key after k (forward), or one before it
// (reverse: the largest key below k that a reverse seek lands at or below),
// nil when there is none.
func pastKey(k []byte, reverse bool) []byte {
	if !reverse {
		return append(bytes.Clone(k), 0)
	}
	if len(k) == 0 {
		return nil
	}
	if k[len(k)-1] == 0 {
		return bytes.Clone(k[:len(k)-1])
	}
	p := bytes.Clone(k)
	p[len(p)-1]--
	return append(p, bytes.Repeat([]byte{0xff}, 16)...)
}

// logDamagedBlock logs a table block that cannot be read, once.
func (c *core) logDamagedBlock(be *table.BlockError) {
	if _, logged := c.damaged.LoadOrStore(fmt.Sprintf("block %s %d", be.Table, be.Block), true); logged {
		return
	}
	c.log.Error("secretstore: a block of a table cannot be read; the keys it holds cannot be read either. Run secretstore verify, and secretstore recover to copy what can be read into a new folder",
		"table", filepath.Base(be.Table), "block", be.Block, "first", printableKey(be.First), "err", be.Err)
}

// damagedBlockError is the error of a read of key (nil: of several keys)
// that met a table block that cannot be read: InternalServiceError matching
// ErrCorrupt, naming the secret when key is a secret's record.
func damagedBlockError(key []byte, be *table.BlockError) error {
	what := "records"
	if len(key) > 1 && key[0] == record.PrefixSecret {
		if region, name, ok := record.SplitRegionName(key[1:]); ok {
			what = fmt.Sprintf("the record of secret %s in %s", name, region)
		}
	} else if key != nil {
		what = "a record"
	}
	// The table and the block are in the cause (and the log), not in the
	// message, which a server sends to its client.
	e := newErrorf(ErrInternalServiceError, "%s cannot be read: a table of the data folder is damaged. Run secretstore verify, and secretstore recover to copy what can be read into a new folder", what)
	e.also = ErrCorrupt
	e.cause = be
	return e
}

// printableKey returns a Badger key (with its version) for a log line.
func printableKey(k []byte) string {
	if len(k) > 8 {
		k = y.ParseKey(k)
	}
	return strconv.QuoteToASCII(string(k))
}

// dropPrefixes removes every key under prefixes from every level of the
// database, outside any transaction (Badger blocks writes meanwhile).
//
// A commit mark is written first (see tx.markCommit): the records dropped
// may hold the newest commit the watermark knows, which the folder must
// still show after the drop.
func (c *core) dropPrefixes(prefixes ...[]byte) error {
	err := c.update(context.Background(), func(t *tx) error { return t.markCommit() })
	if err != nil {
		return err
	}
	return dbError(c.cache.change(func() error { return c.db.DropPrefix(prefixes...) }))
}
