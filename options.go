package secretstore

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/badger/options"
)

// Defaults for Options.
const (
	// DefaultRegion is the region of a Store whose Options.Region is empty.
	DefaultRegion = "us-east-1"
	// DefaultAccountID is the account in ARNs when Options.AccountID is empty.
	DefaultAccountID = "123456789012"
	// DefaultReapInterval is how often the background reaper runs when
	// Options.ReapInterval is zero.
	DefaultReapInterval = 5 * time.Minute

	// DefaultMemoryBudget is Options.MemoryBudget for a store on disk when
	// it is zero: 32 MiB, which suits a small device and stores of tens of
	// thousands of secrets.
	DefaultMemoryBudget = 32 << 20
	// DefaultInMemoryBudget is Options.MemoryBudget for an InMemory store
	// when it is zero: 8 MiB, so a test can open many stores at once.
	DefaultInMemoryBudget = 8 << 20
)

// Options configure Open. The zero value of each field is its documented
// default, except that a place (Dir or InMemory) must be given, and for a
// store on disk one key source (MasterKey, MasterKeyFile or Passphrase).
type Options struct {
	// Dir is the folder holding the Badger database. It is created with mode
	// 0700 if it does not exist. Required unless InMemory is set.
	Dir string

	// InMemory keeps the database in memory only (Badger's in-memory mode):
	// nothing touches the disk and everything is gone after Close. For
	// tests. Dir must be empty.
	InMemory bool

	// MasterKey is the 32-byte key that wraps every data key. Keep it out of
	// the data folder. Exactly one of MasterKey, MasterKeyFile and
	// Passphrase must be set, except for an InMemory store, which without
	// one gets a random key.
	MasterKey []byte

	// MasterKeyFile names a file holding the master key: 32 raw bytes or
	// their standard base64 encoding.
	MasterKeyFile string

	// Passphrase derives the master key with Argon2id (t=3, 64 MiB, 4
	// lanes). The random salt is kept in the database.
	Passphrase string

	// Region is the AWS region of the Store; default DefaultRegion
	// (us-east-1). Store.Region gives views of other regions.
	Region string

	// AccountID is the 12-digit account in ARNs; default DefaultAccountID
	// (123456789012).
	AccountID string

	// ExtraRegions are Region names a replica may be in besides the AWS
	// Regions the store knows (the AWS SDKs' endpoints data): for a Region
	// AWS opens later. ReplicateSecretToRegions and CreateSecret refuse a
	// replica region that is in neither with ErrInvalidParameter, as AWS
	// refuses a Region that does not exist.
	ExtraRegions []string

	// Clock is the time source of every time-dependent rule; default the
	// system clock. Tests pass a *FakeClock.
	Clock Clock

	// Logger receives the store's own log lines (the reaper, Badger's
	// warnings); default none. Secret values are never logged.
	Logger *slog.Logger

	// SyncWrites makes every acknowledged write durable across power loss:
	// a write returns once an fsync of Badger's logs that began after its
	// commit has finished, one fsync serving every writer that committed
	// meanwhile (group commit). Once an fsync fails, writes are refused
	// until the store is opened again; reads go on. Default true; set it
	// to new(false) to trade durability for write speed.
	SyncWrites *bool

	// ReapInterval is how often the background reaper runs; default
	// DefaultReapInterval (5 minutes).
	ReapInterval time.Duration

	// DisableReaper stops Open from starting the background reaper, for
	// callers that run Store.Reap themselves. Default false.
	DisableReaper bool

	// MemoryBudget is about how many bytes of memory the database may use
	// for its tables and records: it sets the size of Badger's memtables (an
	// eighth of it, at least 1 MiB), block cache (three eighths) and index
	// cache (a quarter), and of the store's cache of decoded secret records
	// (an eighth; half for an InMemory store, which has neither cache of
	// Badger's), together. (Badger also maps its table files into memory:
	// those pages are the kernel's to evict, and count in a process's RSS.) Default DefaultMemoryBudget (32 MiB) on disk,
	// DefaultInMemoryBudget (8 MiB) in memory. Raise it for a store of
	// hundreds of thousands of secrets, or for writes that change more than
	// about 15% of a memtable at once (a key change of a secret with large
	// values, replicas of large values), which otherwise fail with
	// ErrLimitExceeded. The Go runtime's heap is the process's, not the
	// store's: GoMemoryLimit gives the limit that keeps a busy process
	// within about twice the budget.
	MemoryBudget int64

	// Rotators are the rotation functions RotateSecret can use, by the
	// RotationLambdaARN that names them (any string; an ARN keeps code
	// written for AWS unchanged). With none, RotateSecret fails with
	// ErrAccessDenied, as AWS does for a Lambda function it cannot invoke.
	Rotators map[string]Rotator

	// RotationStepTimeout bounds each step of a rotation; default
	// DefaultRotationStepTimeout (5 minutes). A step that takes longer
	// fails the rotation.
	RotationStepTimeout time.Duration

	// OnEvent, if set, is called after every operation with its outcome
	// (never a secret value), and for every secret the reaper purges. It is
	// called synchronously on the operation's goroutine: keep it fast.
	OnEvent func(Event)
}

