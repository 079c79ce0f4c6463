package secretstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
	"log/slog"
)

// The watermark. Badger's own files cannot tell a write-ahead log that was
// deleted, emptied or cut from one that never held more, nor a table or a
// log copied in from another store from this store's own. So the store
// keeps WATERMARK beside them: the newest commit that was durable when it
// was written (every write acknowledged before that moment is at or below
// it), the identity of each write-ahead and value log (the random IV in its
// header) with the newest commit known to be in it, and the identity of
// each table (its size, times and inode, and a digest of its index's
// footer). Open compares the folder with it before Badger opens anything
// (checkFolder): an acknowledged write missing, or a file that is not the
// one this store wrote, makes Open refuse the folder.
//
// The file is rewritten in place after each group sync (before the writers
// are acknowledged), when the tables change, and at Close; it is not synced
// itself. That keeps it a lower bound: it is written after the data it
// describes was synced, so after a power loss it may be older than the
// folder, never newer. A watermark that does not decode (cut by a power loss
// while it was written, or damaged) is moved aside into lost+found and Open
// goes on without its checks: it protects the other files and holds nothing
// of the store's itself.

// watermarkName is the watermark's file name in the data folder.
const watermarkName = "WATERMARK"

// watermarkMagic starts the file; the byte after it is the format version.
var watermarkMagic = [4]byte{'S', 'S', 'W', 'M'}

const watermarkVersion = 1

// wmState is what a watermark records.
type wmState struct {
	// Durable is the newest commit version that was durable when the
	// watermark was written: every acknowledged write is at or below it.
	Durable uint64
	Logs    []wmLog   // the write-ahead and value logs, by kind and id
	Tables  []wmTable // the tables, by id
}

// wmLog is one log file as the watermark knows it.
type wmLog struct {
	Kind   byte   // logMem or logVlog
	Fid    uint64 // the number in its name
	Header []byte // its first logHeaderSize bytes: key id and random IV
	// Last is the newest commit known to be in it (0: unknown). It is set
	// once the log is no longer the newest of its kind, when it no longer
	// changes.
	Last uint64
}

// The kinds of log.
const (
	logMem  byte = 0 // a write-ahead log, *.mem
	logVlog byte = 1 // a value log, *.vlog
)

// name returns the log's file name as Badger writes it.
func (l wmLog) name() string { return logName(l.Kind, l.Fid) }

func logName(kind byte, fid uint64) string {
	if kind == logVlog {
		return fmt.Sprintf("%06d.vlog", fid)
	}
	return fmt.Sprintf("%05d.mem", fid)
}

// wmTable is one table file as the watermark knows it.
type wmTable struct {
	ID     uint64
	Size   int64
	Mtime  int64 // nanoseconds
	Ctime  int64 // nanoseconds; 0 where the system does not say
	Ino    uint64
	Footer [8]byte // a digest of the table's last bytes: its index's length and checksum
}

// sameFile reports whether fi still describes the file t records: a table
// is never rewritten, so any change means it was changed or replaced.
func (t wmTable) sameFile(s wmTable) bool {
	return t.Size == s.Size && t.Mtime == s.Mtime && t.Ctime == s.Ctime && t.Ino == s.Ino
}

// tableName returns the file name of table id as Badger writes it.
func tableName(id uint64) string { return fmt.Sprintf("%06d.sst", id) }

// statTable returns what the watermark records of the table file at path.
func statTable(id uint64, path string) (wmTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return wmTable{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return wmTable{}, err
	}
	t := wmTable{ID: id, Size: fi.Size(), Mtime: fi.ModTime().UnixNano()}
	t.Ctime, t.Ino = fileIdentity(fi)
	tail := make([]byte, min(fi.Size(), 64))
	if _, err := f.ReadAt(tail, fi.Size()-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return wmTable{}, err
	}
	sum := sha256.Sum256(tail)
	copy(t.Footer[:], sum[:])
	return t, nil
}

