package secretstore

import (
	"bytes"
	"errors"
	"fmt"
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
	"github.com/secretstore-go/secretstore/internal/ristretto/z"
)

// Damaged files. Badger copes with a crash, but not with damage, and when it
// opens a folder it changes files: it makes a new MANIFEST when there is
// none and deletes every table the MANIFEST does not list, replays a
// write-ahead log up to the first bad byte and cuts it there, and skips a
// table whose index checksum fails. Damage to a table's blocks it does not
// see at all, or it panics on it. So before Badger opens a folder,
// checkFolder reads every file as Badger will, and more (every table's
// blocks, what the MANIFEST no longer lists, the WATERMARK), and Open
// refuses a folder with damage (ErrCorrupt naming each damaged file and the
// recover command), having changed nothing. Files that hold nothing of the
// store's and that Badger could not open (an emptied write-ahead log left by
// a kill, a damaged KEYREGISTRY, value log or DISCARD; the store uses none of
// Badger's encryption or value log) are moved aside into lost+found, never
// deleted.

// lostAndFound is the folder, inside the data folder, where Open moves files
// it must not keep in the way of Badger.
const lostAndFound = "lost+found"

// folderCheck is what checkFolder found in a data folder.
type folderCheck struct {
	dir   string
	fresh bool // no database files yet: a new store

	problems []string // damage: each names its file
	// aside lists the files (names in dir) to move into lost+found before
	// Badger opens the folder, with why.
	aside []asideFile
	// leftovers are the table files the MANIFEST does not list that a
	// kill left unfinished, or whose every entry is in the database at the
	// same version or a newer one: Badger deletes them as it opens.
	leftovers []string

	tables []wmTable // the tables the MANIFEST lists, checked
	logs   []wmLog   // the logs present
	newest uint64    // the newest commit in a table or a log
	view   *folderView
}

// asideFile is a file checkFolder moves out of Badger's way.
type asideFile struct{ name, why string }

// err returns the ErrCorrupt error for the problems found, or nil.
func (fc *folderCheck) err() error {
	if len(fc.problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: in %s, %s. Nothing was changed; run \"secretstore recover --data %s --to NEW_FOLDER\" to copy what can be read into a new folder",
		ErrCorrupt, fc.dir, strings.Join(fc.problems, "; "), fc.dir)
}

func (fc *folderCheck) problem(format string, args ...any) {
	fc.problems = append(fc.problems, fmt.Sprintf(format, args...))
}

// close releases the tables the check opened.
func (fc *folderCheck) close() {
	if fc != nil && fc.view != nil {
		fc.view.close()
	}
}

// The files of a data folder that are Badger's.
const (
	keyRegistryName = badger.KeyRegistryFileName
	discardName     = "DISCARD"
)

