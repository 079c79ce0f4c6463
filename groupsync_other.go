//go:build !linux

package secretstore

import (
	"os"
	"runtime"
)

// datasync flushes f to stable storage.
func datasync(f *os.File) error {
	if runtime.GOOS == "windows" {
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil // Windows cannot flush a folder; its entries are in its file system's journal
		}
	}
	return f.Sync()
}

// openForSync opens path so that datasync may flush it: on Windows a file
// must be open for writing (FlushFileBuffers needs it), which a folder
// cannot be.
func openForSync(path string) (*os.File, error) {
	if runtime.GOOS == "windows" {
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
			return os.OpenFile(path, os.O_RDWR, 0)
		}
	}
	return os.Open(path)
}
