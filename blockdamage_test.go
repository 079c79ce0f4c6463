package secretstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/record"
)

// logFunc is a slog.Handler that calls itself with every record.
type logFunc func(slog.Record)

func (f logFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (f logFunc) Handle(_ context.Context, r slog.Record) error { f(r); return nil }
func (f logFunc) WithAttrs([]slog.Attr) slog.Handler            { return f }
func (f logFunc) WithGroup(string) slog.Handler                 { return f }

// tableDataEnd returns where the data blocks of the table file b end: the
// index, its length, its checksum and the checksum's length follow.
func tableDataEnd(b []byte) int {
	n := len(b) - 4
	n -= int(binary.BigEndian.Uint32(b[n:]))
	n -= 4
	return n - int(binary.BigEndian.Uint32(b[n:]))
}

// blockStore writes 300 secrets s000..s299 into a store in dir and closes
// it, so they are in tables; it returns the options, the names, and the
// table holding the record of s150 with the record's offset in it.
func blockStore(t *testing.T, dir string) (o Options, names []string, victim string, at int) {
	t.Helper()
	o = Options{MasterKey: newTestKey(t), MemoryBudget: 8 << 20, DisableReaper: true}
	s := mustOpenDisk(t, dir, o)
	for i := range 300 {
		names = append(names, fmt.Sprintf("s%03d", i))
		mustCreate(t, s, names[i], "value "+names[i])
	}
	var rec []byte
	err := s.c.read(func(t *tx) (err error) {
		rec, err = t.get(record.SecretKey(s.region, "s150"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s) // flushes the memtables to tables
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	for _, path := range tables {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(b, rec); i >= 0 && i == bytes.LastIndex(b, rec) && i+len(rec) < tableDataEnd(b) {
			return o, names, path, i
		}
	}
	t.Fatalf("the record of s150 is not in the data blocks of a table: %v", tables)
	return
}

// flipByte changes the byte at off of the file at path in place (the file
// keeps its size, so a store that has it mapped goes on).
func flipByte(t *testing.T, path string, off int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, int64(off)); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, int64(off)); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedTableBlock changes a byte inside one secret's record in the
// middle of a table's data blocks, past the index and the footer, while
// the store is closed: Open checks every block of a table that changed
// since the store last saw it, refuses the folder with ErrCorrupt naming
// the table and the recover command, and changes no file.
func TestDamagedTableBlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, _, victim, at := blockStore(t, dir)
	flipByte(t, victim, at+1)
	before := filesSum(t, dir)
	_, err := openDisk(t, dir, o)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(victim)) || !strings.Contains(err.Error(), "secretstore recover") {
		t.Errorf("Open: %v; want ErrCorrupt naming %s and secretstore recover", err, filepath.Base(victim))
	}
	if filesSum(t, dir) != before {
		t.Error("the refused Open changed the folder's files")
	}
}

// TestDamagedTableBlockAtRuntime damages a table block under an open store
// (the file changed while the store has it mapped): a read of a secret
// whose record is in the block fails with ErrCorrupt naming the secret,
// never an older value or ResourceNotFound; every other secret reads, and
// ListSecrets lists all those outside the block. A compaction that meets the
// block fails and keeps the table (Badger took such a block for the end of
// the table, and the compaction dropped the rest of it), so the reads stay
// as they were; a reopen refuses the folder. On 32-bit ARM as on amd64.
func TestDamagedTableBlockAtRuntime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	o, names, victim, at := blockStore(t, dir)
	failed := make(chan struct{})
	var once sync.Once
	o.Logger = slog.New(logFunc(func(r slog.Record) {
		if strings.Contains(r.Message, "Compact FAILED") && strings.Contains(r.Message, "cannot be read") {
			once.Do(func() { close(failed) })
		}
	}))
	s := mustOpenDisk(t, dir, o)
	damagedOnPurpose.Store(s, true)
	defer mustClose(t, s)
	flipByte(t, victim, at+1)

	check := func(when string) {
		t.Helper()
		var bad []string
		for _, name := range names {
			out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name})
			switch {
			case errors.Is(err, ErrCorrupt):
				if !strings.Contains(err.Error(), "secret "+name+" in us-east-1") {
					t.Errorf("%s: GetSecretValue(%s): %v; want it to name the secret", when, name, err)
				}
				bad = append(bad, name)
			case err != nil:
				t.Errorf("%s: GetSecretValue(%s): %v", when, name, err)
			case out.SecretString != "value "+name:
				t.Errorf("%s: %s = %q", when, name, out.SecretString)
			}
		}
		if !slices.Contains(bad, "s150") {
			t.Errorf("%s: the damaged secret s150 read", when)
		}
		if len(bad) > 60 {
			t.Errorf("%s: %d secrets fail to read; want only those of one block", when, len(bad))
		}
		listed := listNames(t, s, &ListSecretsInput{Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"s"}}}})
		for _, name := range names {
			if !slices.Contains(bad, name) && !slices.Contains(listed, name) {
				t.Errorf("%s: %s reads but is not listed", when, name)
			}
		}
		for _, name := range listed {
			if slices.Contains(bad, name) {
				t.Errorf("%s: %s is listed though its record cannot be read", when, name)
			}
		}
	}
	check("after the damage")
	// Count (health and metrics) walks every key: the damage is an error
	// naming it, not a panic.
	if _, err := s.Count(t.Context()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Count of a store with a damaged table block: %v, want ErrCorrupt", err)
	}
	// Enough writes for level 0 to be compacted with the damaged table in
	// it: the compaction fails, is logged, and keeps the table.
	for i := range 250 {
		mustCreate(t, s, fmt.Sprintf("t%03d", i), strings.Repeat("w", 20000))
	}
	select {
	case <-failed:
	case <-time.After(time.Minute):
		t.Fatal("no compaction met the damaged table")
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("the failed compaction removed the damaged table: %v", err)
	}
	check("after a failed compaction")
	mustClose(t, s)
	before := filesSum(t, dir)
	if _, err := openDisk(t, dir, o); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(victim)) {
		t.Errorf("reopen: %v; want ErrCorrupt naming %s", err, filepath.Base(victim))
	}
	if filesSum(t, dir) != before {
		t.Error("the refused Open changed the folder's files")
	}
}
