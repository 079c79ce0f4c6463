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
	"os"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/secretstore-go/secretstore/internal/arn"
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
	if !o.InMemory {
		if err := os.MkdirAll(o.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("secretstore: creating the data folder: %w", err)
		}
	}
	bo := o.badgerOptions()
	var group *groupSync
	if !o.InMemory && *o.SyncWrites {
		group = newGroupSync(o.Dir)
		bo = bo.WithSyncWrites(false) // the store syncs, once per group of commits
	}
	db, err := openBadger(o, bo)
	if err != nil {
		if strings.Contains(err.Error(), "Another process is using this Badger database") {
			return nil, fmt.Errorf("%w: %s", ErrDataFolderInUse, o.Dir)
		}
		return nil, fmt.Errorf("secretstore: opening the database in %q: %w", o.Dir, err)
	}
	c := &core{
		db:      db,
		clock:   o.Clock,
		log:     o.Logger,
		account: o.AccountID,
		onEvent: o.OnEvent,
		opts:    o,
		group:   group,
	}
	c.cache.budget = int(o.MemoryBudget / 8)
	if o.InMemory {
		// No block or index cache (the tables are in memory): the record
		// cache takes half the budget instead of an eighth.
		c.cache.budget = int(o.MemoryBudget / 2)
	}
	if !o.InMemory {
		c.disk = newDiskGuard(o.Dir, bo)
	}
	c.keys, err = c.loadKeys(ctx, src)
	clear(src.key)
	if err != nil {
		db.Close()
		return nil, err
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
	return c.db.Close()
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
	for _, p := range []byte{prefixSecret, prefixVersion, prefixMeta, prefixCreated, prefixDeletion, prefixPrune, prefixRotation, prefixShred} {
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

// Put stores value as the new current version of secret name, creating the
// secret if it does not exist, and returns the new version's id. It is
// PutOrCreate with the defaults.
func (s *Store) Put(ctx context.Context, name, value string) (versionID string, err error) {
	out, err := s.PutOrCreate(ctx, &PutSecretValueInput{SecretId: name, SecretString: value})
	if err != nil {
		return "", err
	}
	return out.VersionId, nil
}

// PutOrCreate is PutSecretValue, except that when in.SecretId names no
// secret it creates one of that name (CreateSecret with in's value and
// ClientRequestToken), whose first version is AWSCURRENT. A secret of that
// name created meanwhile by another caller gets the value as PutSecretValue
// would give it.
func (s *Store) PutOrCreate(ctx context.Context, in *PutSecretValueInput) (*PutSecretValueOutput, error) {
	for attempt := 0; ; attempt++ {
		out, err := s.PutSecretValue(ctx, in)
		if !errors.Is(err, ErrResourceNotFound) || arn.IsARN(in.SecretId) || attempt == maxAttempts {
			return out, err
		}
		created, err := s.CreateSecret(ctx, &CreateSecretInput{
			Name:               in.SecretId,
			ClientRequestToken: in.ClientRequestToken,
			SecretString:       in.SecretString,
			SecretBinary:       in.SecretBinary,
		})
		if errors.Is(err, ErrResourceExists) {
			continue // created meanwhile by another caller
		}
		if err != nil {
			return nil, err
		}
		return &PutSecretValueOutput{ARN: created.ARN, Name: created.Name, VersionId: created.VersionId, VersionStages: []string{StageCurrent}}, nil
	}
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
