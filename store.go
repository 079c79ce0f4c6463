package secretstore

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
	"github.com/secretstore-go/secretstore/internal/testhook"
)

// Store is an open secret store. A Store serves one region; Region returns
// views of the same database in other regions. All methods are safe for
// concurrent use.
type Store struct {
	c         *core
	region    string
	principal *Principal // the caller a view authorizes (As); nil: unrestricted
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

	reaper     *reaper
	damaged    sync.Map        // keys of the damaged records already logged
	rotator    *rotationRunner // runs rotations in the background; nil without rotators
	rotationMu sync.Mutex      // one rotation pass at a time
	policies   policyCache     // resource policies, parsed
	disk       *diskGuard      // refuses writes on a full disk; nil in memory
	group      *groupSync      // makes commits durable; nil without Options.SyncWrites
	watermark  *watermark      // keeps WATERMARK; nil in memory
	lock       *os.File        // holds the data folder's lock; nil in memory, or where Badger takes its own
	stats      stats           // the counters of Store.Stats (health.go)

	// beforeCommit, when set (by tests, before the store is used), is called
	// before each read-write transaction commits: a failpoint, as bbolt's
	// crash tests have.
	beforeCommit func()
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
	bo := o.badgerOptions()
	var group *groupSync
	if !o.InMemory && *o.SyncWrites {
		group = newGroupSync(o.Dir)
		bo = bo.WithSyncWrites(false) // the store syncs, once per group of commits
	}
	var folder *openedFolder
	if o.InMemory {
		db, err := badger.Open(bo)
		if err != nil {
			return nil, fmt.Errorf("secretstore: opening the database in memory: %w", err)
		}
		folder = &openedFolder{db: db}
	} else if folder, err = openFolder(ctx, o, bo, src); err != nil {
		clear(src.key)
		return nil, err
	}
	db := folder.db
	c := &core{
		db:      db,
		clock:   o.Clock,
		log:     o.Logger,
		account: o.AccountID,
		onEvent: o.OnEvent,
		opts:    o,
		group:   group,
		lock:    folder.lock,
	}
	c.cache.budget = int(o.MemoryBudget / 8)
	if o.InMemory {
		// No block or index cache (the tables are in memory): the record
		// cache takes half the budget instead of an eighth.
		c.cache.budget = int(o.MemoryBudget / 2)
	}
	if !o.InMemory {
		c.disk = newDiskGuard(o.Dir, bo, folder.lock)
	}
	if folder.keys != nil {
		c.keys, err = folder.keys, c.sameKeyring(folder.keyring)
	} else {
		c.keys, err = c.loadKeys(ctx, src)
	}
	clear(src.key)
	if err != nil {
		c.closeDB()
		return nil, err
	}
	if !o.InMemory {
		c.watermark = newWatermark(o.Dir, folder.state, *o.SyncWrites, o.Logger)
		group.watermark(c.watermark, c.commitMark)
	}
	if !o.DisableReaper {
		c.reaper = startReaper(c, o.ReapInterval)
	}
	c.rotator = startRotationRunner(c)
	return &Store{c: c, region: o.Region}, nil
}

// Close stops the rotations in progress and the reaper, waits for running
// operations, and closes the database. It closes every region view of the
// store. Calling it again returns nil.
func (s *Store) Close() error {
	c := s.c
	// The runner's context first: a reaper pass may be waiting for the
	// runner's pass (c.rotationMu), which would otherwise run every step
	// it has left before the reaper could stop.
	c.rotator.interrupt()
	if c.reaper != nil {
		c.reaper.stop() // before taking mu: a running pass holds it shared
	}
	c.rotator.stop() // before taking mu: a rotator calls the store
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
	return c.closeDB()
}

