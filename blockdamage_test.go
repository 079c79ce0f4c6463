package secretstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/record"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// tableDataEnd returns where the data blocks of the table file b end: the
// index, its length, its checksum and the checksum's length follow.
func tableDataEnd(b []byte) int {
	n := len(b) - 4
	n -= int(binary.BigEndian.Uint32(b[n:]))
	n -= 4
	return n - int(binary.BigEndian.Uint32(b[n:]))
}

// TestDamagedTableBlock changes a byte inside one secret's record in the
// middle of a table's data blocks, past what Open checks (the index and
// the footer), and checks that the store opens, that the damaged secret
// fails with ErrCorrupt naming it, that every other secret is read and
// listed, and that this still holds after a compaction has rewritten the
// table: no secret is silently lost. (Opening Badger with
// options.OnBlockRead breaks this: Badger drops a block whose checksum
// does not match as if it ended the table, so reads say ResourceNotFound
// for the block's secrets and a compaction deletes them for good.)
func TestDamagedTableBlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := newTestKey(t)
	dir := t.TempDir()
	o := Options{MasterKey: key, MemoryBudget: 8 << 20}
	s := mustOpenDisk(t, dir, o)
	var names []string
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
	var victim string
	var at int
	for _, path := range tables {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(b, rec); i >= 0 && i == bytes.LastIndex(b, rec) && i+len(rec) < tableDataEnd(b) {
			victim, at = path, i
			b[at+1] ^= 0x5a // where the schema version is
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if victim == "" {
		t.Fatalf("the record of s150 is not in the data blocks of a table: %v", tables)
	}

	check := func(when string) {
		t.Helper()
		for _, name := range names {
			out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name})
			switch {
			case name == "s150":
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "secret s150 in us-east-1") {
					t.Errorf("%s: GetSecretValue of the damaged secret: %v; want ErrCorrupt naming it", when, err)
				}
			case err != nil:
				t.Errorf("%s: GetSecretValue(%s): %v", when, name, err)
			case out.SecretString != "value "+name:
				t.Errorf("%s: %s = %q", when, name, out.SecretString)
			}
		}
		if n := len(listNames(t, s, &ListSecretsInput{Filters: []Filter{{Key: FilterNameStringTypeName, Values: []string{"s"}}}})); n != 299 {
			t.Errorf("%s: %d secrets listed, want every one but the damaged one (299)", when, n)
		}
	}
	s = mustOpenDisk(t, dir, o)
	damagedOnPurpose.Store(s, true)
	defer mustClose(t, s)
	check("after Open")

	// Enough writes for level 0 to be compacted, which rewrites the
	// damaged table and deletes it.
	for i := range 400 {
		mustCreate(t, s, fmt.Sprintf("t%03d", i), strings.Repeat("w", 20000))
	}
	if !testutil.WaitDir(filepath.Dir(victim), 30*time.Second, func() bool { _, err := os.Stat(victim); return errors.Is(err, os.ErrNotExist) }) {
		t.Fatalf("%s was not compacted", filepath.Base(victim))
	}
	check("after a compaction")
}
