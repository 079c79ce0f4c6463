package secretstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
	"github.com/dgraph-io/ristretto/v2/z"
	"github.com/secretstore-go/secretstore/internal/record"
)

// RecoverReport says what Recover read and what it could not.
type RecoverReport struct {
	// Files lists the Badger files read, with what each gave.
	Files []RecoveredFile
	// Secrets and Versions count the records in the new folder.
	Secrets, Versions int
	// SalvagedTransactions counts the committed transactions found past
	// damage in a write-ahead log, which Badger alone would have dropped,
	// and which are in the new folder.
	SalvagedTransactions int
	// LostTransactions counts the committed transactions found after
	// damage that could not be read whole: those whose end marker was
	// read. The transaction the damage lies in, when the damage took its
	// end marker, is not counted; Lost still names what its entries wrote.
	// After damage the next transaction is taken as not whole either (the
	// damage may have taken its first entries), so Lost may name more
	// secrets than LostTransactions counts.
	LostTransactions int
	// Lost names the secrets that a lost transaction wrote (as far as its
	// entries could be read): their last changes are not in the new
	// folder, or not whole.
	Lost []string
	// Problems is what Verify finds in the new folder: the secrets and
	// versions the damage took.
	Problems []Problem
}

// RecoveredFile is what Recover read from one file.
type RecoveredFile struct {
	Name    string
	Entries int    // entries read
	Damage  string // what was wrong with it, if anything
}

// Recover salvages what can be read from the data folder from, which may be
// too damaged to open, into a new store in o.Dir (a folder that does not
// exist yet, or is empty), and reports what it found and what was lost. It
// never changes from. It reads every entry of every table that opens (as
// far as it can be read) and every committed transaction of every
// write-ahead log, those past damage included, keeps the newest version of
// each key, rebuilds the indexes from the secret records, then opens the
// new store with o's master key and runs Verify on it.
func Recover(ctx context.Context, from string, o Options) (*RecoverReport, error) {
	if o.InMemory {
		return nil, errors.New("secretstore: Recover writes to a folder: set Options.Dir, not InMemory")
	}
	if _, err := readKeySource(&o); err != nil {
		return nil, err
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := separateFolders(from, o.Dir); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return nil, fmt.Errorf("secretstore: reading the damaged folder: %w", err)
	}
	created, err := emptyFolder(o.Dir)
	if err != nil {
		return nil, err
	}
	rep := &RecoverReport{}
	newest := map[string]salvaged{} // user key -> its newest entry
	keep := func(key []byte, meta byte, value []byte) {
		if len(key) <= 8 || bytes.HasPrefix(key, []byte("!badger!")) {
			return
		}
		user, ts := string(key[:len(key)-8]), keyTs(key)
		if old, ok := newest[user]; !ok || ts > old.ts {
			newest[user] = salvaged{ts: ts, deleted: meta&bitDelete != 0, value: bytes.Clone(value)}
		}
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			removeWritten(o.Dir, created)
			return nil, err
		}
		path := filepath.Join(from, e.Name())
		switch filepath.Ext(e.Name()) {
		case ".sst":
			f := RecoveredFile{Name: e.Name()}
			f.Entries, err = readTable(path, keep)
			if err != nil {
				f.Damage = err.Error()
			}
			rep.Files = append(rep.Files, f)
		case ".mem":
			f := RecoveredFile{Name: e.Name()}
			scan, err := scanLog(path)
			if err != nil {
				f.Damage = err.Error()
			}
			for _, txns := range [][]logTxn{scan.committed, scan.salvage} {
				for _, txn := range txns {
					for _, e := range txn.entries {
						keep(e.key, e.meta, e.value)
						f.Entries++
					}
				}
			}
			if scan.lost > 0 {
				f.Damage = fmt.Sprintf("damaged at byte %d", scan.end)
				rep.SalvagedTransactions += len(scan.salvage)
				rep.LostTransactions += scan.lost - len(scan.salvage)
			}
			for _, e := range scan.damaged {
				if n := lostName(e.key[:max(len(e.key)-8, 0)]); n != "" && !slices.Contains(rep.Lost, n) {
					rep.Lost = append(rep.Lost, n)
				}
			}
			rep.Files = append(rep.Files, f)
		}
	}
	if err := writeSalvaged(o, newest, rep); err != nil {
		removeWritten(o.Dir, created)
		return nil, err
	}
	s, err := Open(ctx, o)
	if err != nil {
		removeWritten(o.Dir, created)
		return nil, err
	}
	defer s.Close()
	rep.Problems, err = s.Verify(ctx)
	return rep, err
}

// salvaged is the newest entry Recover found for one key.
type salvaged struct {
	ts      uint64
	deleted bool
	value   []byte
}

