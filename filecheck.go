package secretstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Damaged files. Badger copes with a crash, but not with damage: a table
// file cut short or with a changed footer makes it panic while it opens,
// and a write-ahead log (*.mem) with a changed byte in the middle is read
// up to that byte and cut there, silently dropping every transaction
// committed after it. So before Badger opens a folder, checkFiles reads
// the index of every table and every log, and Open refuses a folder with
// damage (ErrCorrupt), leaving its files as they are.

// checkFiles looks for damage in the Badger files of dir, which Badger
// opens with bo.
func checkFiles(dir string, bo badger.Options) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	listed, known := manifestTables(dir, bo)
	var damaged []string
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch filepath.Ext(e.Name()) {
		case ".sst":
			if id, ok := table.ParseFileID(e.Name()); known && ok && !listed[id] {
				// A table a flush or compaction was writing when the
				// process died, not yet in the MANIFEST: empty or part
				// zeros, and Badger deletes it as it opens.
				continue
			}
			if err := checkTable(path); err != nil {
				damaged = append(damaged, err.Error())
			}
		case ".mem":
			scan, err := scanLog(path)
			switch {
			case err != nil:
				damaged = append(damaged, err.Error())
			case scan.lost > 0:
				damaged = append(damaged, fmt.Sprintf("%s is damaged at byte %d: %d committed transactions after it would be lost", e.Name(), scan.end, scan.lost))
			}
		}
	}
	if len(damaged) > 0 {
		return fmt.Errorf("%w: %s. Nothing was changed; run \"secretstore recover\" to copy what can be read into a new folder", ErrCorrupt, strings.Join(damaged, "; "))
	}
	return nil
}

// checkTable opens the table file at path as Badger does, reading its
// footer and index (and checking the index's checksum), and turns a panic
// of Badger's into an error. It does not read the data blocks, which would
// make Open read every table: damage there is found when a block is read
// (see badgerOptions).
func checkTable(path string) (err error) {
	name := filepath.Base(path)
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil && !errors.Is(err, z.NewFile) {
		return fmt.Errorf("table %s: %v", name, err)
	}
	defer func() {
		if v := recover(); v != nil {
			// Badger's panics span lines (a banner, then the cause): one
			// line is what a log and an error message want.
			err = fmt.Errorf("table %s is damaged: %s", name, strings.Join(strings.Fields(fmt.Sprint(v)), " "))
		}
	}()
	if len(mf.Data) < 8 {
		mf.Close(-1)
		return fmt.Errorf("table %s is damaged: %d bytes long", name, len(mf.Data))
	}
	t, err := table.OpenTable(mf, table.Options{ReadOnly: true, ChkMode: options.NoVerification, Compression: options.None})
	if err != nil {
		return fmt.Errorf("table %s is damaged: %v", name, err)
	}
	// Not t.DecrRef: the last reference's release deletes the table's file.
	return t.MmapFile.Close(-1)
}

