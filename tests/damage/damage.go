package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
)

// The damages, and the cases: every file of a state's data folder × every
// damage that applies to it.

// Groups of damages, as the summary counts them.
const (
	dmgDeleted     = "deleted"
	dmgEmptied     = "emptied"
	dmgCut         = "cut"           // at 25, 50 and 75% of the length
	dmgCutRecord   = "cut-record"    // MANIFEST: at a record boundary
	dmgCutInRecord = "cut-in-record" // MANIFEST: inside the first and the last record
	dmgFlip        = "flip"          // one byte xor 0xff
	dmgOverwrite   = "overwrite"     // a run of runLen random bytes
	dmgReplaced    = "replaced"      // by the file of the same name of the other store
)

// damageGroups are the groups in the summary's order.
var damageGroups = []string{dmgDeleted, dmgEmptied, dmgCut, dmgCutRecord, dmgCutInRecord, dmgFlip, dmgOverwrite, dmgReplaced}

const (
	// runLen is the length of an overwritten run.
	runLen = 40
	// randomFlips and randomRuns are how many seeded random offsets a file
	// gets a flipped byte and an overwritten run at, besides the fixed ones.
	randomFlips = 3
	randomRuns  = 1
)

// damage is one way to damage one file.
type damage struct {
	Group string
	// Label tells this damage from the file's others: "cut 50%",
	// "flip data+1234", "cut after record 3".
	Label string
	// Offset is where a byte is flipped or a run overwritten, or the length
	// a file is cut to.
	Offset int
	// Run is the overwriting bytes.
	Run []byte `json:",omitempty"`
}

// apply returns the contents of the damaged file, given its contents and
// those of the other store's file of the same name (replaced); remove is
// set when the file is to be deleted.
func (d damage) apply(content, other []byte) (out []byte, remove bool) {
	switch d.Group {
	case dmgDeleted:
		return nil, true
	case dmgEmptied:
		return []byte{}, false
	case dmgCut, dmgCutRecord, dmgCutInRecord:
		return slices.Clone(content[:min(d.Offset, len(content))]), false
	case dmgFlip:
		out = slices.Clone(content)
		out[d.Offset] ^= 0xff
		return out, false
	case dmgOverwrite:
		out = slices.Clone(content)
		copy(out[d.Offset:], d.Run)
		return out, false
	case dmgReplaced:
		return slices.Clone(other), false
	}
	panic("damage: unknown damage " + d.Group)
}

// fileKind is the kind of a data folder's file, as the summary groups
// them: Badger's numbered files by their extension ("sst", "vlog", "mem";
// "tmp" for 000012.tmp), any other file by its name (MANIFEST, master.key,
// and any new file of the store's).
func fileKind(file string) string {
	name := path.Base(file)
	ext := path.Ext(name)
	if stem := strings.TrimSuffix(name, ext); ext != "" && stem != "" && strings.Trim(stem, "0123456789") == "" {
		return ext[1:]
	}
	return name
}

// skip is a case that was not made, and why.
type skip struct {
	File, Damage, Why string
}

