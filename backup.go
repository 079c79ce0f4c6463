package secretstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
)

// Backups. A backup is a consistent snapshot of the whole store, every
// region, taken while it is in use (Badger's Backup, as its own tools take
// one). It holds what the database holds: names, descriptions, tags and
// labels in the clear, but values only as ciphertext and data keys only
// wrapped by the master key, so it is useless without the master key.

// backupMagic starts every backup, so LoadBackup can tell one.
const backupMagic = "secretstore backup v1\n"

// Backup writes a consistent snapshot of the store to w: every write
// acknowledged before Backup began is in it. Other operations go on
// meanwhile. LoadBackup makes a store of it again.
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
	if _, err := bw.WriteString(backupMagic); err != nil {
		return err
	}
	if _, err := c.db.Backup(ctxWriter{ctx, bw}, 0); err != nil {
		return dbError(err)
	}
	return bw.Flush()
}

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
// master key opens it. On any failure (not a backup, a backup cut short, a
// wrong master key: ErrWrongMasterKey) it removes what it wrote and
// returns the error. Open the store with o afterwards.
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
		return fmt.Errorf("secretstore: this is not a secretstore backup (it does not start with %q)", backupMagic[:len(backupMagic)-1])
	}
	db, err := badger.Open(o.badgerOptions())
	if err != nil {
		return fmt.Errorf("secretstore: creating the database in %q: %w", o.Dir, err)
	}
	err = db.Load(ctxReader{ctx, br}, 256)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("secretstore: loading the backup: %w", err)
	}
	s, err := Open(ctx, o) // checks the master key against the keyring
	if err != nil {
		return err
	}
	return s.Close()
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
