//go:build unix

package secretstore

import "golang.org/x/sys/unix"

// folderWritable returns why this process may not create files in dir, or
// nil: access(2) with W_OK, which sees the folder's permissions, the
// process's user and groups, and a file system mounted read-only (EROFS).
func folderWritable(dir string) error {
	return unix.Access(dir, unix.W_OK|unix.X_OK)
}
