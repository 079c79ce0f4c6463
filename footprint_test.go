package secretstore

import (
	"context"
	"runtime"
	"strings"
	"testing"
)

// TestInMemoryFootprint opens 50 in-memory stores, each with one secret,
// and fails if they hold more than 2 MiB of heap each: test suites open
// many. (A footprint is a number a test can assert, unlike a time.) Values
// up to the 64 KiB maximum still fit its memtable.
func TestInMemoryFootprint(t *testing.T) {
	const n, limit = 50, 2 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	stores := make([]*Store, 0, n)
	for i := range n {
		s, err := Open(context.Background(), Options{InMemory: true, MasterKey: newTestKey(t), DisableReaper: true})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			mustCreate(t, s, "large", strings.Repeat("x", 65536))
			mustPut(t, s, "large", strings.Repeat("y", 65536))
		} else {
			mustCreate(t, s, "one", "v")
		}
		stores = append(stores, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("heap per in-memory store: %.2f MiB", float64(per)/(1<<20))
	if per > limit {
		t.Errorf("each in-memory store holds %.2f MiB of heap, more than 2 MiB", float64(per)/(1<<20))
	}
	for _, s := range stores {
		mustClose(t, s)
	}
}