// Badger's log format, as its value.go and memtable.go write it.
const (
	logHeaderSize = 20 // the log file's own header
	bitDelete     = 1 << 0
	bitTxn        = 1 << 6
	bitFinTxn     = 1 << 7
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// logEntry is one entry of a write-ahead log.
type logEntry struct {
	meta       byte
	key, value []byte // key ends with its 8-byte version
	size       int    // bytes in the file
}

// parseLogEntry parses the entry at the start of b; ok is false when b
// does not start with a whole entry whose checksum matches.
func parseLogEntry(b []byte) (e logEntry, ok bool) {
	if len(b) < 2 {
		return e, false
	}
	e.meta = b[0]
	n := 2
	var l [3]uint64
	for i := range l {
		v, m := binary.Uvarint(b[n:])
		if m <= 0 {
			return e, false
		}
		l[i], n = v, n+m
	}
	klen, vlen := l[0], l[1]
	if klen == 0 || klen > 1<<16 || vlen > uint64(len(b)) || uint64(n)+klen+vlen+4 > uint64(len(b)) {
		return e, false
	}
	end := n + int(klen) + int(vlen)
	if crc32.Checksum(b[:end], castagnoli) != binary.BigEndian.Uint32(b[end:]) {
		return e, false
	}
	e.key, e.value, e.size = b[n:n+int(klen)], b[n+int(klen):end], end+4
	return e, true
}

// logTxn is a transaction found in a log: its entries, without the marker
// that ends it.
type logTxn struct {
	ts      uint64
	entries []logEntry
}

// logScan is what scanLog found in a log.
type logScan struct {
	end       int64      // where Badger will stop reading: after the last whole transaction before any damage
	committed []logTxn   // the whole transactions before end, in order
	lost      int        // transactions committed after end, which Badger would drop
	salvage   []logTxn   // those of them that are whole, in order
	damaged   []logEntry // the entries read of transactions that are not whole
}

// scanLog reads the log at path as Badger replays it, then looks past the
// point where Badger stops for transactions that were committed after it.
// After a crash the log ends with zeros, or with one transaction that was
// being written (its entries, then a cut): nothing committed follows the
// stop. A committed transaction (one ended by its marker) after the stop
// means damage in the middle of the log, and is counted as lost; the
// transaction in which the damage lies cannot be recovered whole.
func scanLog(path string) (logScan, error) {
	var s logScan
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if len(b) < logHeaderSize {
		return s, nil // Badger rewrites a log with no header
	}
	// The part Badger replays: whole transactions, from the start.
	off := logHeaderSize
	s.end = int64(off)
	var txn logTxn
	for off < len(b) {
		e, ok := parseLogEntry(b[off:])
		if !ok {
			break
		}
		off += e.size
		if e.meta&bitFinTxn != 0 {
			ts, err := strconv.ParseUint(string(e.value), 10, 64)
			if err != nil || ts != txn.ts {
				break
			}
			s.committed = append(s.committed, txn)
			txn, s.end = logTxn{}, int64(off)
			continue
		}
		if e.meta&bitTxn == 0 {
			if txn.entries != nil {
				break
			}
			s.committed = append(s.committed, logTxn{entries: []logEntry{e}})
			s.end = int64(off)
			continue
		}
		if ts := keyTs(e.key); txn.entries == nil {
			txn.ts = ts
		} else if ts != txn.ts {
			break
		}
		txn.entries = append(txn.entries, e)
	}
	// Past it: look for whole transactions, resynchronising byte by byte
	// over damage, up to the last byte that is not zero.
	last := len(b)
	for last > int(s.end) && b[last-1] == 0 {
		last--
	}
	// A transaction is whole only if none of it lies where bytes were
	// skipped: after damage, every entry up to the next end marker is of
	// a damaged transaction.
	txn = logTxn{}
	tainted := false
	for off = int(s.end); off < last; {
		e, ok := parseLogEntry(b[off:last])
		if !ok {
			off++
			if !tainted {
				s.damaged = append(s.damaged, txn.entries...)
			}
			txn, tainted = logTxn{}, true
			continue
		}
		off += e.size
		switch {
		case e.meta&bitFinTxn != 0:
			ts, err := strconv.ParseUint(string(e.value), 10, 64)
			if err != nil || ts == 0 {
				break
			}
			s.lost++ // committed, whole or not
			if !tainted && ts == txn.ts && txn.entries != nil {
				s.salvage = append(s.salvage, txn)
			} else {
				s.damaged = append(s.damaged, txn.entries...)
			}
			txn, tainted = logTxn{}, false
		case e.meta&bitTxn == 0:
			s.salvage = append(s.salvage, logTxn{entries: []logEntry{e}})
			s.lost++
			txn = logTxn{}
		default:
			if ts := keyTs(e.key); txn.entries == nil || ts != txn.ts {
				txn = logTxn{ts: ts}
			}
			txn.entries = append(txn.entries, e)
		}
	}
	if s.lost == 0 {
		s.damaged = nil // a cut tail: no damage, nothing committed lost
	}
	return s, nil
}

// keyTs returns the version of a key as Badger stores it: its last 8 bytes,
// inverted.
func keyTs(key []byte) uint64 {
	if len(key) <= 8 {
		return 0
	}
	return ^binary.BigEndian.Uint64(key[len(key)-8:])
}

// openBadger opens the Badger database for o, refusing a folder whose
// files are damaged.
func openBadger(o Options, bo badger.Options) (*badger.DB, error) {
	if !o.InMemory {
		if err := checkFiles(o.Dir, bo); err != nil {
			return nil, err
		}
		if err := removeEmptyLogs(o.Dir); err != nil {
			return nil, err
		}
	}
	return badger.Open(bo)
}

// manifestTables returns the ids of the tables the MANIFEST in dir lists;
// known is false when it cannot be read (none yet, or damaged, in which
// case Badger refuses the folder itself).
func manifestTables(dir string, bo badger.Options) (listed map[uint64]bool, known bool) {
	f, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	m, _, err := badger.ReplayManifestFile(f, bo.ExternalMagicVersion, bo)
	if err != nil {
		return nil, false
	}
	listed = make(map[uint64]bool, len(m.Tables))
	for id := range m.Tables {
		listed[id] = true
	}
	return listed, true
}

// removeEmptyLogs deletes the write-ahead logs of dir that are empty (no
// byte at all): a process killed just after Badger created one leaves it
// so, and Badger then refuses to open the folder ("while opening memtables
// ... Create a new file", dgraph-io/badger#2207). An empty log holds
// nothing, so removing it loses nothing.
func removeEmptyLogs(dir string) error {
	logs, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return err
	}
	for _, path := range logs {
		if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("removing the empty write-ahead log %s: %w", path, err)
			}
		}
	}
	return nil
}
