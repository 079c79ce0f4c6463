// Package secretstore gives a Go program AWS Secrets Manager's behaviour with
// no AWS: secrets with versions and staging labels (AWSCURRENT, AWSPREVIOUS,
// AWSPENDING), scheduled deletion with a recovery window, restore, and a
// background reaper, encrypted with XChaCha20-Poly1305 and stored in an
// embedded Badger database.
//
// Each operation of the AWS API is a method of Store with the same name,
// taking an input struct whose fields carry the AWS member names, so code
// written against the AWS API reads the same here. Errors unwrap to one
// sentinel per AWS exception (ErrResourceNotFound, ErrInvalidRequest, ...).
//
// The awsapi package serves a Store in the Secrets Manager wire protocol, so
// the AWS SDKs and the AWS CLI work against it with --endpoint-url.
package secretstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Store is an open secret store. A Store serves one region; Region returns
// views of the same database in other regions. All methods are safe for
// concurrent use.
type Store struct {
	c      *core
	region string
}

// core is what every region view of one database shares.
type core struct {
	db      *badger.DB
	keys    *keys
	clock   Clock
	log     *slog.Logger
	account string
	onEvent func(Event)
	opts    Options

	mu       sync.RWMutex // held shared by every operation, exclusively by Close
	closed   bool
	cache    recordCache
	termMu   sync.RWMutex // held shared by each read-write transaction, exclusively while a key rotation begins
	rotateMu sync.Mutex   // one RotateMasterKey at a time
	reapMu   sync.Mutex   // one reaper pass at a time

	reaper *reaper
}

// Open opens (creating if needed) the store described by o. It fails with
// ErrWrongMasterKey, having written nothing, when the database was created
// with another master key. Unless o.DisableReaper is set, it starts the
// background reaper, which Close stops.
func Open(ctx context.Context, o Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	src, err := readKeySource(&o)
	if err != nil {
		return nil, err
	}
	if !o.InMemory {
		if err := os.MkdirAll(o.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("secretstore: creating the data folder: %w", err)
		}
	}
	bo := badger.DefaultOptions(o.Dir).
		WithInMemory(o.InMemory).
		WithSyncWrites(*o.SyncWrites).
		WithLogger(badgerLogger{o.Logger}).
		WithNumVersionsToKeep(1).
		WithCompression(options.None). // ciphertext does not compress
		WithMetricsEnabled(false)
	if o.InMemory {
		bo = bo.WithMemTableSize(16 << 20).WithBlockCacheSize(0) // tables are in memory already
	}
	db, err := badger.Open(bo)
	if err != nil {
		if strings.Contains(err.Error(), "Another process is using this Badger database") {
			return nil, fmt.Errorf("%w: %s", ErrDataFolderInUse, o.Dir)
		}
		return nil, fmt.Errorf("secretstore: opening the database in %q: %w", o.Dir, err)
	}
	k, err := loadKeys(db, src)
	clear(src.key)
	if err != nil {
		db.Close()
		return nil, err
	}
	c := &core{
		db:      db,
		keys:    k,
		clock:   o.Clock,
		log:     o.Logger,
		account: o.AccountID,
		onEvent: o.OnEvent,
		opts:    o,
	}
	if !o.DisableReaper {
		c.reaper = startReaper(c, o.ReapInterval)
	}
	return &Store{c: c, region: o.Region}, nil
}

// Close stops the reaper, waits for running operations, and closes the
// database. It closes every region view of the store. Calling it again
// returns nil.
func (s *Store) Close() error {
	c := s.c
	if c.reaper != nil {
		c.reaper.stop() // before taking mu: a running pass holds it shared
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.keys.mu.Lock()
	for _, mk := range c.keys.masters {
		clear(mk)
	}
	c.keys.mu.Unlock()
	return c.db.Close()
}

// Reset deletes every secret of every region at once, with no recovery
// window and no way back, keeping the master key. It is meant for test
// suites that start each test from an empty store. Operations wait while it
// runs.
func (s *Store) Reset(ctx context.Context) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var prefixes [][]byte
	for _, p := range []byte{prefixSecret, prefixVersion, prefixCreated, prefixDeletion, prefixPrune, prefixShred} {
		prefixes = append(prefixes, []byte{p})
	}
	c.cache.bump()
	defer c.cache.bump()
	return dbError(c.db.DropPrefix(prefixes...))
}