// checkFolder reads every Badger file of dir, which Badger opens with bo,
// and the watermark wm (nil when there is none), and reports what it finds.
// It changes nothing. It fails only when the folder cannot be read; damage
// is in the result's problems.
func checkFolder(dir string, bo badger.Options, wm *wmState) (*folderCheck, error) {
	fc := &folderCheck{dir: dir, view: &folderView{logged: map[string]logged{}}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			fc.fresh = true
			return fc, nil
		}
		return nil, err
	}
	present := map[string]os.DirEntry{}
	var tableFiles []uint64
	var memFiles, vlogFiles []uint64
	for _, e := range entries {
		name := e.Name()
		present[name] = e
		switch ext := filepath.Ext(name); ext {
		case ".sst":
			if id, ok := parseTableName(name); ok {
				tableFiles = append(tableFiles, id)
			}
		case ".mem", ".vlog":
			if fid, err := strconv.ParseUint(strings.TrimSuffix(name, ext), 10, 32); err == nil {
				if ext == ".mem" {
					memFiles = append(memFiles, fid)
				} else {
					vlogFiles = append(vlogFiles, fid)
				}
			}
		}
	}
	_, hasManifest := present[badger.ManifestFilename]
	_, hasRegistry := present[keyRegistryName]
	_, hasDiscard := present[discardName]
	if !hasManifest && len(tableFiles)+len(memFiles)+len(vlogFiles) == 0 && !hasRegistry && !hasDiscard {
		if wm != nil && (wm.Durable > 0 || len(wm.Tables) > 0) {
			fc.problem("the database's files (MANIFEST, tables and logs) are missing, though %s records writes up to version %d", watermarkName, wm.Durable)
			return fc, nil
		}
		fc.fresh = true
		return fc, nil
	}
	if !hasManifest {
		// Badger would write a new, empty MANIFEST and delete every table.
		fc.problem("MANIFEST is missing (it lists the database's tables; Badger would start an empty database and delete them)")
		fc.checkLogs(dir, memFiles, vlogFiles, wm)
		return fc, nil
	}
	manifest, ok := fc.readManifest(dir, bo)
	if !ok {
		fc.checkLogs(dir, memFiles, vlogFiles, wm)
		return fc, nil
	}
	known := map[uint64]wmTable{}
	if wm != nil {
		for _, t := range wm.Tables {
			known[t.ID] = t
		}
	}
	// The tables the MANIFEST lists: each present, whole, and this store's.
	listedIDs := make([]uint64, 0, len(manifest.Tables))
	for id := range manifest.Tables {
		listedIDs = append(listedIDs, id)
	}
	slices.Sort(listedIDs)
	for _, id := range listedIDs {
		tm := manifest.Tables[id]
		name := tableName(id)
		if _, ok := present[name]; !ok {
			fc.problem("table %s is missing (the MANIFEST lists it)", name)
			continue
		}
		if tm.KeyID != 0 {
			fc.problem("table %s is encrypted with Badger data key %d (the MANIFEST says so), which this store never uses: the MANIFEST or the table is not this store's", name, tm.KeyID)
			continue
		}
		path := filepath.Join(dir, name)
		st, err := statTable(id, path)
		if err != nil {
			fc.problem("table %s cannot be read: %v", name, err)
			continue
		}
		kt, wasKnown := known[id]
		verified := wasKnown && kt.sameFile(st)
		t, err := openTable(path, tm.Compression, bo.BlockSize, !verified)
		if err != nil {
			fc.problem("%v", err)
			continue
		}
		if wasKnown && kt.Footer != st.Footer {
			fc.problem("table %s is not the one this store wrote (%s records another): it was replaced, perhaps by another store's", name, watermarkName)
			closeTable(t)
			continue
		}
		fc.view.add(&viewTable{id: id, level: int(tm.Level), t: t})
		fc.tables = append(fc.tables, st)
		fc.newest = max(fc.newest, t.MaxVersion())
	}
	fc.checkLevels()
	fc.checkLogs(dir, memFiles, vlogFiles, wm)
	// Tables the MANIFEST does not list. Badger deletes them: they may go
	// only if a kill left them unfinished, or every entry they hold is in
	// the database at the same version or a newer one (a flush or a
	// compaction killed before it recorded its new tables).
	for _, id := range tableFiles {
		if _, ok := manifest.Tables[id]; ok {
			continue
		}
		fc.checkUnlisted(dir, id, bo.BlockSize)
	}
	fc.checkWatermark(wm, present)
	fc.checkBadgerFiles(dir, present)
	return fc, nil
}

// readManifest replays the MANIFEST as Badger will, reporting damage. A
// record cut short at the end of the file (a crash while Badger appended
// it) is not damage by itself: Badger drops it, and the tables it would
// have added are then checked as tables the MANIFEST does not list.
func (fc *folderCheck) readManifest(dir string, bo badger.Options) (badger.Manifest, bool) {
	path := filepath.Join(dir, badger.ManifestFilename)
	f, err := os.Open(path)
	if err != nil {
		fc.problem("MANIFEST cannot be read: %v", err)
		return badger.Manifest{}, false
	}
	defer f.Close()
	m, _, err := replayManifest(f, bo)
	if err != nil {
		fc.problem("MANIFEST is damaged: %s", oneLine(err))
		return badger.Manifest{}, false
	}
	return m, true
}

// replayManifest is badger.ReplayManifestFile, turning a panic of Badger's
// into an error.
func replayManifest(f *os.File, bo badger.Options) (m badger.Manifest, off int64, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%s", oneLine(v))
		}
	}()
	return badger.ReplayManifestFile(f, bo.ExternalMagicVersion, bo)
}

