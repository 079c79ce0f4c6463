//go:build unix

package main

import (
	"os"
	"syscall"
)

// allocatedSize returns the bytes of disk the file fi describes takes: its
// blocks, which a sparse file (a fresh memtable) has fewer of than its size.
func allocatedSize(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return fi.Size()
}
