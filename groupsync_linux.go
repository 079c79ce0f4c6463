package secretstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync flushes f's data, and only the metadata needed to read it back:
// Badger's logs are preallocated, so their size does not change and an
// fdatasync skips the journal update an fsync makes for the modification
// time.
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// openForSync opens path, a file or a folder, for datasync.
func openForSync(path string) (*os.File, error) { return os.Open(path) }