// damagesFor returns the damages of the file named file with contents
// content: other is the other store's file of that name (nil when it has
// none). rng draws the random offsets and runs. It also returns the damages
// that do not apply (a cut of an empty file), or change nothing.
func damagesFor(file string, content, other []byte, rng *rand.Rand) ([]damage, []skip) {
	var ds []damage
	var skips []skip
	seen := map[string]bool{} // the damaged contents, to drop a damage that repeats another
	add := func(d damage) {
		out, remove := d.apply(content, other)
		key := "rm"
		if !remove {
			key = sha256Hex(out)
		}
		switch {
		case !remove && bytes.Equal(out, content):
			skips = append(skips, skip{file, d.Label, "changes nothing"})
		case seen[key]:
			skips = append(skips, skip{file, d.Label, "the same as another damage of the file"})
		default:
			seen[key] = true
			ds = append(ds, d)
		}
	}
	n := len(content)
	add(damage{Group: dmgDeleted, Label: dmgDeleted})
	add(damage{Group: dmgEmptied, Label: dmgEmptied})
	for _, pct := range []int{25, 50, 75} {
		add(damage{Group: dmgCut, Label: fmt.Sprintf("cut %d%%", pct), Offset: n * pct / 100})
	}
	if end := loggedEnd(content); fileKind(file) == "mem" && end > memHeaderLen {
		// A log is preallocated: cut where its entries are, too.
		mid := memHeaderLen + (end-memHeaderLen)/2
		add(damage{Group: dmgCut, Label: fmt.Sprintf("cut inside the logged entries (byte %d)", mid), Offset: mid})
	}
	if fileKind(file) == "MANIFEST" {
		ends, err := manifestBoundaries(content)
		if err != nil {
			skips = append(skips, skip{file, dmgCutRecord, "its records cannot be read: " + err.Error()})
		}
		for i, end := range ends {
			add(damage{Group: dmgCutRecord, Label: fmt.Sprintf("cut after record %d (byte %d)", i, end), Offset: end})
		}
		if len(ends) > 1 {
			first := (ends[0] + ends[1]) / 2
			add(damage{Group: dmgCutInRecord, Label: fmt.Sprintf("cut inside the first record (byte %d)", first), Offset: first})
			last := (ends[len(ends)-2] + ends[len(ends)-1]) / 2
			add(damage{Group: dmgCutInRecord, Label: fmt.Sprintf("cut inside the last record (byte %d)", last), Offset: last})
		}
	}
	if n > 0 {
		flip := func(where string, off int) {
			add(damage{Group: dmgFlip, Label: fmt.Sprintf("flip %s (byte %d)", where, off), Offset: off})
		}
		flip("first", 0)
		flip("middle", n/2)
		flip("last", n-1)
		for range randomFlips {
			flip("random", rng.IntN(n))
		}
		switch fileKind(file) {
		case "sst":
			if l, ok := parseSSTLayout(content); ok {
				if l.indexStart > 0 {
					flip("data block", rng.IntN(l.indexStart))
					flip("data block", rng.IntN(l.indexStart))
				}
				flip("index", l.indexStart+l.indexLen/2)
				flip("footer: index length", l.indexStart+l.indexLen+3)
				flip("footer: checksum", l.checksumStart+l.checksumLen/2)
				flip("footer: checksum length", n-4)
			} else {
				skips = append(skips, skip{file, "flip data block/index/footer", "its footer cannot be read"})
			}
		case "mem":
			if end := loggedEnd(content); end > memHeaderLen {
				flip("logged entries", memHeaderLen+rng.IntN(end-memHeaderLen))
				flip("last logged byte", end-1)
			}
		}
		run := func(where string, off int) {
			off = max(0, min(off, n-runLen))
			b := make([]byte, min(runLen, n))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			add(damage{Group: dmgOverwrite, Label: fmt.Sprintf("overwrite %d bytes at %s (byte %d)", len(b), where, off), Offset: off, Run: b})
		}
		run("the start", 0)
		run("the middle", n/2-runLen/2)
		for range randomRuns {
			run("random", rng.IntN(n))
		}
		if fileKind(file) == "mem" {
			if end := loggedEnd(content); end > memHeaderLen {
				run("logged entries", memHeaderLen+rng.IntN(end-memHeaderLen))
			}
		}
	}
	if other == nil {
		skips = append(skips, skip{file, dmgReplaced, "the other store has no file of that name"})
	} else {
		add(damage{Group: dmgReplaced, Label: "replaced by the other store's"})
	}
	return ds, skips
}

// ---- MANIFEST ---------------------------------------------------------------