// checkLevels reports tables on the same level (below level 0) whose keys
// overlap: a MANIFEST that does not match the tables. Badger refuses such a
// folder too, but only after it has changed files.
func (fc *folderCheck) checkLevels() {
	byLevel := map[int][]*viewTable{}
	for _, vt := range fc.view.tables {
		if vt.level > 0 {
			byLevel[vt.level] = append(byLevel[vt.level], vt)
		}
	}
	for level, ts := range byLevel {
		sort.Slice(ts, func(i, j int) bool { return y.CompareKeys(ts[i].t.Smallest(), ts[j].t.Smallest()) < 0 })
		for i := 1; i < len(ts); i++ {
			if y.CompareKeys(ts[i-1].t.Biggest(), ts[i].t.Smallest()) >= 0 {
				fc.problem("tables %s and %s hold overlapping keys, yet the MANIFEST puts both on level %d: the MANIFEST does not match the tables", tableName(ts[i-1].id), tableName(ts[i].id), level)
			}
		}
	}
}

// checkLogs reads the write-ahead logs and value logs.
func (fc *folderCheck) checkLogs(dir string, mems, vlogs []uint64, wm *wmState) {
	slices.Sort(mems)
	inWatermark := map[string]bool{}
	if wm != nil {
		for _, l := range wm.Logs {
			inWatermark[l.name()] = true
		}
	}
	for _, fid := range mems {
		name := logName(logMem, fid)
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		if err != nil {
			fc.problem("write-ahead log %s cannot be read: %v", name, err)
			continue
		}
		if fi.Size() == 0 {
			if inWatermark[name] {
				fc.problem("write-ahead log %s is empty, but it held writes (%s records its header)", name, watermarkName)
			} else {
				// A kill just after Badger created it, before its header
				// (Badger cannot open it: dgraph-io/badger#2207).
				fc.aside = append(fc.aside, asideFile{name, "an empty write-ahead log, left by a kill as Badger created it"})
			}
			continue
		}
		scan, err := scanLog(path)
		switch {
		case err != nil:
			fc.problem("write-ahead log %s cannot be read: %v", name, err)
			continue
		case scan.lost > 0:
			fc.problem("write-ahead log %s is damaged at byte %d: %d committed transactions after it would be lost", name, scan.end, scan.lost)
			continue
		case len(scan.header) < logHeaderSize:
			fc.problem("write-ahead log %s is damaged: %d bytes, shorter than its header", name, fi.Size())
			continue
		case keyID(scan.header) != 0:
			fc.problem("write-ahead log %s is encrypted with Badger data key %d, which this store never uses: it is damaged or not this store's", name, keyID(scan.header))
			continue
		}
		fc.logs = append(fc.logs, wmLog{Kind: logMem, Fid: fid, Header: scan.header, Last: scan.newest()})
		fc.newest = max(fc.newest, scan.newest())
		for _, txn := range scan.committed {
			for _, e := range txn.entries {
				fc.view.log(e)
			}
		}
	}
	for _, fid := range vlogs {
		name := logName(logVlog, fid)
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			fc.problem("value log %s cannot be read: %v", name, err)
			continue
		}
		// The store keeps every value in the tables (Options.badgerOptions):
		// a value log holds its header and nothing else.
		var h []byte
		if len(b) >= logHeaderSize {
			h = b[:logHeaderSize]
		}
		if h == nil || keyID(h) != 0 {
			fc.aside = append(fc.aside, asideFile{name, "a damaged value log (the store keeps no values in value logs)"})
			continue
		}
		fc.logs = append(fc.logs, wmLog{Kind: logVlog, Fid: fid, Header: bytes.Clone(h)})
	}
}

// keyID returns the Badger data key id in a log's header.
func keyID(header []byte) uint64 { return y.BytesToU64(header[:8]) }

// checkUnlisted checks table id, which the MANIFEST does not list.
func (fc *folderCheck) checkUnlisted(dir string, id uint64, blockSize int) {
	name := tableName(id)
	t, err := openTable(filepath.Join(dir, name), options.None, blockSize, true)
	if err != nil {
		fc.leftovers = append(fc.leftovers, name) // unfinished: a kill during its write
		return
	}
	defer closeTable(t)
	missing, err := fc.view.uncovered(t)
	switch {
	case err != nil:
		fc.problem("table %s, which the MANIFEST does not list, cannot be read: %s", name, oneLine(err))
	case missing > 0:
		fc.problem("table %s is not in the MANIFEST, yet %d of its %d entries are nowhere else in the database: the MANIFEST is damaged or not this store's", name, missing, t.KeyCount())
	default:
		fc.leftovers = append(fc.leftovers, name)
	}
}

