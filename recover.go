package secretstore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/badger/options"
	"github.com/secretstore-go/secretstore/internal/badger/table"
	"github.com/secretstore-go/secretstore/internal/badger/y"
	"github.com/secretstore-go/secretstore/internal/record"
)

// RecoverReport says what Recover read and what it could not.
type RecoverReport struct {
	// Files lists the files read, with what each gave.
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
	// Lost names the secrets ("name in region") whose last changes are
	// not in the new folder, or not whole: a lost transaction wrote them,
	// or their records were in a damaged block of a table (a secret may
	// then be in the new folder with older values, or not at all).
	Lost []string
	// Unnamed lists the losses that cannot be tied to secrets by name: a
	// table that is missing or is not this store's (its records are lost,
	// and the secrets they held may be in the new folder with older
	// values), writes acknowledged after the newest that was found (a
	// write-ahead log missing, emptied or cut). A secret not in the new
	// folder, or older there than it was, that Lost and Problems do not
	// name is one of these.
	Unnamed []string
	// Notes says what Recover did beyond copying, that loses nothing: a
	// keyring written anew, for one.
	Notes []string
	// Problems is what Verify finds in the new folder: the secrets and
	// versions the damage took.
	Problems []Problem
}

// NothingLost reports whether everything the damaged folder held is in
// the new one: no file damaged (but for leftovers of a kill, which hold
// nothing), nothing lost, named or not, and no problem in the new folder.
func (r *RecoverReport) NothingLost() bool {
	for _, f := range r.Files {
		if f.Damage != "" && !f.Leftover {
			return false
		}
	}
	return r.LostTransactions == 0 && len(r.Lost) == 0 && len(r.Unnamed) == 0 && len(r.Problems) == 0
}

// RecoveredFile is what Recover read from one file.
type RecoveredFile struct {
	Name    string
	Entries int    // entries read
	Damage  string // what was wrong with it, if anything
	// Leftover says that the damaged file held nothing of the store's: a
	// table a kill left unfinished that the MANIFEST does not list, or a
	// file of Badger's that the store does not use.
	Leftover bool
}

// Recover salvages what can be read from the data folder from, which may be
// too damaged to open, into a new store in o.Dir (a folder that does not
// exist yet, or is empty), and reports what it found and what was lost. It
// never changes from. It reads every entry of every table that opens (as
// far as it can be read) and every committed transaction of every
// write-ahead log, those past damage included, keeps the newest version of
// each key, rebuilds the indexes from the secret records, then opens the
// new store with o's master key and runs Verify on it. The MANIFEST and the
// WATERMARK, where they can be read, say which tables and logs are missing
// or not this store's (those are not read), and which acknowledged writes
// were not found.
func Recover(ctx context.Context, from string, o Options) (*RecoverReport, error) {
	if o.InMemory {
		return nil, errors.New("secretstore: Recover writes to a folder: set Options.Dir, not InMemory")
	}
	src, err := readKeySource(&o)
	if err != nil {
		return nil, err
	}
	defer clear(src.key)
	o, err = o.withDefaults()
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
	sv := newSalvage(from, o, rep)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			removeWritten(o.Dir, created)
			return nil, err
		}
		sv.read(e)
	}
	sv.missing()
	if err := writeSalvaged(o, sv.newest, rep); err != nil {
		removeWritten(o.Dir, created)
		return nil, err
	}
	if err := sv.keyring(o, src); err != nil {
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
	if err != nil {
		return rep, err
	}
	sv.stale()
	return rep, nil
}

// salvage is what Recover gathers from a damaged folder.
type salvage struct {
	from string
	rep  *RecoverReport
	wm   *wmState // nil when there is none, or it does not decode

	manifest    badger.Manifest
	manifestOK  bool
	tablesKnown map[uint64]wmTable // the tables the watermark knows
	logsKnown   map[string]wmLog   // the logs the watermark knows
	present     map[string]bool    // the files of the folder

	newest   map[string]salvaged // user key -> its newest entry
	maxTs    uint64              // the newest version read
	damaged  [][2][]byte         // key ranges of table blocks that could not be read
	keyTerms map[uint32]bool     // the master key terms the version records use
}

