package secretstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
)

// openedFolder is a data folder Open has checked and opened.
type openedFolder struct {
	db      *badger.DB
	lock    *os.File // holds the folder's lock; nil where Badger takes its own
	state   wmState  // what the watermark is to start from
	keyring []byte   // the keyring record checkFolder read, nil when there is none
	keys    *keys    // the keys it opens with the master key
}

// unlocking runs release, which releases a lock on a data folder (the
// store's, or Badger's own: both are a lock of an open file) by closing the
// file that holds it, under syscall.ForkLock. A child process being started
// meanwhile (os/exec) holds a copy of that file until it runs its program,
// and with it the lock, so an Open of the folder at that moment would fail
// as if another process had it; the read lock waits for such a start to
// end.
func unlocking(release func() error) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	return release()
}

// openFolder opens the Badger database in o.Dir with bo, refusing a damaged
// folder with ErrCorrupt and a wrong master key with ErrWrongMasterKey
// before Badger changes anything (see checkFolder).
func openFolder(ctx context.Context, o Options, bo badger.Options, src keySource) (_ *openedFolder, err error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("secretstore: creating the data folder: %w", err)
	}
	lock, err := lockFolder(o.Dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil && lock != nil {
			unlocking(lock.Close)
		}
	}()
	wm, err := readWatermark(o.Dir)
	var aside []asideFile
	if errors.Is(err, errBadWatermark) {
		// Cut by a power loss as it was written, or damaged: it holds
		// nothing of the store's, and the checks go on without it.
		aside = append(aside, asideFile{watermarkName, "a damaged " + watermarkName})
		wm, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: in %s, %s cannot be read: %v. Nothing was changed; run \"secretstore recover --data %s --to NEW_FOLDER\" to copy what can be read into a new folder", ErrCorrupt, o.Dir, watermarkName, err, o.Dir)
	}
	if wm != nil && wm.foreign(o.Dir) {
		// Another store's, copied over this one's: it guards nothing here.
		aside = append(aside, asideFile{watermarkName, "another store's " + watermarkName + ": it matches none of the folder's logs and tables"})
		wm = nil
	}
	fc, err := checkFolder(o.Dir, bo, wm)
	if err != nil {
		return nil, fmt.Errorf("secretstore: reading the data folder %s: %w", o.Dir, err)
	}
	defer fc.close()
	if err := fc.err(); err != nil {
		return nil, err
	}
	f := &openedFolder{lock: lock}
	if !fc.fresh {
		if f.keyring, f.keys, err = fc.checkKeys(src); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := moveAside(o.Dir, append(aside, fc.aside...), o.Logger); err != nil {
		return nil, err
	}
	for _, name := range fc.leftovers {
		o.Logger.Info("secretstore: Badger deletes a table a kill left behind: every entry it holds is in the database, or it was never finished", "file", filepath.Join(o.Dir, name))
	}
	before, _ := os.ReadDir(o.Dir)
	db, err := badger.Open(bo.WithBypassLockGuard(!badgerLocks))
	if err != nil {
		removeCreated(o.Dir, before)
		if strings.Contains(err.Error(), "Another process is using this Badger database") {
			return nil, fmt.Errorf("%w: %s", ErrDataFolderInUse, o.Dir)
		}
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("secretstore: opening the database in %s: the data folder or a file in it is not writable: %w", o.Dir, err)
		}
		return nil, fmt.Errorf("%w: in %s, Badger could not open the database: %s. Run \"secretstore recover --data %s --to NEW_FOLDER\" to copy what can be read into a new folder", ErrCorrupt, o.Dir, oneLine(err), o.Dir)
	}
	f.db = db
	if wm != nil {
		f.state.Durable = wm.Durable
	}
	f.state.Tables = fc.tables
	f.state.Logs = fc.logs
	return f, nil
}

// checkKeys reads the keyring from the folder's files and checks the master
// key against it, before Badger opens the folder: a wrong key changes
// nothing. It returns the keyring record and the keys, or nils on a
// database without a keyring yet (Open creates it).
func (fc *folderCheck) checkKeys(src keySource) ([]byte, *keys, error) {
	e, ok, err := fc.view.newest(record.KeyringKey())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: in %s, the keyring cannot be read: %v. Nothing was changed; run \"secretstore recover --data %s --to NEW_FOLDER\"", ErrCorrupt, fc.dir, err, fc.dir)
	}
	if !ok || e.meta&bitDelete != 0 {
		if fc.newest > 0 {
			// The keyring is the first record a store writes: the
			// folder holds writes, so it was lost.
			return nil, nil, fmt.Errorf("%w: in %s, the keyring record (which checks the master key) is missing, though the folder holds writes. Nothing was changed; run \"secretstore recover --data %s --to NEW_FOLDER\"", ErrCorrupt, fc.dir, fc.dir)
		}
		return nil, nil, nil
	}
	kr, err := record.DecodeKeyring(e.value)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: in %s, the keyring record is damaged (%v). Nothing was changed; run \"secretstore recover --data %s --to NEW_FOLDER\"", ErrCorrupt, fc.dir, err, fc.dir)
	}
	k, err := keysFor(kr, src)
	if err != nil {
		return nil, nil, err
	}
	return e.value, k, nil
}

// moveAside moves the files of dir named in files into its lost+found
// folder, each with the time as a suffix, and logs each move.
func moveAside(dir string, files []asideFile, log *slog.Logger) error {
	if len(files) == 0 {
		return nil
	}
	lf := filepath.Join(dir, lostAndFound)
	if err := os.MkdirAll(lf, 0o700); err != nil {
		return fmt.Errorf("secretstore: creating %s: %w", lf, err)
	}
	stamp := time.Now().UTC().Format("20060102T150405.000000000Z")
	for _, a := range files {
		to := filepath.Join(lf, a.name+"."+stamp)
		if err := os.Rename(filepath.Join(dir, a.name), to); err != nil {
			return fmt.Errorf("secretstore: moving %s aside into %s: %w", a.name, lf, err)
		}
		log.Warn("secretstore: moved a file aside: it holds nothing of the store's, and Badger could not open it", "file", a.name, "why", a.why, "to", to)
	}
	for _, d := range []string{lf, dir} {
		if err := syncFile(d); err != nil {
			return fmt.Errorf("secretstore: syncing %s: %w", d, err)
		}
	}
	return nil
}

// removeCreated removes the files of dir that are not in before: the ones a
// failed badger.Open created.
func removeCreated(dir string, before []os.DirEntry) {
	had := map[string]bool{}
	for _, e := range before {
		had[e.Name()] = true
	}
	after, _ := os.ReadDir(dir)
	for _, e := range after {
		if !had[e.Name()] && !e.IsDir() {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