// The MANIFEST's format, as Badger writes it: an 8-byte header ("Bdgr", then
// Badger's and the external magic version, 2 bytes each), then records of
// [length uint32 big-endian][CRC-32C of the payload uint32 big-endian][payload].
const (
	manifestMagic     = "Bdgr"
	manifestHeaderLen = 8
	manifestRecHeader = 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// manifestBoundaries returns the offsets where the MANIFEST's header and
// each whole record end, in order: the offsets it can be cut at between
// records. An error says where the records stop being whole (the offsets
// up to there are returned).
func manifestBoundaries(b []byte) ([]int, error) {
	if len(b) < manifestHeaderLen || string(b[:4]) != manifestMagic {
		return nil, errors.New("no MANIFEST header")
	}
	ends := []int{manifestHeaderLen}
	for off := manifestHeaderLen; off < len(b); {
		if len(b)-off < manifestRecHeader {
			return ends, fmt.Errorf("the record at byte %d is cut short in its header", off)
		}
		n := uint64(binary.BigEndian.Uint32(b[off:]))
		sum := binary.BigEndian.Uint32(b[off+4:])
		if uint64(len(b)-off-manifestRecHeader) < n {
			return ends, fmt.Errorf("the record at byte %d is cut short", off)
		}
		payload := b[off+manifestRecHeader : off+manifestRecHeader+int(n)]
		if crc32.Checksum(payload, castagnoli) != sum {
			return ends, fmt.Errorf("the record at byte %d fails its checksum", off)
		}
		off += manifestRecHeader + int(n)
		ends = append(ends, off)
	}
	return ends, nil
}

// ---- tables ---------------------------------------------------------------

// sstLayout is where the parts of a Badger table file lie: data blocks
// from 0 to indexStart, the index, its length (4 bytes, big-endian), the
// index's checksum, its length (4 bytes) at the end.
type sstLayout struct {
	indexStart, indexLen       int
	checksumStart, checksumLen int
}

// parseSSTLayout reads the footer of a table file.
func parseSSTLayout(b []byte) (sstLayout, bool) {
	n := len(b)
	if n < 8 {
		return sstLayout{}, false
	}
	ckLen := int(binary.BigEndian.Uint32(b[n-4:]))
	ckStart := n - 4 - ckLen
	if ckLen < 0 || ckStart < 4 {
		return sstLayout{}, false
	}
	idxLen := int(binary.BigEndian.Uint32(b[ckStart-4:]))
	idxStart := ckStart - 4 - idxLen
	if idxLen < 0 || idxStart < 0 {
		return sstLayout{}, false
	}
	return sstLayout{indexStart: idxStart, indexLen: idxLen, checksumStart: ckStart, checksumLen: ckLen}, true
}

// ---- write-ahead logs -------------------------------------------------------

// memHeaderLen is the length of a .mem file's own header.
const memHeaderLen = 20

// loggedEnd returns the end of what a .mem file (preallocated, and zero
// past its entries) holds: one past its last byte that is not zero.
func loggedEnd(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			return i + 1
		}
	}
	return 0
}

// ---- cases ----------------------------------------------------------------

// dcase is one damage to one file of one state.
type dcase struct {
	State  string
	File   string // relative to the data folder, with '/'
	Damage damage
}

func (c dcase) kind() string { return fileKind(c.File) }

func (c dcase) String() string { return c.State + "/" + c.File + ": " + c.Damage.Label }

// sampleCases picks n cases with rng: round by round, one more case of
// each file kind × damage group (of any state and file of that kind) that
// has one left, in random order, so that every group is tried before any is
// tried twice.
func sampleCases(all []dcase, n int, rng *rand.Rand) []dcase {
	groups := map[string][]dcase{}
	var keys []string
	for _, c := range all {
		k := c.kind() + " " + c.Damage.Group
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	slices.Sort(keys)
	for _, k := range keys {
		g := groups[k]
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
	}
	var picked []dcase
	for round := 0; len(picked) < n; round++ {
		var this []dcase
		for _, k := range keys {
			if round < len(groups[k]) {
				this = append(this, groups[k][round])
			}
		}
		if len(this) == 0 {
			break
		}
		rng.Shuffle(len(this), func(i, j int) { this[i], this[j] = this[j], this[i] })
		picked = append(picked, this[:min(len(this), n-len(picked))]...)
	}
	return picked
}

// caseSlug returns the name of c's working folder: a number, and nothing
// of the file's name, which a refusal message must name on its own (it
// names the folder's path too).
func caseSlug(i int) string { return fmt.Sprintf("case-%05d", i) }
