package secretstore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/secretstore-go/secretstore/internal/badger"
)

// Backups. A backup is a consistent snapshot of the whole store, every
// region, taken while it is in use. It holds what the database holds:
// names, descriptions, tags and labels in the clear, but values only as
// ciphertext and data keys only wrapped by the master key, so it is useless
// without the master key.
//
// The format: backupMagic; then Badger's backup stream (records, each an
// 8-byte little-endian length and that many bytes of a protobuf list of
// entries, as Badger's Backup writes them); then a trailer: an 8-byte
// length of all ones (which no record has), the number of records (8
// bytes, little-endian) and the SHA-256 of every byte before the trailer.
// Badger's stream has no end of its own, so without the trailer a backup
// cut short at a record's end, or holding only its header, would load as
// a smaller store; LoadBackup refuses a backup whose trailer is missing or
// does not match.

// backupMagic starts every backup, so LoadBackup can tell one. A command
// that only asks whether a file is a backup reads "secretstore backup ".
const backupMagic = "secretstore backup v2\n"

// backupMagicV1 started the backups of earlier builds, which had no trailer.
const backupMagicV1 = "secretstore backup v1\n"

const (
	backupTrailerMark = ^uint64(0)          // where a record's length would be
	backupTrailerSize = 8 + 8 + sha256.Size // mark, records, checksum
	// maxBackupRecord bounds a record's length: Badger's records are
	// batches of about 100 MB at most (Stream.MaxSize), and a longer
	// length is damage, not to be allocated.
	maxBackupRecord = 256 << 20
)

// Backup writes a consistent snapshot of the store to w: every write
// acknowledged before Backup began is in it, and every transaction in it
// is whole. Other operations go on meanwhile. LoadBackup makes a store of
// it again.
func (s *Store) Backup(ctx context.Context, w io.Writer) error {
	c, err := s.begin()
	if err != nil {
		return err
	}
	defer c.end()
	if err := ctx.Err(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fw := &backupFrameWriter{w: bw, sum: sha256.New()}
	if _, err := fw.Write([]byte(backupMagic)); err != nil {
		return err
	}
	fw.body = true
	// One goroutine: Badger's Stream gives each of its goroutines a read
	// transaction of its own, begun when the goroutine starts, so with
	// several a transaction committed between two of those starts would be
	// in the backup only in part (the keys in one goroutine's ranges, not
	// those in another's). One goroutine reads everything at one read
	// timestamp.
	stream := c.db.NewStream()
	stream.LogPrefix = "secretstore.Backup"
	stream.NumGo = 1
	if _, err := stream.Backup(ctxWriter{ctx, fw}, 0); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return dbError(err)
	}
	if fw.partial() {
		return fmt.Errorf("%w: the backup stream ended inside a record", ErrInternalServiceError)
	}
	trailer := make([]byte, 0, backupTrailerSize)
	trailer = binary.LittleEndian.AppendUint64(trailer, backupTrailerMark)
	trailer = binary.LittleEndian.AppendUint64(trailer, fw.records)
	trailer = fw.sum.Sum(trailer)
	if _, err := bw.Write(trailer); err != nil {
		return err
	}
	return bw.Flush()
}

// backupFrameWriter passes a backup through to w, hashing every byte and
// counting the records of Badger's stream (after the header, once body is
// set).
type backupFrameWriter struct {
	w       io.Writer
	sum     hash.Hash
	body    bool
	records uint64
	head    [8]byte // the length of the next record, as far as it has come
	nhead   int
	left    uint64 // bytes of the current record still to come
}

func (f *backupFrameWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.sum.Write(p[:n])
	for q := p[:n]; f.body && len(q) > 0; {
		if f.left > 0 {
			k := min(uint64(len(q)), f.left)
			f.left -= k
			q = q[k:]
			continue
		}
		k := copy(f.head[f.nhead:], q)
		f.nhead += k
		q = q[k:]
		if f.nhead == len(f.head) {
			f.left, f.nhead = binary.LittleEndian.Uint64(f.head[:]), 0
			f.records++
		}
	}
	return n, err
}

// partial reports whether the stream stopped inside a record.
func (f *backupFrameWriter) partial() bool { return f.nhead != 0 || f.left != 0 }

// ctxWriter stops a backup when its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (w ctxWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}

// LoadBackup makes a store in o.Dir (a folder that does not exist yet, or
// is empty) from a backup that Store.Backup wrote, and checks that o's
// master key opens it. On any failure (not a backup; a backup cut short or
// damaged: ErrCorrupt; a wrong master key: ErrWrongMasterKey) it removes
// what it wrote, leaving o.Dir as it was, and returns the error. Open the
// store with o afterwards.
func LoadBackup(ctx context.Context, r io.Reader, o Options) (err error) {
	if o.InMemory {
		return errors.New("secretstore: LoadBackup loads into a folder: set Options.Dir, not InMemory")
	}
	o, err = o.withDefaults()
	if err != nil {
		return err
	}
	created, err := emptyFolder(o.Dir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			removeWritten(o.Dir, created)
		}
	}()
	br := bufio.NewReader(r)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != backupMagic {
		if string(magic) == backupMagicV1 {
			return errors.New("secretstore: this backup was written by an earlier build of secretstore, in a format without an end marker, which LoadBackup no longer reads: take a new backup")
		}
		return fmt.Errorf("secretstore: this is not a secretstore backup (it does not start with %q)", backupMagic[:len(backupMagic)-1])
	}
	db, err := badger.Open(o.badgerOptions())
	if err != nil {
		return fmt.Errorf("secretstore: creating the database in %q: %w", o.Dir, err)
	}
	fr := &backupFrameReader{r: br, sum: sha256.New()}
	fr.sum.Write(magic)
	err = loadStream(ctx, db, fr)
	if cerr := unlocking(db.Close); err == nil && cerr != nil {
		err = fmt.Errorf("secretstore: loading the backup: %w", cerr)
	}
	if err != nil {
		return err
	}
	s, err := Open(ctx, o) // checks the master key against the keyring
	if err != nil {
		return err
	}
	return s.Close()
}

