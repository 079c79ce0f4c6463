//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package secretstore

import "os"

// lockFolder does nothing here: Badger takes its own lock (a LOCK file it
// holds open), which also keeps a second process out.
func lockFolder(string) (*os.File, error) { return nil, nil }

// badgerLocks reports whether Badger must take its own lock.
const badgerLocks = true

// fileIdentity is not known here: a table's size and modification time
// alone say whether it changed.
func fileIdentity(os.FileInfo) (ctime int64, ino uint64) { return 0, 0 }

// folderWritable and spareDescriptors are not checked here: Badger's own
// errors say it.
func folderWritable(string) error     { return nil }
func spareDescriptors(*os.File) error { return nil }