// checkWatermark compares the folder with what the watermark recorded.
func (fc *folderCheck) checkWatermark(wm *wmState, present map[string]os.DirEntry) {
	if wm == nil {
		return
	}
	// Every acknowledged write is in a table or a log (unless a table
	// could not be read, which is reported already).
	if fc.newest < wm.Durable && len(fc.problems) == 0 {
		var where []string
		for _, l := range wm.Logs {
			if l.Kind == logMem {
				where = append(where, l.name())
			}
		}
		fc.problem("writes up to version %d were acknowledged (%s records it), but the newest in the folder is version %d: a write-ahead log (%s) or a table is missing, emptied or cut",
			wm.Durable, watermarkName, fc.newest, strings.Join(where, ", "))
	}
	found := map[string]wmLog{}
	for _, l := range fc.logs {
		found[l.name()] = l
	}
	newestKnown := [2]uint64{}
	for _, l := range wm.Logs {
		newestKnown[l.Kind] = max(newestKnown[l.Kind], l.Fid)
		name := l.name()
		f, ok := found[name]
		switch {
		case ok && !bytes.Equal(f.Header, l.Header):
			fc.problem("%s %s is not the one this store wrote (%s records another header): it was replaced, perhaps by another store's", logKind(l.Kind), name, watermarkName)
		case ok && l.Last > f.Last:
			fc.problem("write-ahead log %s was cut or damaged: it held writes up to version %d (%s records it), and now ends at version %d", name, l.Last, watermarkName, f.Last)
		case ok, l.Kind == logVlog:
		case present[name] != nil:
			// Present but not read whole: reported above.
		case l.Last > 0 && fc.tablesNewest() < l.Last:
			// (A log whose newest commit is not known, the newest when the
			// watermark was written, is covered by the check of every
			// acknowledged write above; Badger also deletes a log that
			// holds nothing as it opens.)
			fc.problem("write-ahead log %s is missing (%s records it), and the writes it held (up to version %d) are in no table", name, watermarkName, l.Last)
		}
	}
	recorded := map[string]bool{}
	for _, l := range wm.Logs {
		recorded[l.name()] = true
	}
	for _, l := range fc.logs {
		if l.Kind == logMem && !recorded[l.name()] && l.Fid < newestKnown[l.Kind] {
			fc.problem("write-ahead log %s is older than the logs %s records, yet not among them: it is not this store's", l.name(), watermarkName)
		}
	}
}

// tablesNewest returns the newest commit in a listed table.
func (fc *folderCheck) tablesNewest() uint64 {
	var n uint64
	for _, vt := range fc.view.tables {
		n = max(n, vt.t.MaxVersion())
	}
	return n
}

func logKind(kind byte) string {
	if kind == logVlog {
		return "value log"
	}
	return "write-ahead log"
}

// checkBadgerFiles checks KEYREGISTRY and DISCARD, which hold nothing of the
// store's (it uses neither Badger's encryption nor its value log), but
// which Badger refuses to open, or may panic on, when they are damaged:
// such a file is moved aside, and Badger writes a new one.
func (fc *folderCheck) checkBadgerFiles(dir string, present map[string]os.DirEntry) {
	if present[keyRegistryName] != nil {
		if err := checkKeyRegistry(dir); err != nil {
			fc.aside = append(fc.aside, asideFile{keyRegistryName, "a damaged KEYREGISTRY (" + oneLine(err) + "; the store uses no Badger data keys)"})
		}
	}
	if e := present[discardName]; e != nil {
		if fi, err := e.Info(); err == nil && fi.Size() > 0 && fi.Size() < 16 {
			fc.aside = append(fc.aside, asideFile{discardName, "a damaged DISCARD (value log statistics, which the store does not use)"})
		}
	}
}

// checkKeyRegistry reads KEYREGISTRY as Badger will.
func checkKeyRegistry(dir string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%s", oneLine(v))
		}
	}()
	kr, err := badger.OpenKeyRegistry(badger.KeyRegistryOptions{Dir: dir, ReadOnly: true})
	if err != nil {
		return err
	}
	return kr.Close()
}