// encode returns the file's bytes for s.
func (s *wmState) encode() []byte {
	b := append([]byte(nil), watermarkMagic[:]...)
	b = append(b, watermarkVersion, 0, 0, 0) // version, then the body's length
	b = binary.AppendUvarint(b, s.Durable)
	b = binary.AppendUvarint(b, uint64(len(s.Logs)))
	for _, l := range s.Logs {
		b = append(b, l.Kind)
		b = binary.AppendUvarint(b, l.Fid)
		b = binary.AppendUvarint(b, uint64(len(l.Header)))
		b = append(b, l.Header...)
		b = binary.AppendUvarint(b, l.Last)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Tables)))
	for _, t := range s.Tables {
		b = binary.AppendUvarint(b, t.ID)
		b = binary.AppendVarint(b, t.Size)
		b = binary.AppendVarint(b, t.Mtime)
		b = binary.AppendVarint(b, t.Ctime)
		b = binary.AppendUvarint(b, t.Ino)
		b = append(b, t.Footer[:]...)
	}
	n := len(b) - 8
	if n >= 1<<24 {
		panic("secretstore: watermark too large") // 16 MiB: over 300,000 tables
	}
	b[5], b[6], b[7] = byte(n>>16), byte(n>>8), byte(n)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// errBadWatermark is what decodeWatermark returns for bytes that are not a
// whole watermark.
var errBadWatermark = errors.New("not a whole watermark")

// decodeWatermark decodes a watermark file's bytes. Bytes past the end of
// the watermark (left by a longer one before it) are ignored.
func decodeWatermark(b []byte) (*wmState, error) {
	if len(b) < 12 || !bytes.Equal(b[:4], watermarkMagic[:]) {
		return nil, errBadWatermark
	}
	if b[4] != watermarkVersion {
		return nil, fmt.Errorf("watermark format %d, which this version of secretstore does not know", b[4])
	}
	n := int(b[5])<<16 | int(b[6])<<8 | int(b[7])
	if 8+n+4 > len(b) || crc32.Checksum(b[:8+n], castagnoli) != binary.BigEndian.Uint32(b[8+n:]) {
		return nil, errBadWatermark
	}
	d := wmDecoder{b: b[8 : 8+n]}
	s := &wmState{Durable: d.uvarint()}
	for range d.count() {
		l := wmLog{Kind: d.byte(), Fid: d.uvarint()}
		l.Header = d.bytes()
		l.Last = d.uvarint()
		s.Logs = append(s.Logs, l)
	}
	for range d.count() {
		t := wmTable{ID: d.uvarint(), Size: d.varint(), Mtime: d.varint(), Ctime: d.varint(), Ino: d.uvarint()}
		copy(t.Footer[:], d.take(8))
		s.Tables = append(s.Tables, t)
	}
	if d.bad || len(d.b) != 0 {
		return nil, errBadWatermark
	}
	return s, nil
}

// wmDecoder reads a watermark's body; bad is set at the first short read.
type wmDecoder struct {
	b   []byte
	bad bool
}