// loadStream loads Badger's stream from fr, which checks its framing and
// its trailer, into db. Badger's Load trusts each record's length and
// panics on some damage; a panic, like a record Badger cannot decode in a
// backup whose checksum does not match, is ErrCorrupt.
func loadStream(ctx context.Context, db *badger.DB, fr *backupFrameReader) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &backupDamage{"loading it failed: " + strings.Join(strings.Fields(fmt.Sprint(v)), " ")}
		}
	}()
	err = db.Load(ctxReader{ctx, fr}, 256)
	switch {
	case fr.err != nil:
		err = fr.err // damage, or the reader's own error
	case err == nil && !fr.done:
		err = &backupDamage{"it ends without its end marker"}
	case err != nil && ctx.Err() == nil:
		// Badger failed on a record the framing let through: damage if the
		// rest does not match the checksum, else Badger's own failure.
		if _, derr := io.Copy(io.Discard, fr); derr != nil {
			err = derr
		}
	}
	if err == nil {
		return nil
	}
	var d *backupDamage
	if errors.As(err, &d) || ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("secretstore: loading the backup: %w", err)
}

// backupDamage is the error of a backup that is cut short or damaged.
type backupDamage struct{ msg string }

func (e *backupDamage) Error() string {
	return ErrCorrupt.Error() + ": the backup is damaged: " + e.msg
}

func (e *backupDamage) Is(target error) bool { return target == ErrCorrupt }

// backupFrameReader passes Badger's stream from r on to Badger's Load,
// record by record, checking each record's length, and stops (io.EOF)
// at the trailer once it has checked it. It hashes every byte it reads.
type backupFrameReader struct {
	r       *bufio.Reader
	sum     hash.Hash
	records uint64
	pending []byte // a record's length, read, not yet passed on
	head    [8]byte
	left    uint64 // bytes of the current record still to pass on
	done    bool   // the trailer was read and matched
	err     error  // the first error Read returned: it returns it again
}

func (f *backupFrameReader) Read(p []byte) (n int, err error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err = f.read(p)
	if err != nil && err != io.EOF {
		f.err = err
	}
	return n, err
}

func (f *backupFrameReader) read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	if len(f.pending) == 0 && f.left == 0 {
		if err := f.next(); err != nil {
			return 0, err
		}
		if f.done {
			return 0, io.EOF
		}
	}
	if len(f.pending) > 0 {
		n := copy(p, f.pending)
		f.pending = f.pending[n:]
		return n, nil
	}
	n, err := f.r.Read(p[:min(uint64(len(p)), f.left)])
	f.sum.Write(p[:n])
	f.left -= uint64(n)
	if err == io.EOF {
		if f.left > 0 {
			return n, &backupDamage{fmt.Sprintf("it ends inside record %d: it was cut short", f.records)}
		}
		err = nil
	}
	return n, err
}

// next reads the length of the next record, or the trailer.
func (f *backupFrameReader) next() error {
	if _, err := io.ReadFull(f.r, f.head[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &backupDamage{fmt.Sprintf("it ends after %d records without its end marker: it was cut short", f.records)}
		}
		return err
	}
	size := binary.LittleEndian.Uint64(f.head[:])
	if size == backupTrailerMark {
		return f.trailer()
	}
	if size > maxBackupRecord {
		return &backupDamage{fmt.Sprintf("record %d has an impossible length (%d bytes)", f.records+1, size)}
	}
	f.sum.Write(f.head[:])
	f.records++
	f.pending, f.left = f.head[:], size
	return nil
}

// trailer checks the rest of the trailer, whose mark next has read, and
// that nothing follows it.
func (f *backupFrameReader) trailer() error {
	var t [backupTrailerSize - 8]byte
	if _, err := io.ReadFull(f.r, t[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &backupDamage{"its end marker was cut short"}
		}
		return err
	}
	if n := binary.LittleEndian.Uint64(t[:8]); n != f.records {
		return &backupDamage{fmt.Sprintf("its end marker counts %d records, it holds %d", n, f.records)}
	}
	if !bytes.Equal(t[8:], f.sum.Sum(nil)) {
		return &backupDamage{"its checksum does not match its contents"}
	}
	if _, err := f.r.ReadByte(); err != io.EOF {
		if err != nil {
			return err
		}
		return &backupDamage{"there are bytes after its end marker"}
	}
	f.done = true
	return nil
}

// ctxReader stops a load when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// emptyFolder makes sure dir is an empty folder, creating it (mode 0700)
// if it does not exist; created reports whether it did.
func emptyFolder(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return true, os.MkdirAll(dir, 0o700)
	case err != nil:
		return false, fmt.Errorf("secretstore: %w", err)
	case len(entries) > 0:
		return false, fmt.Errorf("secretstore: %s is not empty: give a new folder", dir)
	}
	return false, nil
}

// removeWritten removes what was written into dir, which emptyFolder
// created or found empty.
func removeWritten(dir string, created bool) {
	if created {
		os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
