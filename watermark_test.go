package secretstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWatermarkEncoding: a watermark decodes to what was encoded, bytes left
// by a longer one after it are ignored, and any changed byte, a cut, or
// another file is not taken for one.
func TestWatermarkEncoding(t *testing.T) {
	t.Parallel()
	s := &wmState{
		Durable: 1234,
		Logs:    []wmLog{{Kind: logVlog, Fid: 7, Header: make([]byte, logHeaderSize)}, {Kind: logMem, Fid: 8, Header: []byte("0123456789abcdefghij"), Last: 99}},
		Tables:  []wmTable{{ID: 3, Size: 4096, Mtime: 1, Ctime: -2, Ino: 5, Footer: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}},
	}
	b := s.encode()
	got, err := decodeWatermark(append(b, "left over"...))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(s) {
		t.Fatalf("decoded %+v, want %+v", got, s)
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		if _, err := decodeWatermark(c); err == nil {
			t.Errorf("byte %d changed: decoded", i)
		}
		if _, err := decodeWatermark(b[:i]); err == nil {
			t.Errorf("cut at %d: decoded", i)
		}
	}
	if _, err := decodeWatermark([]byte("MANIFEST-like bytes, not a watermark")); !errors.Is(err, errBadWatermark) {
		t.Errorf("another file: %v", err)
	}
}

// writeAckedAndKill writes n secrets in a child process with synced writes
// (each acknowledged after its sync, and so after the watermark records
// it), and kills the child: the folder's write-ahead log holds them.
func writeAckedAndKill(t *testing.T, n int) (data string, key []byte) {
	t.Helper()
	dir := t.TempDir()
	key = newTestKey(t)
	if err := os.WriteFile(filepath.Join(dir, "key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	killedChild(t, "TestLostLogRefused", "SECRETSTORE_WM_CHILD="+dir, fmt.Sprintf("SECRETSTORE_WM_N=%d", n))
	return filepath.Join(dir, "data"), key
}

// TestLostLogRefused: after a kill, the write-ahead log holds acknowledged
// writes that are in no table. Deleted, emptied or cut, Badger alone would
// open the folder without them; the watermark knows they were acknowledged,
// and Open refuses the folder naming the log, changing nothing.
func TestLostLogRefused(t *testing.T) {
	if dir := os.Getenv("SECRETSTORE_WM_CHILD"); dir != "" {
		key, _ := os.ReadFile(filepath.Join(dir, "key"))
		var n int
		fmt.Sscan(os.Getenv("SECRETSTORE_WM_N"), &n)
		s := mustOpenDisk(t, filepath.Join(dir, "data"), Options{MasterKey: key, MemoryBudget: 64 << 20})
		for i := range n {
			mustCreate(t, s, fmt.Sprintf("s%03d", i), fmt.Sprintf("value %03d", i))
		}
		fmt.Println("ready to be killed")
		select {}
	}
	t.Parallel()
	data, key := writeAckedAndKill(t, 50)
	logs, _ := filepath.Glob(filepath.Join(data, "*.mem"))
	if len(logs) == 0 {
		t.Fatal("the killed child left no write-ahead log")
	}
	var newest string
	for _, l := range logs {
		if s, err := scanLog(l); err == nil && len(s.committed) > 0 {
			newest = l
		}
	}
	for _, tt := range []struct {
		name   string
		damage func(path string) error
	}{
		{"deleted", os.Remove},
		{"emptied", func(p string) error { return os.Truncate(p, 0) }},
		{"cut after its header", func(p string) error { return os.Truncate(p, logHeaderSize+100) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, data, dir)
			if err := tt.damage(filepath.Join(dir, filepath.Base(newest))); err != nil {
				t.Fatal(err)
			}
			before := filesSum(t, dir)
			_, err := Open(context.Background(), Options{Dir: dir, MasterKey: key, DisableReaper: true})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(newest)) || !strings.Contains(err.Error(), "secretstore recover") {
				t.Fatalf("Open: %v; want ErrCorrupt naming %s", err, filepath.Base(newest))
			}
			if filesSum(t, dir) != before {
				t.Error("the refused Open changed the folder's files")
			}
		})
	}
	// As the kill left it, the folder opens with every acknowledged write.
	s := mustOpenDisk(t, data, Options{MasterKey: key})
	defer mustClose(t, s)
	if n := len(listNames(t, s, &ListSecretsInput{})); n != 50 {
		t.Errorf("%d secrets after the kill; want 50", n)
	}
}

// TestWatermarkDamagedOrForeign: a WATERMARK that does not decode, or that
// is another store's (it matches none of the folder's logs and tables),
// holds nothing of the store's: Open moves it into lost+found, logs it,
// and opens with every secret; it then writes a new one.
func TestWatermarkDamagedOrForeign(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	base := t.TempDir()
	s := mustOpenDisk(t, base, Options{MasterKey: key, MemoryBudget: 8 << 20})
	for i := range 200 {
		mustCreate(t, s, fmt.Sprintf("s%03d", i), strings.Repeat("v", 4000))
	}
	mustClose(t, s)
	other := t.TempDir()
	s = mustOpenDisk(t, other, Options{MasterKey: newTestKey(t), MemoryBudget: 8 << 20})
	for i := range 200 {
		mustCreate(t, s, fmt.Sprintf("s%03d", i), strings.Repeat("w", 4000))
	}
	mustClose(t, s)
	foreign, err := os.ReadFile(filepath.Join(other, watermarkName))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		content func(b []byte) []byte
	}{
		{"a byte changed", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"emptied", func([]byte) []byte { return nil }},
		{"another store's", func([]byte) []byte { return foreign }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, base, dir)
			path := filepath.Join(dir, watermarkName)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tt.content(b), 0o600); err != nil {
				t.Fatal(err)
			}
			s := mustOpenDisk(t, dir, Options{MasterKey: key})
			if n := len(listNames(t, s, &ListSecretsInput{})); n != 200 {
				t.Errorf("%d secrets; want 200", n)
			}
			mustClose(t, s)
			aside, _ := filepath.Glob(filepath.Join(dir, lostAndFound, watermarkName+".*"))
			if len(aside) != 1 {
				t.Errorf("lost+found holds %v; want the watermark moved aside", aside)
			}
			if wm, err := readWatermark(dir); err != nil || wm == nil || wm.foreign(dir) {
				t.Errorf("the new watermark: %+v, %v", wm, err)
			}
		})
	}
}
