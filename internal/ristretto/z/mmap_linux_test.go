package z

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMapsAreNotTracked (secretstore patch 8): mmap's maps are not in
// unix.Mmap's table of maps, which only unix.Munmap cleans: munmap (which
// must handle maps mremap moved) never called it, so the table kept a
// pointer into every map unmapped, which the garbage collector scans. So
// unix.Munmap, which acts only on the maps in its table, refuses one of ours.
func TestMapsAreNotTracked(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "mapped"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(3 << 12); err != nil {
		t.Fatal(err)
	}
	b, err := mmap(f, true, 3<<12)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] = 1 // the map is usable
	if err := unix.Munmap(b); err == nil {
		t.Fatal("unix.Munmap unmapped a map of mmap: unix.Mmap's table holds it, and munmap leaves it there")
	}
	if err := munmap(b); err != nil {
		t.Fatal(err)
	}
}
