package secretstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecoverRefusesTheDamagedFolder: Recover writes what it salvages
// into a new folder, never into the damaged one: a target that is the
// damaged folder, lies inside it (directly, or through a symbolic link) or
// holds it is refused, and nothing is written.
func TestRecoverRefusesTheDamagedFolder(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	parent := t.TempDir()
	data := filepath.Join(parent, "data")
	s := mustOpenDisk(t, data, Options{MasterKey: key, DisableReaper: true})
	mustCreate(t, s, "s", "v")
	mustClose(t, s)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	before := filesSum(t, data)
	for _, tt := range []struct{ name, to, want string }{
		{"the damaged folder", data, "not the damaged one"},
		{"the damaged folder, through a link", link, "not the damaged one"},
		{"a new folder inside it", filepath.Join(data, "sub"), "is inside"},
		{"a new folder two levels inside it", filepath.Join(data, "a", "b"), "is inside"},
		{"inside it, through a link", filepath.Join(link, "sub"), "is inside"},
		{"inside it, unclean", data + "/x/../sub", "is inside"},
		{"a folder that holds it", parent, "holds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Recover(context.Background(), data, Options{Dir: tt.to, MasterKey: key})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Recover into %s: %v; want an error saying %q", tt.to, err, tt.want)
			}
			if filesSum(t, data) != before {
				t.Error("the refused Recover changed the damaged folder")
			}
			if _, err := os.Stat(filepath.Join(data, "sub")); err == nil {
				t.Error("the refused Recover made a folder inside the damaged one")
			}
		})
	}
	// A sibling whose name starts as the damaged folder's does is fine.
	if _, err := Recover(context.Background(), data, Options{Dir: data + "-new", MasterKey: key}); err != nil {
		t.Errorf("Recover into a sibling folder: %v", err)
	}
}

// TestRecoverReportsADamagedBlock changes one byte in the middle of a
// table's data blocks: the block's checksum no longer matches, Badger's
// table iterator stops there, and Recover must report the table as
// damaged (not pass it as whole) and still read the blocks after it.
func TestRecoverReportsADamagedBlock(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	data := t.TempDir()
	o := Options{MasterKey: key, DisableReaper: true, MemoryBudget: 8 << 20}
	s := mustOpenDisk(t, data, o)
	const secrets = 300
	for i := range secrets {
		mustCreate(t, s, fmt.Sprintf("s%03d", i), fmt.Sprintf("value %03d %s", i, strings.Repeat("v", 200)))
	}
	mustClose(t, s) // flushes the memtables to tables
	tables, _ := filepath.Glob(filepath.Join(data, "*.sst"))
	var victim string
	var b []byte
	for _, path := range tables { // the largest table
		if c, err := os.ReadFile(path); err == nil && len(c) > len(b) {
			victim, b = path, c
		}
	}
	if victim == "" {
		t.Fatal("no table was written")
	}
	// The table ends with its index, the index's length, its checksum and
	// the checksum's length; the data blocks come before.
	end := len(b) - 4
	end -= int(binary.BigEndian.Uint32(b[end:]))
	end -= 4
	end -= int(binary.BigEndian.Uint32(b[end:]))
	if end <= 0 || end > len(b) {
		t.Fatalf("cannot find the data blocks of %s", victim)
	}
	whole, _, err := readTable(victim, func([]byte, byte, []byte) {})
	if err != nil {
		t.Fatalf("the table before the damage: %v", err)
	}
	b = bytes.Clone(b)
	b[end/2] ^= 0xff
	if err := os.WriteFile(victim, b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := filesSum(t, data)

	rep, err := Recover(context.Background(), data, Options{Dir: filepath.Join(t.TempDir(), "new"), MasterKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if filesSum(t, data) != before {
		t.Error("Recover changed the damaged folder")
	}
	var found *RecoveredFile
	for i, f := range rep.Files {
		if f.Name == filepath.Base(victim) {
			found = &rep.Files[i]
		} else if f.Damage != "" {
			t.Errorf("%s reported damaged: %s", f.Name, f.Damage)
		}
	}
	if found == nil || found.Damage == "" || !strings.Contains(found.Damage, filepath.Base(victim)) {
		t.Fatalf("Recover report: %+v; want %s reported damaged", rep.Files, filepath.Base(victim))
	}
	t.Logf("%s: %s", found.Name, found.Damage)
	// The blocks after the damaged one were read: only the damaged
	// block's entries are missing.
	if found.Entries >= whole || found.Entries < whole*3/4 {
		t.Errorf("read %d entries of the damaged table; want all but those of one block of its %d", found.Entries, whole)
	}
	if rep.NothingLost() || len(rep.Unnamed) != 1 || !strings.Contains(rep.Unnamed[0], "a block that cannot be read held the records from") {
		t.Errorf("Recover report: Unnamed %q, NothingLost %v; want the damaged block's range as a loss", rep.Unnamed, rep.NothingLost())
	}
}