// withDefaults returns o with defaults filled in, or an error naming the
// first field that is wrong.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.InMemory && o.Dir != "":
		return o, fmt.Errorf("secretstore: set Options.Dir or Options.InMemory, not both")
	case !o.InMemory && o.Dir == "":
		return o, fmt.Errorf("secretstore: Options.Dir is empty: name the data folder, or set InMemory for a store that lives in memory")
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if !arn.ValidRegion(o.Region) {
		return o, fmt.Errorf("secretstore: Options.Region %q is not a region name like us-east-1", o.Region)
	}
	for _, r := range o.ExtraRegions {
		if !arn.ValidRegion(r) {
			return o, fmt.Errorf("secretstore: Options.ExtraRegions: %q is not a region name like us-east-1", r)
		}
	}
	o.ExtraRegions = slices.Clone(o.ExtraRegions)
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if len(o.AccountID) != 12 || !allDigits(o.AccountID) {
		return o, fmt.Errorf("secretstore: Options.AccountID %q is not a 12-digit account id", o.AccountID)
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SyncWrites == nil {
		o.SyncWrites = new(true)
	}
	if o.ReapInterval == 0 {
		o.ReapInterval = DefaultReapInterval
	}
	if o.ReapInterval < 0 {
		return o, fmt.Errorf("secretstore: Options.ReapInterval is negative")
	}
	if o.RotationStepTimeout == 0 {
		o.RotationStepTimeout = DefaultRotationStepTimeout
	}
	switch {
	case o.MemoryBudget < 0:
		return o, fmt.Errorf("secretstore: Options.MemoryBudget is negative")
	case o.MemoryBudget == 0 && o.InMemory:
		o.MemoryBudget = DefaultInMemoryBudget
	case o.MemoryBudget == 0:
		o.MemoryBudget = DefaultMemoryBudget
	}
	return o, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// badgerOptions returns the options o opens Badger with.
func (o Options) badgerOptions() badger.Options {
	memtable := min(max(o.MemoryBudget/8, 1<<20), 64<<20)
	bo := badger.DefaultOptions(o.Dir).
		WithInMemory(o.InMemory).
		WithSyncWrites(*o.SyncWrites).
		WithLogger(newBadgerLogger(o.Logger)).
		WithNumVersionsToKeep(1).
		WithCompression(options.None). // ciphertext does not compress
		WithMetricsEnabled(false).
		WithMemTableSize(memtable).
		WithNumMemtables(3).
		WithNumCompactors(2).
		// Values are stored in the tables (every record is smaller than the
		// threshold, which Badger caps at 15% of a memtable): the value log
		// holds nothing, so its (sparse) file stays small.
		WithValueThreshold(min(1<<20, memtable*15/100)).
		WithValueLogFileSize(1 << 20)
	// Every block's checksum is checked when it is read: with the patched
	// Badger of internal/badger (PATCHES.md, patch 2) a block that fails
	// is an error (ErrCorrupt naming the secret read), never a block taken
	// for the end of its table. Open checks every table's blocks before
	// Badger opens them (checkFolder), but for the tables the watermark
	// knows unchanged.
	bo = bo.WithChecksumVerificationMode(options.OnBlockRead)
	if o.InMemory {
		return bo.WithNumMemtables(2).WithBlockCacheSize(0) // tables are in memory already
	}
	return bo.WithBlockCacheSize(o.MemoryBudget * 3 / 8).WithIndexCacheSize(o.MemoryBudget / 4)
}
