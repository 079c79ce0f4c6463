//go:build !unix

package secretstore

import "os"

// folderWritable returns why this process may not create files in dir, or
// nil. Without access(2) it creates and removes an empty file there.
func folderWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