func (d *wmDecoder) take(n int) []byte {
	if d.bad || n < 0 || n > len(d.b) {
		d.bad = true
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *wmDecoder) byte() byte {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *wmDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *wmDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a count of items that are each at least one byte long.
func (d *wmDecoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad = true
		return 0
	}
	return int(n)
}

func (d *wmDecoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	return bytes.Clone(d.take(int(n)))
}

// readWatermark reads the watermark of dir: nil when there is none, and
// errBadWatermark (wrapped) when the file does not decode.
func readWatermark(dir string) (*wmState, error) {
	b, err := os.ReadFile(filepath.Join(dir, watermarkName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeWatermark(b)
}

// foreign reports whether s is another store's watermark (copied over this
// store's): at least two of the logs and tables in dir that it records are
// there, and none of them is the one it records. (With one, it cannot tell
// the watermark from that file; Open then refuses the folder, naming both.)
func (s *wmState) foreign(dir string) bool {
	known, matched := 0, 0
	for _, l := range s.Logs {
		h, err := readHeader(filepath.Join(dir, l.name()))
		if err != nil {
			continue
		}
		known++
		if bytes.Equal(h, l.Header) {
			matched++
		}
	}
	for _, t := range s.Tables {
		st, err := statTable(t.ID, filepath.Join(dir, tableName(t.ID)))
		if err != nil {
			continue
		}
		known++
		if st.Footer == t.Footer {
			matched++
		}
	}
	return known >= 2 && matched == 0
}

// watermark keeps a store's WATERMARK file up to date.
type watermark struct {
	dir   string
	exact bool // writes are synced (Options.SyncWrites): the logs' contents may be recorded
	log   *slog.Logger

	mu      sync.Mutex
	f       *os.File // open for writing; nil until the first write
	written []byte   // what the file holds now
	state   wmState  // what was last written
	names   []string // the logs and tables of the folder at the last update
	failing bool     // the last write failed (logged once)

	stop chan struct{} // closed by close to stop the loop
	done chan struct{} // closed when the loop has stopped
}

// newWatermark returns the watermark of dir starting from state s (what
// Open found), and starts its loop, which close stops. exact says that
// every acknowledged write was synced.
func newWatermark(dir string, s wmState, exact bool, log *slog.Logger) *watermark {
	w := &watermark{dir: dir, exact: exact, log: log, state: s, stop: make(chan struct{}), done: make(chan struct{})}
	w.update(0, nil, false)
	go w.loop(watermarkInterval)
	return w
}

// loop records, every interval, the tables and logs that changed without a
// write (flushes and compactions after the last one).
func (w *watermark) loop(every time.Duration) {
	defer close(w.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.update(0, nil, false)
		}
	}
}

// update records that every commit up to durable is durable (0 keeps the
// recorded one) and the folder's logs and tables (entries, or read again
// when nil), and rewrites the file if that changed anything. synced says
// that every log was synced since the last commit to it: a log that is no
// longer written to may then be read for the newest commit it holds. A
// failure is logged (once until a write succeeds): the watermark is then
// older than the folder, which weakens Open's checks but does not make
// them refuse the folder.
func (w *watermark) update(durable uint64, entries []os.DirEntry, synced bool) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.updateLocked(durable, entries, synced)
	switch {
	case err != nil && !w.failing:
		w.log.Warn("secretstore: the watermark could not be written; Open checks the folder against the last one written", "file", filepath.Join(w.dir, watermarkName), "err", err)
		w.failing = true
	case err == nil && w.failing:
		w.log.Info("secretstore: the watermark is written again", "file", filepath.Join(w.dir, watermarkName))
		w.failing = false
	}
}

func (w *watermark) updateLocked(durable uint64, entries []os.DirEntry, synced bool) error {
	if entries == nil {
		var err error
		if entries, err = os.ReadDir(w.dir); err != nil {
			return err
		}
	}
	var names []string
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".mem", ".vlog", ".sst":
			names = append(names, e.Name())
		}
	}
	next := w.state
	next.Durable = max(next.Durable, durable)
	if !slices.Equal(names, w.names) || synced && w.exact {
		next.Logs = w.logs(names, synced && w.exact)
		next.Tables = w.tables(names)
	}
	if err := w.write(&next); err != nil {
		return err
	}
	w.state, w.names = next, names
	return nil
}