// closeDB closes the database, records in the watermark that every commit
// is durable (Badger's Close writes the memtables into synced tables), and
// releases the folder's lock (the store's, or Badger's where Badger takes
// its own: see unlocking).
func (c *core) closeDB() error {
	syscall.ForkLock.RLock() // see unlocking
	defer syscall.ForkLock.RUnlock()
	mark := c.commitMark()
	err := c.db.Close()
	if err != nil {
		mark = 0
	}
	if werr := c.watermark.close(mark); werr != nil {
		c.log.Warn("secretstore: closing the watermark", "err", werr)
	}
	if c.lock != nil {
		c.lock.Close()
	}
	return err
}

// sameKeyring checks that the keyring Badger reads is the one Open's check
// of the folder read from the files (stored), which it checked the master
// key against.
func (c *core) sameKeyring(stored []byte) error {
	return c.read(func(t *tx) error {
		b, err := t.get(record.KeyringKey())
		if err != nil {
			return err
		}
		if !bytes.Equal(b, stored) {
			return fmt.Errorf("%w: the keyring the database reads is not the one in its files", ErrCorrupt)
		}
		return nil
	})
}

func init() {
	testhook.Reset = func(ctx context.Context, store any) error { return store.(*Store).reset(ctx) }
}

// reset deletes every secret of every region at once, with no recovery
// window and no way back, keeping the master key. Test suites reach it
// through the test-mode server and sstest (internal/testhook); operations
// wait while it runs.
func (s *Store) reset(ctx context.Context) error {
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
	for _, p := range []byte{record.PrefixSecret, record.PrefixVersion, record.PrefixMeta, record.PrefixCreated, record.PrefixDeletion, record.PrefixPrune, record.PrefixRotation, record.PrefixShred} {
		prefixes = append(prefixes, []byte{p})
	}
	return c.dropPrefixes(prefixes...)
}

// Region returns a view of the same database in region name: secrets
// created through it carry name in their ARNs, and it sees only that
// region's secrets. Operations on a view with a malformed region name fail
// with ErrInvalidParameter.
func (s *Store) Region(name string) *Store {
	return &Store{c: s.c, region: name, principal: s.principal}
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

// badgerLogger sends Badger's log lines to slog: its chatter at debug level,
// its warnings and errors as such, each kind of warning or error at most
// once every badgerLogEvery (Badger retries a failing compaction every few
// milliseconds, logging each attempt), with the count of those left out.
type badgerLogger struct {
	l *slog.Logger

	mu      sync.Mutex
	last    map[string]time.Time // format -> when a line of it was last logged
	dropped map[string]int       // format -> lines left out since
}

const badgerLogEvery = 10 * time.Second

func newBadgerLogger(l *slog.Logger) *badgerLogger {
	return &badgerLogger{l: l, last: map[string]time.Time{}, dropped: map[string]int{}}
}

func (b *badgerLogger) Errorf(f string, a ...any)   { b.log(slog.LevelError, f, a) }
func (b *badgerLogger) Warningf(f string, a ...any) { b.log(slog.LevelWarn, f, a) }
func (b *badgerLogger) Infof(f string, a ...any)    { b.debug(f, a) }
func (b *badgerLogger) Debugf(f string, a ...any)   { b.debug(f, a) }

func (b *badgerLogger) log(level slog.Level, f string, a []any) {
	b.mu.Lock()
	now := time.Now()
	if now.Sub(b.last[f]) < badgerLogEvery {
		b.dropped[f]++
		b.mu.Unlock()
		return
	}
	b.last[f] = now
	dropped := b.dropped[f]
	delete(b.dropped, f)
	b.mu.Unlock()
	msg := "badger: " + strings.TrimSpace(fmt.Sprintf(f, a...))
	if dropped > 0 {
		b.l.Log(context.Background(), level, msg, "alike lines left out", dropped)
		return
	}
	b.l.Log(context.Background(), level, msg)
}

// debug formats a line only when the logger would write it: Badger logs
// at debug level on every write.
func (b *badgerLogger) debug(f string, a []any) {
	if b.l.Enabled(context.Background(), slog.LevelDebug) {
		b.l.Debug("badger: " + fmt.Sprintf(f, a...))
	}
}
