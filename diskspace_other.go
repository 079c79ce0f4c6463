//go:build !(linux || darwin || freebsd)

package secretstore

import "errors"

// freeSpace is not known on this system: the store does not guard against
// a full disk here.
func freeSpace(string) (uint64, error) {
	return 0, errors.New("free space is not known on this system")
}
