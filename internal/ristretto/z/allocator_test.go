package z

import "testing"

// TestAllocatorNewMemory: once its first buffer is full, an Allocator hands
// out memory of a new buffer, never memory it has handed out already
// (secretstore patch 5: on 32-bit platforms it started over at the start of
// its first buffer). Run on GOARCH=386 or arm to see the bug.
func TestAllocatorNewMemory(t *testing.T) {
	a := NewAllocator(512, "TestAllocatorNewMemory")
	defer a.Release()
	var blocks [][]byte
	for i := range 64 {
		b := a.Allocate(300)
		for j := range b {
			b[j] = byte(i)
		}
		blocks = append(blocks, b)
	}
	for i, b := range blocks {
		for j := range b {
			if b[j] != byte(i) {
				t.Fatalf("block %d was overwritten (byte %d is %d): the allocator handed out its memory twice", i, j, b[j])
			}
		}
	}
}