func newSalvage(from string, o Options, rep *RecoverReport) *salvage {
	sv := &salvage{from: from, rep: rep, newest: map[string]salvaged{}, present: map[string]bool{},
		tablesKnown: map[uint64]wmTable{}, logsKnown: map[string]wmLog{}, keyTerms: map[uint32]bool{}}
	wm, err := readWatermark(from)
	if err == nil && wm != nil && wm.foreign(from) {
		rep.Files = append(rep.Files, RecoveredFile{Name: watermarkName, Damage: "another store's: it matches none of the folder's logs and tables, and is not used", Leftover: true})
		wm = nil
	}
	if err == nil && wm != nil {
		sv.wm = wm
		for _, t := range wm.Tables {
			sv.tablesKnown[t.ID] = t
		}
		for _, l := range wm.Logs {
			sv.logsKnown[l.name()] = l
		}
	} else if err != nil {
		rep.Files = append(rep.Files, RecoveredFile{Name: watermarkName, Damage: err.Error(), Leftover: true})
	}
	if f, err := os.Open(filepath.Join(from, badger.ManifestFilename)); err == nil {
		m, _, err := replayManifest(f, o.badgerOptions())
		f.Close()
		if err == nil {
			sv.manifest, sv.manifestOK = m, true
		} else {
			rep.Files = append(rep.Files, RecoveredFile{Name: badger.ManifestFilename, Damage: oneLine(err)})
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		rep.Files = append(rep.Files, RecoveredFile{Name: badger.ManifestFilename, Damage: err.Error()})
	}
	return sv
}

// keep records an entry read, keeping the newest version of each key.
func (sv *salvage) keep(key []byte, meta byte, value []byte) {
	if len(key) <= 8 || bytes.HasPrefix(key, badgerPrefix) {
		return
	}
	user, ts := string(key[:len(key)-8]), keyTs(key)
	sv.maxTs = max(sv.maxTs, ts)
	if old, ok := sv.newest[user]; !ok || ts > old.ts {
		sv.newest[user] = salvaged{ts: ts, deleted: meta&bitDelete != 0, value: bytes.Clone(value)}
	}
}

// read reads the file e of the damaged folder.
func (sv *salvage) read(e os.DirEntry) {
	name := e.Name()
	sv.present[name] = true
	path := filepath.Join(sv.from, name)
	switch filepath.Ext(name) {
	case ".sst":
		id, ok := parseTableName(name)
		if !ok {
			return
		}
		f := RecoveredFile{Name: name}
		_, listed := sv.manifest.Tables[id]
		if k, known := sv.tablesKnown[id]; known {
			// A whole table whose footer is not the one recorded was
			// replaced; a damaged one is read for what it holds.
			if st, err := statTable(id, path); err == nil && st.Footer != k.Footer && wholeTable(path) {
				f.Damage = "not the table this store wrote (" + watermarkName + " records another): not read"
				sv.rep.Files = append(sv.rep.Files, f)
				sv.unnamed("table %s was replaced by one that is not this store's: the records this store had in it are lost, and the secrets they held may be older in the new folder", name)
				return
			}
		}
		n, ranges, err := readTable(path, sv.keep)
		f.Entries = n
		if err != nil {
			f.Damage = err.Error()
			if sv.manifestOK && !listed {
				f.Leftover = true // a table a kill left unfinished
			} else {
				sv.damaged = append(sv.damaged, ranges...)
				for _, r := range ranges {
					sv.unnamed("table %s: a block that cannot be read held the records from %s to %s; the secrets among them that are not named as lost are not in the new folder", name, describeKey(r[0]), describeKey(r[1]))
				}
				if len(ranges) == 0 {
					sv.unnamed("table %s cannot be read (%s): the records it held are lost, and the secrets they were of may be older in the new folder, or not in it", name, oneLine(err))
				}
			}
		}
		sv.rep.Files = append(sv.rep.Files, f)
	case ".mem":
		f := RecoveredFile{Name: name}
		scan, err := scanLog(path)
		if err != nil {
			f.Damage = err.Error()
			sv.unnamed("write-ahead log %s cannot be read (%v): the writes in it are lost, and the secrets they changed may be older in the new folder, or not in it", name, err)
			sv.rep.Files = append(sv.rep.Files, f)
			return
		}
		if k, known := sv.logsKnown[name]; known && len(scan.header) == logHeaderSize && !bytes.Equal(scan.header, k.Header) {
			f.Damage = "not the log this store wrote (" + watermarkName + " records another): not read"
			sv.rep.Files = append(sv.rep.Files, f)
			sv.unnamed("write-ahead log %s was replaced by one that is not this store's: the writes this store had in it are lost, and the secrets they changed may be older in the new folder, or not in it", name)
			return
		}
		for _, txns := range [][]logTxn{scan.committed, scan.salvage} {
			for _, txn := range txns {
				for _, e := range txn.entries {
					sv.keep(e.key, e.meta, e.value)
					f.Entries++
				}
			}
		}
		if scan.lost > 0 {
			f.Damage = fmt.Sprintf("damaged at byte %d", scan.end)
			sv.rep.SalvagedTransactions += len(scan.salvage)
			sv.rep.LostTransactions += scan.lost - len(scan.salvage)
		}
		for _, e := range scan.damaged {
			if n := lostName(e.key[:max(len(e.key)-8, 0)]); n != "" && !slices.Contains(sv.rep.Lost, n) {
				sv.rep.Lost = append(sv.rep.Lost, n)
			}
		}
		if k, known := sv.logsKnown[name]; known && k.Last > scan.newest() {
			f.Damage = cmp.Or(f.Damage, fmt.Sprintf("cut: it held writes up to version %d, and now ends at version %d", k.Last, scan.newest()))
		}
		sv.rep.Files = append(sv.rep.Files, f)
	}
}

// wholeTable reports whether the table file at path opens and every block's
// checksum matches.
func wholeTable(path string) bool {
	t, err := openTable(path, options.None, 0, true)
	if err != nil {
		return false
	}
	closeTable(t)
	return true
}

// missing reports the tables and logs the MANIFEST or the watermark names
// that are not in the folder, and acknowledged writes that were not found.
func (sv *salvage) missing() {
	listed := map[uint64]string{}
	if sv.manifestOK {
		for id := range sv.manifest.Tables {
			listed[id] = "the MANIFEST lists it"
		}
	} else {
		for id := range sv.tablesKnown {
			listed[id] = watermarkName + " records it"
		}
	}
	ids := slices.Sorted(maps.Keys(listed))
	for _, id := range ids {
		if name := tableName(id); !sv.present[name] {
			sv.rep.Files = append(sv.rep.Files, RecoveredFile{Name: name, Damage: "missing (" + listed[id] + ")"})
			sv.unnamed("table %s is missing (%s): the records it held are lost, and the secrets they were of may be older in the new folder, or not in it", name, listed[id])
		}
	}
	if sv.wm == nil {
		return
	}
	if sv.maxTs < sv.wm.Durable {
		sv.unnamed("writes up to version %d were acknowledged (%s records it), but the newest found is version %d: the last writes are lost (a write-ahead log or a table is missing, emptied or cut), and the secrets they changed may be older in the new folder", sv.wm.Durable, watermarkName, sv.maxTs)
	}
}

func (sv *salvage) unnamed(format string, args ...any) {
	sv.rep.Unnamed = append(sv.rep.Unnamed, fmt.Sprintf(format, args...))
}

// keyring writes a keyring into the new folder when none was salvaged (its
// record was lost): one for the master key given, once it is shown to open
// the salvaged values. Without it the new store would take any key.
func (sv *salvage) keyring(o Options, src keySource) error {
	if kr, ok := sv.newest[string(record.KeyringKey())]; ok && !kr.deleted {
		return nil
	}
	if src.passphrase != "" {
		return fmt.Errorf("%w: the keyring record, which holds the salt of the passphrase, is lost, so the passphrase cannot open the salvaged values", ErrCorrupt)
	}
	var term uint32
	var probe *record.Version
	var probeKey string
	for k, v := range sv.newest {
		if len(k) > 1+record.IDLen && k[0] == record.PrefixVersion && !v.deleted {
			var vr record.Version
			if record.DecodeVersion(v.value, &vr) == nil && vr.Term >= term {
				term, probe, probeKey = vr.Term, &vr, k
			}
		}
	}
	if probe == nil {
		term = 1 // no value to check the key against: nothing to lose either
	} else {
		var id [record.IDLen]byte
		copy(id[:], probeKey[1:])
		k := newKeys(term, src.key)
		if _, err := k.open(nil, probe, id, probeKey[1+record.IDLen:]); err != nil {
			return fmt.Errorf("%w: the keyring record is lost, and the master key given does not open the salvaged values", ErrWrongMasterKey)
		}
	}
	kr := &record.Keyring{Term: term, Verifier: verifier(src.key)}
	db, err := badger.Open(o.badgerOptions())
	if err != nil {
		return err
	}
	err = db.Update(func(txn *badger.Txn) error { return txn.Set(record.KeyringKey(), record.EncodeKeyring(kr)) })
	if cerr := unlocking(db.Close); err == nil {
		err = cerr
	}
	if err == nil {
		sv.rep.Notes = append(sv.rep.Notes, "the keyring record was lost: a new one was written for the master key given, which opens the salvaged values")
	}
	return err
}

// stale names the secrets of the new store s whose records fall in a table
// block that could not be read: what the new folder has of them may be
// older than what was lost.
func (sv *salvage) stale() {
	if len(sv.damaged) == 0 {
		return
	}
	for k, v := range sv.newest {
		if len(k) < 2 || k[0] != record.PrefixSecret || v.deleted {
			continue
		}
		for _, r := range sv.damaged {
			if bytes.Compare([]byte(k), r[0]) >= 0 && (r[1] == nil || bytes.Compare([]byte(k), r[1]) < 0) {
				if n := lostName([]byte(k)); n != "" && !slices.Contains(sv.rep.Lost, n) {
					sv.rep.Lost = append(sv.rep.Lost, n)
				}
			}
		}
	}
	slices.Sort(sv.rep.Lost)
}

// describeKey says for a report what a database key is.
func describeKey(k []byte) string {
	switch {
	case k == nil:
		return "the end of the table"
	case len(k) > 1 && k[0] == record.PrefixSecret:
		if region, name, ok := record.SplitRegionName(k[1:]); ok {
			return fmt.Sprintf("the record of secret %s in %s", name, region)
		}
	}
	return "key " + strconv.QuoteToASCII(string(k))
}

// salvaged is the newest entry Recover found for one key.
type salvaged struct {
	ts      uint64
	deleted bool
	value   []byte
}

// readTable calls keep with every entry of the table file at path that can
// be read, and returns how many it read. Each block is read (and its
// checksum checked) on its own: a damaged block is reported, with its key
// range (user keys; the second nil for the table's last block), and the
// blocks after it are read all the same. The table's index (checked by
// openTable) says where each block starts and how many entries the table
// holds.
func readTable(path string, keep func(key []byte, meta byte, value []byte)) (n int, ranges [][2][]byte, err error) {
	t, err := openTable(path, options.None, 0, false) // its index, checked
	if err != nil {
		return 0, nil, err
	}
	defer closeTable(t)
	name := filepath.Base(path)
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("table %s is damaged after %d entries: %s", name, n, oneLine(v))
		}
	}()
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
		read, bad := readBlock(it, b, []byte(start), end, func(key []byte, v y.ValueStruct) {
			if v.Meta&(1<<1) == 0 { // not a pointer into the value log, which holds nothing of ours
				keep(key, v.Meta, v.Value)
				n++
			}
		})
		seen += read
		if bad != "" {
			damaged = append(damaged, fmt.Sprintf("block %d: %s", b+1, bad))
			r := [2][]byte{bytes.Clone(y.ParseKey([]byte(start))), nil}
			if end != nil {
				r[1] = bytes.Clone(y.ParseKey(end))
			}
			ranges = append(ranges, r)
		}
	}
	switch want := int(t.KeyCount()); {
	case len(damaged) > 0:
		return n, ranges, fmt.Errorf("table %s is damaged (%s; %d blocks in all): %d of its %d entries were read", name, strings.Join(damaged, "; "), len(starts), seen, want)
	case seen < want:
		return n, ranges, fmt.Errorf("table %s is damaged: %d of its %d entries were read", name, seen, want)
	}
	return n, nil, nil
}

// readBlock reads, with it, the entries of block b, from key start (its
// first) up to key end (the first of the next block; nil for the last),
// calling f with each, and returns how many it read, and what went wrong
// if the block could not be read to its end.
func readBlock(it *table.Iterator, b int, start, end []byte, f func(key []byte, v y.ValueStruct)) (n int, damage string) {
	defer func() {
		if v := recover(); v != nil {
			if be, ok := v.(*table.BlockError); ok && be.Block != b {
				return // the next block failed: this one was read whole
			}
			damage = oneLine(v)
			if be, ok := v.(*table.BlockError); ok {
				damage = oneLine(be.Err)
			}
		}
	}()
	for it.Seek(start); it.Valid(); it.Next() {
		if end != nil && y.CompareKeys(it.Key(), end) >= 0 {
			return n, ""
		}
		f(it.Key(), it.Value())
		n++
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
	if cerr := unlocking(db.Close); err == nil {
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
