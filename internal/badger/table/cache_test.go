package table

import (
	"fmt"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/secretstore-go/secretstore/internal/badger/options"
	"github.com/secretstore-go/secretstore/internal/badger/y"
	"github.com/secretstore-go/secretstore/internal/ristretto"
	"github.com/secretstore-go/secretstore/internal/ristretto/z"
)

// TestCachedBlocksOwnTheirBytes (secretstore patch 7): where
// cachedBlocksOwnBytes is set (32-bit systems), a block read for the block
// cache is a copy, never a slice of the table's memory map, which is
// unmapped when the table is deleted while the cache still holds the block;
// elsewhere it is the slice, as Badger made it.
func TestCachedBlocksOwnTheirBytes(t *testing.T) {
	cache, err := ristretto.NewCache[[]byte, *Block](&ristretto.Config[[]byte, *Block]{NumCounters: 1000, MaxCost: 1 << 20, BufferItems: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	opts := Options{BlockSize: 4 << 10, BloomFalsePositive: 0.01, TableSize: 1 << 20, Compression: options.None,
		ChkMode: options.OnBlockRead, BlockCache: cache, AllocPool: z.NewAllocatorPool(1)}
	b := NewTableBuilder(opts)
	for i := range 1000 {
		b.Add(y.KeyWithTs(fmt.Appendf(nil, "key%05d", i), 1), y.ValueStruct{Value: make([]byte, 100)}, 0)
	}
	tbl, err := CreateTable(filepath.Join(t.TempDir(), "000001.sst"), b)
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.DecrRef()
	if tbl.offsetsLength() < 2 || len(tbl.Data) == 0 {
		t.Fatalf("the table has %d blocks and %d mapped bytes; want several blocks, mapped", tbl.offsetsLength(), len(tbl.Data))
	}
	mapped := func(blk *Block) bool {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(tbl.Data)))
		p := uintptr(unsafe.Pointer(unsafe.SliceData(blk.data)))
		return p >= start && p < start+uintptr(len(tbl.Data))
	}
	defer func(v bool) { cachedBlocksOwnBytes = v }(cachedBlocksOwnBytes)
	for i, own := range []bool{true, false} {
		cachedBlocksOwnBytes = own
		blk, err := tbl.block(i, true)
		if err != nil {
			t.Fatal(err)
		}
		if mapped(blk) == own {
			t.Errorf("cachedBlocksOwnBytes %v: block %d in the memory map: %v", own, i, mapped(blk))
		}
		if len(blk.entryOffsets) == 0 || blk.entryOffsets[0] != 0 {
			t.Errorf("block %d: entry offsets %v", i, blk.entryOffsets[:min(3, len(blk.entryOffsets))])
		}
		blk.decrRef()
	}
}
