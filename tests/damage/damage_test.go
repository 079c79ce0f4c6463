package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// manifestOf returns a MANIFEST with records of the given payloads.
func manifestOf(payloads ...string) []byte {
	b := []byte("Bdgr\x00\x08\x00\x00")
	for _, p := range payloads {
		var h [8]byte
		binary.BigEndian.PutUint32(h[:], uint32(len(p)))
		binary.BigEndian.PutUint32(h[4:], crc32.Checksum([]byte(p), castagnoli))
		b = append(append(b, h[:]...), p...)
	}
	return b
}

func TestManifestBoundaries(t *testing.T) {
	t.Parallel()
	good := manifestOf("\x0a\x02\x08\x01", "", "a longer record's payload")
	badSum := slices.Clone(good)
	badSum[8+8+4-1] ^= 1 // the last byte of the first payload
	for _, c := range []struct {
		name    string
		b       []byte
		want    []int
		wantErr string
	}{
		{"header only", manifestOf(), []int{8}, ""},
		{"three records", good, []int{8, 20, 28, 61}, ""},
		{"cut inside the last record", good[:50], []int{8, 20, 28}, "cut short"},
		{"cut inside a record header", good[:24], []int{8, 20}, "cut short in its header"},
		{"a record failing its checksum", badSum, []int{8}, "fails its checksum"},
		{"no header", []byte("Bdg"), nil, "no MANIFEST header"},
		{"another magic", append([]byte("XXXX"), good[4:]...), nil, "no MANIFEST header"},
		{"a length past the end", append(manifestOf(), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0), []int{8}, "cut short"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := manifestBoundaries(c.b)
			if !slices.Equal(got, c.want) {
				t.Errorf("boundaries %v, want %v", got, c.want)
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

// sstOf returns a table file's bytes laid out as Badger writes them.
func sstOf(data, index, checksum []byte) []byte {
	b := slices.Concat(data, index)
	b = binary.BigEndian.AppendUint32(b, uint32(len(index)))
	b = append(b, checksum...)
	return binary.BigEndian.AppendUint32(b, uint32(len(checksum)))
}

func TestParseSSTLayout(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		b    []byte
		want sstLayout
		ok   bool
	}{
		{"a table", sstOf(make([]byte, 100), make([]byte, 30), make([]byte, 6)), sstLayout{100, 30, 134, 6}, true},
		{"no data blocks", sstOf(nil, make([]byte, 10), make([]byte, 6)), sstLayout{0, 10, 14, 6}, true},
		{"too short", []byte{0, 0, 0}, sstLayout{}, false},
		{"checksum length past the start", append(make([]byte, 8), 0, 0, 1, 0), sstLayout{}, false},
		{"index length past the start", sstOf(nil, nil, make([]byte, 6))[2:], sstLayout{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseSSTLayout(c.b)
			if ok != c.ok || got != c.want {
				t.Errorf("parseSSTLayout = %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestDamageApply(t *testing.T) {
	t.Parallel()
	content := []byte("0123456789")
	other := []byte("another file")
	for _, c := range []struct {
		d      damage
		want   string
		remove bool
	}{
		{damage{Group: dmgDeleted}, "", true},
		{damage{Group: dmgEmptied}, "", false},
		{damage{Group: dmgCut, Offset: 5}, "01234", false},
		{damage{Group: dmgCutRecord, Offset: 0}, "", false},
		{damage{Group: dmgCutInRecord, Offset: 20}, "0123456789", false},
		{damage{Group: dmgFlip, Offset: 0}, "\xcf123456789", false},
		{damage{Group: dmgFlip, Offset: 9}, "012345678\xc6", false},
		{damage{Group: dmgOverwrite, Offset: 2, Run: []byte("ab")}, "01ab456789", false},
		{damage{Group: dmgOverwrite, Offset: 8, Run: []byte("xyz")}, "01234567xy", false},
		{damage{Group: dmgReplaced}, "another file", false},
	} {
		t.Run(c.d.Group, func(t *testing.T) {
			got, remove := c.d.apply(content, other)
			if string(got) != c.want || remove != c.remove {
				t.Errorf("apply = %q, %v; want %q, %v", got, remove, c.want, c.remove)
			}
			if string(content) != "0123456789" {
				t.Fatalf("apply changed its input to %q", content)
			}
		})
	}
}

func TestFileKind(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		"MANIFEST": "MANIFEST", "KEYREGISTRY": "KEYREGISTRY", "DISCARD": "DISCARD", "LOCK": "LOCK",
		"master.key": "master.key", "000012.sst": "sst", "000001.vlog": "vlog", "00003.mem": "mem",
		"server.address": "server.address", "lost+found/000004.sst": "sst", "MANIFEST.tmp": "MANIFEST.tmp",
		"WATERMARK": "WATERMARK", "000012.tmp": "tmp", ".sst": ".sst",
	} {
		if got := fileKind(file); got != want {
			t.Errorf("fileKind(%q) = %q, want %q", file, got, want)
		}
	}
}

// labels returns the labels of ds, and of those of group.
func labels(ds []damage, group string) []string {
	var l []string
	for _, d := range ds {
		if group == "" || d.Group == group {
			l = append(l, d.Label)
		}
	}
	return l
}

func TestDamagesFor(t *testing.T) {
	t.Parallel()
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
	t.Run("MANIFEST", func(t *testing.T) {
		m := manifestOf("first record", "second", "the last record")
		ds, _ := damagesFor("MANIFEST", m, nil, rng())
		want := []string{"cut after record 0 (byte 8)", "cut after record 1 (byte 28)", "cut after record 2 (byte 42)"}
		if got := labels(ds, dmgCutRecord); !slices.Equal(got, want) { // the last boundary is the whole file: no damage
			t.Errorf("cut-record damages %q, want %q", got, want)
		}
		in := labels(ds, dmgCutInRecord)
		if len(in) != 2 || !strings.Contains(in[0], "first record (byte 18)") || !strings.Contains(in[1], "last record (byte 53)") {
			t.Errorf("cut-in-record damages %q", in)
		}
		for _, d := range ds {
			if d.Group == dmgCutInRecord {
				if _, err := manifestBoundaries(m[:d.Offset]); err == nil {
					t.Errorf("%s leaves whole records", d.Label)
				}
			}
		}
	})
	t.Run("table", func(t *testing.T) {
		sst := sstOf(bytes.Repeat([]byte{1}, 1000), bytes.Repeat([]byte{2}, 100), []byte{3, 3, 3, 3, 3, 3})
		ds, _ := damagesFor("000004.sst", sst, nil, rng())
		at := map[string]int{}
		for _, d := range ds {
			if d.Group == dmgFlip {
				at[d.Label[:strings.Index(d.Label, " (")]] = d.Offset
			}
		}
		for where, off := range map[string]int{"flip index": 1050, "flip footer: index length": 1103,
			"flip footer: checksum": 1107, "flip footer: checksum length": len(sst) - 4, "flip last": len(sst) - 1, "flip first": 0} {
			if got, ok := at[where]; !ok || got != off {
				t.Errorf("%s at %d (%v), want %d", where, got, ok, off)
			}
		}
		n := 0
		for _, d := range ds {
			if strings.HasPrefix(d.Label, "flip data block") {
				n++
				if d.Offset >= 1000 {
					t.Errorf("%s is not in the data blocks", d.Label)
				}
			}
		}
		if n == 0 {
			t.Error("no flip in a data block")
		}
	})
	t.Run("write-ahead log", func(t *testing.T) {
		mem := make([]byte, 4096)
		for i := range 500 {
			mem[i] = 7
		}
		ds, _ := damagesFor("00001.mem", mem, nil, rng())
		var logged int
		for _, d := range ds {
			if strings.Contains(d.Label, "logged") {
				logged++
				if d.Offset < memHeaderLen || d.Offset >= 500 {
					t.Errorf("%s is outside the logged entries", d.Label)
				}
			}
		}
		if logged < 4 { // a cut, two flips, a run
			t.Errorf("%d damages inside the logged entries, want 4", logged)
		}
	})
	t.Run("small file", func(t *testing.T) {
		ds, skips := damagesFor("LOCK", []byte("12\n"), []byte("12\n"), rng())
		for _, d := range ds {
			if d.Group == dmgOverwrite && (d.Offset != 0 || len(d.Run) != 3) {
				t.Errorf("%s: a run of %d at %d in a 3-byte file", d.Label, len(d.Run), d.Offset)
			}
		}
		if !slices.ContainsFunc(skips, func(s skip) bool { return s.Damage == "replaced by the other store's" && s.Why == "changes nothing" }) {
			t.Errorf("replaced by an identical file is not skipped: %+v", skips)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		ds, skips := damagesFor("DISCARD", nil, []byte("x"), rng())
		if got := labels(ds, ""); !slices.Equal(got, []string{"deleted", "replaced by the other store's"}) {
			t.Errorf("damages of an empty file %q", got)
		}
		if len(skips) != 4 { // emptied and three cuts change nothing
			t.Errorf("skips %+v", skips)
		}
	})
	t.Run("no other file", func(t *testing.T) {
		_, skips := damagesFor("000009.sst", []byte("abc"), nil, rng())
		if !slices.ContainsFunc(skips, func(s skip) bool { return s.Damage == dmgReplaced }) {
			t.Errorf("no skip for the missing other file: %+v", skips)
		}
	})
	t.Run("every damage changes the file and none repeats another", func(t *testing.T) {
		content := make([]byte, 5000)
		for i := range content {
			content[i] = byte(i * 7)
		}
		ds, _ := damagesFor("000004.sst", content, bytes.Repeat([]byte{9}, 300), rng())
		seen := map[string]string{}
		for _, d := range ds {
			out, remove := d.apply(content, bytes.Repeat([]byte{9}, 300))
			key := "removed"
			if !remove {
				if bytes.Equal(out, content) {
					t.Errorf("%s changes nothing", d.Label)
				}
				key = string(out)
			}
			if prev, dup := seen[key]; dup {
				t.Errorf("%s repeats %s", d.Label, prev)
			}
			seen[key] = d.Label
		}
	})
	t.Run("seeded", func(t *testing.T) {
		a, _ := damagesFor("000004.sst", make([]byte, 5000), nil, rand.New(rand.NewPCG(9, 9)))
		b, _ := damagesFor("000004.sst", make([]byte, 5000), nil, rand.New(rand.NewPCG(9, 9)))
		if !slices.Equal(labels(a, ""), labels(b, "")) {
			t.Error("the same seed gives other damages")
		}
	})
}

func TestSampleCases(t *testing.T) {
	t.Parallel()
	var all []dcase
	for _, f := range []string{"000001.sst", "000002.sst", "MANIFEST", "LOCK"} {
		for _, g := range []string{dmgDeleted, dmgFlip, dmgFlip, dmgFlip} {
			all = append(all, dcase{State: "closed", File: f, Damage: damage{Group: g, Label: g}})
		}
	}
	// Groups: sst deleted (2 cases), sst flip (6), MANIFEST deleted (1),
	// MANIFEST flip (3), LOCK deleted (1), LOCK flip (3): 6 groups.
	for _, c := range []struct {
		n, want int
	}{{1, 1}, {6, 6}, {8, 8}, {100, len(all)}} {
		got := sampleCases(slices.Clone(all), c.n, rand.New(rand.NewPCG(3, 4)))
		if len(got) != c.want {
			t.Fatalf("sampleCases(n=%d) gave %d cases, want %d", c.n, len(got), c.want)
		}
		if c.n >= 6 {
			groups := map[string]bool{}
			for _, k := range got[:6] {
				groups[k.kind()+" "+k.Damage.Group] = true
			}
			if len(groups) != 6 {
				t.Errorf("n=%d: the first 6 cases are of %d groups, want every group once", c.n, len(groups))
			}
		}
	}
	names := func(cs []dcase) []string {
		var s []string
		for _, c := range cs {
			s = append(s, c.String())
		}
		return s
	}
	a := sampleCases(slices.Clone(all), 5, rand.New(rand.NewPCG(3, 4)))
	b := sampleCases(slices.Clone(all), 5, rand.New(rand.NewPCG(3, 4)))
	if !slices.Equal(names(a), names(b)) {
		t.Error("the same seed gives another sample")
	}
}
