package secretstore

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"strconv"
)

// Badger's write-ahead logs (*.mem), read without Badger: checkFolder uses
// scanLog to find damage in the middle of a log and the newest commit it
// holds, and Recover to salvage committed transactions past damage.

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
	header    []byte     // the log's header (key id and IV), nil when the file is shorter
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
	s.header = append([]byte(nil), b[:logHeaderSize]...)
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

// newest returns the version of the last transaction committed before any
// damage (0 when there is none): the newest commit Badger replays.
func (s *logScan) newest() uint64 {
	var n uint64
	for _, txn := range s.committed {
		for _, e := range txn.entries {
			n = max(n, keyTs(e.key))
		}
	}
	return n
}

// keyTs returns the version of a key as Badger stores it: its last 8 bytes,
// inverted.
func keyTs(key []byte) uint64 {
	if len(key) <= 8 {
		return 0
	}
	return ^binary.BigEndian.Uint64(key[len(key)-8:])
}