// logs returns the log files among names with their headers, keeping what
// the watermark knew of each. A log that is no longer the newest of its
// kind is read once, to record the newest commit it holds.
func (w *watermark) logs(names []string, readLast bool) []wmLog {
	known := map[string]wmLog{}
	for _, l := range w.state.Logs {
		known[l.name()] = l
	}
	var logs []wmLog
	newest := [2]uint64{}
	for _, name := range names {
		ext := filepath.Ext(name)
		if ext != ".mem" && ext != ".vlog" {
			continue
		}
		fid, err := strconv.ParseUint(strings.TrimSuffix(name, ext), 10, 32)
		if err != nil {
			continue
		}
		kind := logMem
		if ext == ".vlog" {
			kind = logVlog
		}
		newest[kind] = max(newest[kind], fid)
		l, ok := known[name]
		if !ok {
			l = wmLog{Kind: kind, Fid: fid}
		}
		if len(l.Header) < logHeaderSize {
			h, err := readHeader(filepath.Join(w.dir, name))
			if err != nil {
				continue // removed meanwhile, or not written yet
			}
			l.Header = h
		}
		logs = append(logs, l)
	}
	for i := range logs {
		l := &logs[i]
		if readLast && l.Kind == logMem && l.Fid < newest[logMem] && l.Last == 0 {
			// No longer written to: what it holds is final.
			if scan, err := scanLog(filepath.Join(w.dir, l.name())); err == nil {
				l.Last = scan.newest()
			}
		}
	}
	return logs
}

// readHeader returns the first logHeaderSize bytes of the log at path, or an
// error when it has fewer (Badger has not written its header yet).
func readHeader(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := make([]byte, logHeaderSize)
	if _, err := io.ReadFull(f, h); err != nil {
		return nil, err
	}
	if bytes.Equal(h, make([]byte, logHeaderSize)) {
		return nil, errors.New("no header yet")
	}
	return h, nil
}

// tables returns the tables among names that the MANIFEST lists (so never
// one a flush or a compaction is still writing), keeping what the watermark
// knew of each.
func (w *watermark) tables(names []string) []wmTable {
	known := map[uint64]wmTable{}
	for _, t := range w.state.Tables {
		known[t.ID] = t
	}
	var listed map[uint64]badger.TableManifest
	var tables []wmTable
	for _, name := range names {
		id, ok := parseTableName(name)
		if !ok {
			continue
		}
		if t, ok := known[id]; ok {
			tables = append(tables, t)
			continue
		}
		if listed == nil {
			listed = manifestTables(w.dir)
		}
		if _, ok := listed[id]; !ok {
			continue // being written, or deleted
		}
		if t, err := statTable(id, filepath.Join(w.dir, name)); err == nil {
			tables = append(tables, t)
		}
	}
	return tables
}

// manifestTables returns the tables the MANIFEST of dir lists (none when it
// cannot be read). Badger appends to it while this reads: a record cut short
// at the end is one being written, and is skipped.
func manifestTables(dir string) map[uint64]badger.TableManifest {
	f, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return map[uint64]badger.TableManifest{}
	}
	defer f.Close()
	m, _, err := replayManifest(f, badger.DefaultOptions(dir))
	if err != nil || m.Tables == nil {
		return map[uint64]badger.TableManifest{}
	}
	return m.Tables
}

// parseTableName returns the id of a table file name.
func parseTableName(name string) (uint64, bool) {
	if !strings.HasSuffix(name, ".sst") {
		return 0, false
	}
	id, err := strconv.ParseUint(strings.TrimSuffix(name, ".sst"), 10, 64)
	return id, err == nil
}

// write rewrites the file with s, unless it holds s already.
func (w *watermark) write(s *wmState) error {
	b := s.encode()
	if bytes.Equal(b, w.written) {
		return nil
	}
	if w.f == nil {
		f, err := os.OpenFile(filepath.Join(w.dir, watermarkName), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		w.f = f
	}
	if _, err := w.f.WriteAt(b, 0); err != nil {
		return err
	}
	if len(b) < len(w.written) {
		if err := w.f.Truncate(int64(len(b))); err != nil {
			return err
		}
	}
	w.written = b
	return nil
}

// close stops the loop and closes the file, after a last update with
// durable: every commit, once the database is closed.
func (w *watermark) close(durable uint64) error {
	if w == nil {
		return nil
	}
	close(w.stop)
	<-w.done
	w.update(durable, nil, false)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// watermarkInterval is how often the store's watermark loop looks for
// tables and logs that changed without a write (flushes and compactions
// after the last write).
const watermarkInterval = time.Second