// Region returns a view of the same database in region name: secrets
// created through it carry name in their ARNs, and it sees only that
// region's secrets. Operations on a view with a malformed region name fail
// with ErrInvalidParameter.
func (s *Store) Region(name string) *Store {
	return &Store{c: s.c, region: name}
}

// RegionName returns the region the Store serves.
func (s *Store) RegionName() string { return s.region }

// AccountID returns the account id in the store's ARNs.
func (s *Store) AccountID() string { return s.c.account }

// begin marks the start of an operation: it fails if the store is closed and
// otherwise keeps Close waiting until end.
func (s *Store) begin() (*core, error) {
	c := s.c
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return nil, ErrClosed
	}
	return c, nil
}

func (c *core) end() { c.mu.RUnlock() }

// run runs one operation: it checks the store and the region, calls fn, and
// reports the outcome to Options.OnEvent. fn returns the record of the
// secret the operation acted on, if it found one, for the event.
func (s *Store) run(ctx context.Context, op, secretID string, fn func(c *core) (*secretRecord, error)) error {
	c, err := s.begin()
	if err != nil {
		return err
	}
	defer c.end()
	var rec *secretRecord
	if err = ctx.Err(); err == nil {
		if !validRegion(s.region) {
			err = newError(ErrInvalidParameter, "Invalid region: %q is not a region name like us-east-1.", s.region)
		} else {
			rec, err = fn(c)
		}
	}
	if c.onEvent != nil {
		c.emit(op, s.region, secretID, rec, err)
	}
	return err
}

// view runs fn in a read-only transaction.
func (c *core) view(fn func(txn *badger.Txn) error) error {
	txn := c.db.NewTransaction(false)
	defer txn.Discard()
	return dbError(fn(txn))
}

// update runs fn in a read-write transaction and commits it, running it
// again from the start when the commit conflicts with a concurrent one. fn
// must not have effects outside txn.
func (c *core) update(ctx context.Context, fn func(txn *badger.Txn) error) error {
	return c.retry(ctx, func(txn *badger.Txn) error {
		c.termMu.RLock()
		defer c.termMu.RUnlock()
		return c.commit(txn, fn)
	})
}

// commit runs fn in txn and commits it.
func (c *core) commit(txn *badger.Txn, fn func(txn *badger.Txn) error) error {
	err := fn(txn)
	if err == nil {
		c.cache.bump() // before and after: see recordCache
		err = txn.Commit()
		c.cache.bump()
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
	switch {
	case errors.As(err, &e), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, badger.ErrDBClosed):
		return ErrClosed
	case errors.Is(err, badger.ErrTxnTooBig):
		return newError(ErrLimitExceeded, "the operation changes too much data for one transaction")
	}
	return newError(ErrInternalServiceError, "database error: %v", err)
}