// readTable calls keep with every entry of the table file at path that can
// be read, and returns how many it read. Each block is read (and its
// checksum checked) on its own: a damaged block is reported, with the
// entries it held that no other block gave, and the blocks after it are
// read all the same. The table's index (checked by checkTable) says where
// each block starts and how many entries the table holds.
func readTable(path string, keep func(key []byte, meta byte, value []byte)) (n int, err error) {
	if err := checkTable(path); err != nil {
		return 0, err
	}
	name := filepath.Base(path)
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, err
	}
	defer mf.Close(-1)
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("table %s is damaged after %d entries: %s", name, n, strings.Join(strings.Fields(fmt.Sprint(v)), " "))
		}
	}()
	t, err := table.OpenTable(mf, table.Options{ReadOnly: true, ChkMode: options.OnBlockRead, Compression: options.None})
	if err != nil {
		return 0, err
	}
	starts := t.KeySplits(math.MaxInt32, nil) // the first key of every block
	it := t.NewIterator(0)
	defer it.Close()
	seen := 0 // entries read, those pointing into the value log included
	var damaged []string
	for b, start := range starts {
		var end []byte // the first key of the next block
		if b+1 < len(starts) {
			end = []byte(starts[b+1])
		}
		read, bad := readBlock(it, []byte(start), end, func(key []byte, v y.ValueStruct) {
			if v.Meta&(1<<1) == 0 { // not a pointer into the value log, which holds nothing of ours
				keep(key, v.Meta, v.Value)
				n++
			}
		})
		seen += read
		if bad != "" {
			damaged = append(damaged, fmt.Sprintf("block %d: %s", b+1, bad))
		}
	}
	switch want := int(t.KeyCount()); {
	case len(damaged) > 0:
		return n, fmt.Errorf("table %s is damaged (%s; %d blocks in all): %d of its %d entries were read", name, strings.Join(damaged, "; "), len(starts), seen, want)
	case seen < want:
		return n, fmt.Errorf("table %s is damaged: %d of its %d entries were read", name, seen, want)
	}
	return n, nil
}

// readBlock reads, with it, the entries from key start (the first of a
// block) up to key end (the first of the next block; nil for the last),
// calling f with each, and returns how many it read, and what went wrong
// if the block could not be read to its end.
func readBlock(it *table.Iterator, start, end []byte, f func(key []byte, v y.ValueStruct)) (n int, damage string) {
	defer func() {
		if v := recover(); v != nil {
			damage = strings.Join(strings.Fields(fmt.Sprint(v)), " ")
		}
	}()
	for it.Seek(start); it.Valid(); it.Next() {
		if end != nil && y.CompareKeys(it.Key(), end) >= 0 {
			return n, ""
		}
		f(it.Key(), it.Value())
		n++
	}
	if n == 0 {
		// Every block holds an entry. Badger's table iterator keeps the
		// reason it stopped to itself: a checksum that does not match,
		// for one. (A block is read whole, so the iterator stopping after
		// entries of this block means the next one failed: its own
		// readBlock reports it.)
		return 0, "its checksum does not match"
	}
	return n, ""
}

// writeSalvaged writes what Recover kept into a new Badger database in
// o.Dir, with the index entries rebuilt from the secret records, and counts
// the records.
func writeSalvaged(o Options, newest map[string]salvaged, rep *RecoverReport) error {
	db, err := badger.Open(o.badgerOptions())
	if err != nil {
		return fmt.Errorf("secretstore: creating the database in %q: %w", o.Dir, err)
	}
	wb := db.NewWriteBatch()
	keys := make([]string, 0, len(newest))
	for k, v := range newest {
		if !v.deleted {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	set := func(k, v []byte) {
		if err == nil {
			err = wb.Set(k, v)
		}
	}
	for _, k := range keys {
		key, v := []byte(k), newest[k]
		switch key[0] {
		case record.PrefixCreated, record.PrefixDeletion, record.PrefixPrune, record.PrefixRotation:
			continue // rebuilt below
		case record.PrefixSecret:
			rep.Secrets++
			if r, derr := decodeSecret(v.value); derr == nil {
				x := r.indexed()
				for _, ix := range indexes {
					if ik, iv := ix.entry(&x); ik != nil {
						set(ik, iv)
					}
				}
			}
		case record.PrefixVersion:
			rep.Versions++
		}
		set(key, v.value)
	}
	if err == nil {
		err = wb.Flush()
	} else {
		wb.Cancel()
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// separateFolders refuses a target folder for Recover that is the damaged
// folder from, lies inside it, or holds it: Recover never writes into the
// damaged folder, nor empties or fills one that holds it.
func separateFolders(from, to string) error {
	f, err := resolvedPath(from)
	if err != nil {
		return fmt.Errorf("secretstore: the damaged folder: %w", err)
	}
	t, err := resolvedPath(to)
	if err != nil {
		return fmt.Errorf("secretstore: the new folder: %w", err)
	}
	switch {
	case f == t:
		return errors.New("secretstore: Recover needs a new folder for what it salvages, not the damaged one")
	case within(t, f):
		return fmt.Errorf("secretstore: Recover needs a new folder for what it salvages outside the damaged one: %s is inside %s", to, from)
	case within(f, t):
		return fmt.Errorf("secretstore: Recover needs a new folder for what it salvages, not one that holds the damaged one: %s holds %s", to, from)
	}
	// Another name for the same folder (a hard-linked or bind-mounted one).
	if same, _ := sameFolder(from, to); same {
		return errors.New("secretstore: Recover needs a new folder for what it salvages, not the damaged one")
	}
	return nil
}

// resolvedPath returns path absolute and cleaned, with the symbolic links
// of its longest part that exists resolved (the rest does not exist yet,
// so it holds none).
func resolvedPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for p := abs; ; {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest), nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// within reports whether path lies inside dir (both cleaned and absolute).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// sameFolder reports whether a and b name the same folder.
func sameFolder(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// lostName returns "name in region" for the key of a secret record or of
// its created-date index entry (the keys of a transaction that name the
// secret it wrote), or "".
func lostName(k []byte) string {
	var entry string
	switch {
	case len(k) > 1 && k[0] == record.PrefixSecret:
		entry = string(k[1:])
	case len(k) > 1 && k[0] == record.PrefixCreated:
		entry = createdEntryOf(k)
	}
	region, name, ok := record.SplitRegionName([]byte(entry))
	if !ok {
		return ""
	}
	return name + " in " + region
}