// openTable opens the table file at path read-only as Badger does, reading
// its index (and checking the index's checksum), and with verify every
// block's checksum too; a panic of Badger's on a damaged file is an error.
// closeTable releases it.
func openTable(path string, compression options.CompressionType, blockSize int, verify bool) (t *table.Table, err error) {
	name := filepath.Base(path)
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil && !errors.Is(err, z.NewFile) {
		return nil, fmt.Errorf("table %s cannot be read: %v", name, err)
	}
	defer func() {
		if v := recover(); v != nil {
			mf.Close(-1)
			t, err = nil, fmt.Errorf("table %s is damaged: %s", name, oneLine(v))
		}
	}()
	if len(mf.Data) < 8 {
		mf.Close(-1)
		return nil, fmt.Errorf("table %s is damaged: %d bytes long", name, len(mf.Data))
	}
	t, err = table.OpenTable(mf, table.Options{ReadOnly: true, ChkMode: options.OnBlockRead, Compression: compression, BlockSize: blockSize})
	if err != nil {
		// OpenTable closes mf when it fails.
		return nil, fmt.Errorf("table %s is damaged: %s", name, oneLine(err))
	}
	if verify {
		if err := t.VerifyChecksum(); err != nil {
			closeTable(t)
			return nil, fmt.Errorf("table %s is damaged: %s", name, oneLine(err))
		}
	}
	return t, nil
}

// closeTable releases a table openTable opened. Not t.DecrRef: the last
// reference's release deletes the table's file.
func closeTable(t *table.Table) { t.MmapFile.Close(-1) }

// oneLine returns v's text on one line, and at most 300 bytes of it:
// Badger's panics span lines (a banner, then the cause, or a dump of a
// table's footer), which a log line and an error message do not want.
func oneLine(v any) string {
	s := strings.Join(strings.Fields(fmt.Sprint(v)), " ")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}

// folderView reads a folder's tables and logs without Badger, as Badger
// will: the newest version of a key among the tables the MANIFEST lists and
// the committed transactions of the write-ahead logs.
type folderView struct {
	tables []*viewTable
	logged map[string]logged // user key: its newest entry in a log
}

type viewTable struct {
	id    uint64
	level int
	t     *table.Table
}

// logged is an entry of a write-ahead log.
type logged struct {
	ts    uint64
	meta  byte
	value []byte
}

func (v *folderView) add(vt *viewTable) { v.tables = append(v.tables, vt) }

func (v *folderView) log(e logEntry) {
	user, ts := string(e.key[:len(e.key)-8]), keyTs(e.key)
	if old, ok := v.logged[user]; !ok || ts >= old.ts {
		v.logged[user] = logged{ts: ts, meta: e.meta, value: e.value}
	}
}

func (v *folderView) close() {
	for _, vt := range v.tables {
		closeTable(vt.t)
	}
	v.tables = nil
}

// newest returns the newest version of user key key, from the tables and
// the logs: its version, meta bits and value; ok is false when there is
// none.
func (v *folderView) newest(key []byte) (e logged, ok bool, err error) {
	if l, found := v.logged[string(key)]; found {
		e, ok = l, true
	}
	hash := y.Hash(key)
	seek := y.KeyWithTs(key, math.MaxUint64)
	for _, vt := range v.tables {
		if bytes.Compare(y.ParseKey(vt.t.Smallest()), key) > 0 || bytes.Compare(key, y.ParseKey(vt.t.Biggest())) > 0 || vt.t.DoesNotHave(hash) {
			continue
		}
		te, found, err := tableNewest(vt.t, key, seek)
		if err != nil {
			return e, ok, fmt.Errorf("table %s: %w", tableName(vt.id), err)
		}
		if found && (!ok || te.ts > e.ts) {
			e, ok = te, true
		}
	}
	return e, ok, nil
}

// tableNewest returns the newest entry of key in t; a panic of Badger's on
// a damaged block is an error.
func tableNewest(t *table.Table, key, seek []byte) (e logged, found bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("damaged: %s", oneLine(v))
		}
	}()
	it := t.NewIterator(0)
	defer it.Close()
	it.Seek(seek)
	if !it.Valid() || !bytes.Equal(y.ParseKey(it.Key()), key) {
		return e, false, nil
	}
	vs := it.Value()
	return logged{ts: y.ParseTs(it.Key()), meta: vs.Meta, value: bytes.Clone(vs.Value)}, true, nil
}

// uncovered returns how many entries of table t have no entry of the same
// key at the same version or a newer one among the view's tables and logs.
func (v *folderView) uncovered(t *table.Table) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged: %s", oneLine(r))
		}
	}()
	it := t.NewIterator(0)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		key := y.ParseKey(it.Key())
		if bytes.HasPrefix(key, badgerPrefix) {
			continue
		}
		e, ok, err := v.newest(key)
		if err != nil {
			return n, err
		}
		if !ok || e.ts < y.ParseTs(it.Key()) {
			n++
		}
	}
	return n, nil
}

// badgerPrefix starts the keys Badger writes for itself.
var badgerPrefix = []byte("!badger!")
