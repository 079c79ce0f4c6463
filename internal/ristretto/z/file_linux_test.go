package z_test

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/secretstore-go/secretstore/internal/ristretto/z"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// TestNewFileIsNotReadAhead (secretstore patch 9): writing the first byte of
// a file just created and mapped brings that page into memory, not the
// device's read-ahead window of the hole behind it (128 KiB by default, 8
// MiB on some virtual disks), which Badger's memtable files, 8 MiB holes
// written a few bytes at a time, paid at every Open.
func TestNewFileIsNotReadAhead(t *testing.T) {
	if e := testutil.Emulator(); e != "" {
		t.Skipf("under %s, which takes madvise and ignores it", e)
	}
	const size = 8 << 20
	mf, err := z.OpenMmapFile(filepath.Join(t.TempDir(), "00001.mem"), os.O_CREATE|os.O_RDWR|os.O_EXCL, size)
	if err != z.NewFile {
		t.Fatalf("OpenMmapFile of a new file: %v, want NewFile", err)
	}
	defer mf.Close(-1)
	mf.Data[0] = 1
	vec := make([]byte, len(mf.Data)/os.Getpagesize())
	// golang.org/x/sys/unix has no Mincore.
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&mf.Data[0])), uintptr(len(mf.Data)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	resident := 0
	for _, v := range vec {
		resident += int(v & 1)
	}
	// One page was written; a read-ahead would bring 32 or more.
	if resident > 4 {
		t.Fatalf("%d pages of a new %d MiB file are in memory after one byte was written to it: the first fault read ahead", resident, size>>20)
	}
}
