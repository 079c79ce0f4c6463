package secretstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// killedChild runs the test named test in a child process of this test
// binary with env added, waits until the child prints "ready to be
// killed", and kills it (SIGKILL). It returns what the child printed.
func killedChild(t *testing.T, test string, env ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts child processes")
	}
	return runChild(t, test, env, true, time.Minute)
}

// filesSum returns a digest of every file of dir, names and contents.
func filesSum(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %d %x\n", e.Name(), len(b), sha256.Sum256(b))
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestDamagedLogAfterAKill writes 300 secrets in a child process, kills it
// (so they are only in Badger's write-ahead log), changes one byte in the
// middle of the log, and checks that Open refuses the folder with
// ErrCorrupt, says where the damage is, and changes no file; a log cut by
// the kill alone (its tail) opens with everything acknowledged.
func TestDamagedLogAfterAKill(t *testing.T) {
	t.Parallel()
	if dir := os.Getenv("SECRETSTORE_LOG_CHILD"); dir != "" {
		key, _ := os.ReadFile(filepath.Join(dir, "key"))
		s := mustOpenDisk(t, filepath.Join(dir, "data"), Options{MasterKey: key, DisableReaper: true, MemoryBudget: 64 << 20})
		for i := range 300 {
			mustCreate(t, s, fmt.Sprintf("s%03d", i), fmt.Sprintf("value %03d", i))
		}
		fmt.Println("ready to be killed")
		select {}
	}
	dir := t.TempDir()
	key := newTestKey(t)
	os.WriteFile(filepath.Join(dir, "key"), key, 0o600)
	killedChild(t, "TestDamagedLogAfterAKill", "SECRETSTORE_LOG_CHILD="+dir)
	data := filepath.Join(dir, "data")
	logs, _ := filepath.Glob(filepath.Join(data, "*.mem"))
	var log string
	var scan logScan
	for _, l := range logs {
		if s, err := scanLog(l); err == nil && len(s.committed) > len(scan.committed) {
			log, scan = l, s
		}
	}
	if len(scan.committed) < 300 {
		t.Fatalf("the killed child's log holds %d transactions, want its 300 creates: %v", len(scan.committed), logs)
	}
	if scan.lost != 0 {
		t.Fatalf("a log cut only by the kill reads as damaged: %+v", scan.lost)
	}

	// The log as the kill left it opens, with every secret.
	clean := t.TempDir()
	copyDir(t, data, clean)
	s := mustOpenDisk(t, clean, Options{MasterKey: key, DisableReaper: true})
	if n := len(listNames(t, s, &ListSecretsInput{})); n != 300 {
		t.Errorf("after the kill alone: %d secrets, want 300", n)
	}
	mustClose(t, s)

	// One byte changed in the middle.
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	mid := logHeaderSize + int(scan.end-logHeaderSize)/2
	b[mid] ^= 0x5a
	if err := os.WriteFile(log, b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := filesSum(t, data)
	_, err = Open(context.Background(), Options{Dir: data, MasterKey: key, DisableReaper: true})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(log)+" is damaged at byte") ||
		!strings.Contains(err.Error(), "committed transactions after it would be lost") || !strings.Contains(err.Error(), "secretstore recover") {
		t.Fatalf("Open of a folder whose log is damaged: %v; want ErrCorrupt naming the log", err)
	}
	if filesSum(t, data) != before {
		t.Error("the refused Open changed the folder's files")
	}

	// Recover salvages every transaction but the damaged one.
	to := filepath.Join(t.TempDir(), "recovered")
	rep, err := Recover(context.Background(), data, Options{Dir: to, MasterKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if filesSum(t, data) != before {
		t.Error("Recover changed the damaged folder")
	}
	if rep.LostTransactions != 1 || rep.SalvagedTransactions == 0 || len(rep.Lost) != 1 || len(rep.Problems) != 0 {
		t.Fatalf("Recover report: %+v; want one lost transaction (one secret), the others salvaged, no problem", rep)
	}
	r := mustOpenDisk(t, to, Options{MasterKey: key, DisableReaper: true})
	defer mustClose(t, r)
	names := listNames(t, r, &ListSecretsInput{})
	if len(names) != 299 || slices.Contains(names, strings.TrimSuffix(rep.Lost[0], " in us-east-1")) {
		t.Errorf("recovered %d secrets; want the 299 the report does not name as lost (%v)", len(names), rep.Lost)
	}
	for _, name := range names {
		if got, want := mustGet(t, r, name), "value "+strings.TrimPrefix(name, "s"); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

// TestDamagedTables cuts a table file in half, or changes its footer, and
// checks that Open returns ErrCorrupt naming it, never panics, and changes
// no file.
func TestDamagedTables(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	base := t.TempDir()
	o := Options{Dir: base, MasterKey: key, DisableReaper: true, MemoryBudget: 8 << 20}
	s := mustOpenDisk(t, base, o)
	for i := range 400 {
		mustCreate(t, s, fmt.Sprintf("s%03d", i), strings.Repeat("v", 4096))
	}
	mustClose(t, s) // flushes the memtables to tables
	tables, _ := filepath.Glob(filepath.Join(base, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table was written")
	}
	for _, tt := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"cut in half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"a footer byte changed", func(b []byte) []byte { b[len(b)-3] ^= 0xff; return b }},
		{"the index length changed", func(b []byte) []byte { b[len(b)-40] ^= 0x10; return b }},
		{"emptied", func(b []byte) []byte { return nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, base, dir)
			victim := filepath.Join(dir, filepath.Base(tables[0]))
			b, err := os.ReadFile(victim)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(victim, tt.damage(bytes.Clone(b)), 0o600); err != nil {
				t.Fatal(err)
			}
			before := filesSum(t, dir)
			o.Dir = dir
			_, err = Open(context.Background(), o)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(victim)) {
				t.Errorf("Open: %v; want ErrCorrupt naming %s", err, filepath.Base(victim))
			}
			if filesSum(t, dir) != before {
				t.Error("the refused Open changed the folder's files")
			}
			rep, err := Recover(context.Background(), dir, Options{Dir: filepath.Join(t.TempDir(), "new"), MasterKey: key})
			if err != nil {
				t.Fatal(err)
			}
			damaged := 0
			for _, f := range rep.Files {
				if f.Damage != "" {
					damaged++
				}
			}
			if damaged != 1 || rep.Secrets == 0 || rep.Secrets >= 400 {
				t.Errorf("Recover report: %+v; want one damaged table and the secrets of the others", rep)
			}
		})
	}
}

// TestUnlistedTablesAreNotDamage: a kill during a flush or a compaction
// leaves a table file the MANIFEST does not list yet, empty or partly
// zeros. Badger deletes it as it opens; Open must not refuse the folder
// for it.
func TestUnlistedTablesAreNotDamage(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	for _, content := range [][]byte{nil, make([]byte, 64<<10), append(bytes.Repeat([]byte{7}, 1000), make([]byte, 3000)...)} {
		dir := t.TempDir()
		s := mustOpenDisk(t, dir, Options{MasterKey: key})
		mustCreate(t, s, "a", "v")
		mustClose(t, s)
		if err := os.WriteFile(filepath.Join(dir, "000999.sst"), content, 0o600); err != nil {
			t.Fatal(err)
		}
		s = mustOpenDisk(t, dir, Options{MasterKey: key})
		if got := mustGet(t, s, "a"); got != "v" {
			t.Errorf("a = %q", got)
		}
		mustClose(t, s)
	}
}

// TestEmptyLogAfterAKill: a kill just after Badger creates a write-ahead
// log leaves it empty, which Badger cannot open (dgraph-io/badger#2207);
// Open removes it, and the data is all there.
func TestEmptyLogAfterAKill(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	dir := t.TempDir()
	s := mustOpenDisk(t, dir, Options{MasterKey: key})
	mustCreate(t, s, "a", "v")
	mustClose(t, s)
	if err := os.WriteFile(filepath.Join(dir, "00009.mem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpenDisk(t, dir, Options{MasterKey: key})
	defer mustClose(t, s)
	if got := mustGet(t, s, "a"); got != "v" {
		t.Errorf("a = %q", got)
	}
	mustPut(t, s, "a", "w")
}

// copyDir copies the files of src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