// getSecret reads the record of secret name in region, or returns nil if
// there is none.
func getSecret(txn *badger.Txn, region, name string) (*secretRecord, error) {
	item, err := txn.Get(secretKey(region, name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := item.ValueCopy(nil)
	if err != nil {
		return nil, err
	}
	return decodeSecret(b)
}

func putSecret(txn *badger.Txn, r *secretRecord) error {
	return txn.Set(secretKey(r.Region, r.Name), encodeSecret(r))
}

// resolve finds the secret a SecretId names in the store's region: a name, a
// full ARN (name and suffix must match) or a partial ARN (it must identify
// exactly one secret). Not found is ErrResourceNotFound. A secret whose
// recovery window ended before now is gone, though not yet purged: it
// matches nothing, so it neither is found nor makes a partial ARN ambiguous.
//
// g is the cache generation of a read-only transaction (see core.read), or
// noCache.
func (s *Store) resolve(txn *badger.Txn, id string, now time.Time, g readGen) (*secretRecord, error) {
	p, err := parseSecretID(id)
	if err != nil {
		return nil, err
	}
	if p.arn && (p.region != s.region || p.account != s.c.account || partition(p.region) != partitionOf(id)) {
		return nil, errSecretNotFound()
	}
	r, err := s.c.lookup(txn, s.region, p.name, g)
	if err != nil {
		return nil, err
	}
	if r != nil && r.expired(now) {
		r = nil
	}
	switch {
	case r != nil && (!p.arn || p.partial || r.Suffix == p.suffix):
		return r, nil
	case p.partial:
		return s.resolvePartial(txn, p.name, now)
	}
	return nil, errSecretNotFound()
}

// resolvePartial finds the one secret whose ARN starts with the partial ARN
// whose tail (after "secret:") is tail, as AWS's partial-ARN lookup does.
func (s *Store) resolvePartial(txn *badger.Txn, tail string, now time.Time) (*secretRecord, error) {
	var found *secretRecord
	match := func(r *secretRecord) bool {
		if r.expired(now) {
			return true // gone: it matches nothing
		}
		if found != nil && found.ID != r.ID {
			return false // a second secret: the partial ARN is ambiguous
		}
		found = r
		return true
	}
	// The tail may end inside the "-XXXXXX" suffix: name "-" and up to five
	// characters of the suffix.
	for k := 0; k < suffixLen && k < len(tail); k++ {
		i := len(tail) - k - 1
		if tail[i] != '-' {
			continue
		}
		r, err := getSecret(txn, s.region, tail[:i])
		if err != nil {
			return nil, err
		}
		if r != nil && len(r.Suffix) >= k && r.Suffix[:k] == tail[i+1:] && !match(r) {
			return nil, errSecretNotFound()
		}
	}
	// Or inside the name: every secret whose name starts with tail.
	prefix := secretPrefix(s.region, tail)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(prefix); it.Valid(); it.Next() {
		b, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, err
		}
		r, err := decodeSecret(b)
		if err != nil {
			return nil, err
		}
		if !match(r) {
			return nil, errSecretNotFound()
		}
	}
	if found == nil {
		return nil, errSecretNotFound()
	}
	return found, nil
}

// partitionOf returns the partition field of an ARN.
func partitionOf(arn string) string {
	rest := arn[len("arn:"):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == ':' {
			return rest[:i]
		}
	}
	return ""
}

// arn returns the ARN of secret r.
func (c *core) arn(r *secretRecord) string {
	return secretARN(r.Region, c.account, r.Name, r.Suffix)
}

// Put stores value as the new current version of secret name, creating the
// secret if it does not exist, and returns the new version's id. It is
// CreateSecret or PutSecretValue with the defaults.
func (s *Store) Put(ctx context.Context, name, value string) (versionID string, err error) {
	put, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: name, SecretString: value})
	if errors.Is(err, ErrResourceNotFound) {
		var created *CreateSecretOutput
		created, err = s.CreateSecret(ctx, &CreateSecretInput{Name: name, SecretString: value})
		if errors.Is(err, ErrResourceExists) { // created meanwhile by another caller
			return s.Put(ctx, name, value)
		}
		if err != nil {
			return "", err
		}
		return created.VersionId, nil
	}
	if err != nil {
		return "", err
	}
	return put.VersionId, nil
}

// Get returns the current (AWSCURRENT) string value of secret name. A binary
// secret is returned as its bytes converted to a string.
func (s *Store) Get(ctx context.Context, name string) (string, error) {
	out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name})
	if err != nil {
		return "", err
	}
	if out.SecretBinary != nil {
		return string(out.SecretBinary), nil
	}
	return out.SecretString, nil
}

// badgerLogger sends Badger's log lines to slog: its chatter at debug level,
// its warnings and errors as such.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error("badger: " + fmt.Sprintf(f, a...)) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn("badger: " + fmt.Sprintf(f, a...)) }
func (b badgerLogger) Infof(f string, a ...any)    { b.debug(f, a) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.debug(f, a) }

// debug formats a line only when the logger would write it: Badger logs
// at debug level on every write.
func (b badgerLogger) debug(f string, a []any) {
	if b.l.Enabled(context.Background(), slog.LevelDebug) {
		b.l.Debug("badger: " + fmt.Sprintf(f, a...))
	}
}
