package secretstore

import (
	"bytes"
	"context"
	"fmt"

	"github.com/secretstore-go/secretstore/internal/record"
)

// A Problem is one thing Verify found wrong in a store.
type Problem struct {
	// Region and Name name the secret, when the problem is one secret's.
	Region, Name string
	// VersionId names the version, when the problem is one version's.
	VersionId string
	// Detail says what is wrong.
	Detail string
}

func (p Problem) String() string {
	switch {
	case p.VersionId != "":
		return fmt.Sprintf("%s (%s) version %s: %s", p.Name, p.Region, p.VersionId, p.Detail)
	case p.Name != "":
		return fmt.Sprintf("%s (%s): %s", p.Name, p.Region, p.Detail)
	}
	return p.Detail
}

// The starts of two kinds of Problem.Detail.
const (
	problemDamagedRecord   = "the secret record is damaged: "
	problemUnreadableValue = "the value cannot be read: "
	problemOrphanVersion   = "a version record belongs to no secret"
	problemDamagedVersions = "a deprecated version's record is damaged: "
	problemMissingRecord   = "the secret record is missing, though its index entries name it: the secret was lost"
	problemUnlistedVersion = "the version is stored, but the secret record does not list it: the record is older than its versions (its last changes are lost)"
)

// ownRecords counts the versions of r read from records of their own.
func ownRecords(r *secretRecord) int {
	n := 0
	for i := range r.Versions {
		if r.Versions[i].Stored != nil {
			n++
		}
	}
	return n
}

// Verify reads every record of the store, in every region, and opens every
// version's value (without recording LastAccessedDate), and returns every
// problem it finds: records that do not decode, versions whose record is
// missing or whose value does not open with the master key, replicas out
// of step with their primary, index entries out of step with the records.
// It is a consistency check like bbolt's Tx.Check; an empty result means
// the store is whole. It reads a snapshot, so it may run while the store
// is in use.
func (s *Store) Verify(ctx context.Context) ([]Problem, error) {
	c, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer c.end()
	var problems []Problem
	add := func(p Problem) { problems = append(problems, p) }
	// Every block of every table, whatever the watermark says of it: Open
	// checks only the tables that changed since the store last saw them.
	if err := c.db.VerifyChecksum(); err != nil {
		add(Problem{Detail: "a table is damaged: " + oneLine(err)})
	}
	err = c.readTx(true, func(t *tx) error {
		if _, err := readKeyring(t); err != nil {
			add(Problem{Detail: "the keyring: " + err.Error()})
		}
		want := map[string]string{} // index entry -> value, as the records call for
		ids := map[[record.IDLen]byte]bool{}
		records := map[string]*secretRecord{} // region 0x00 name -> record
		damaged := map[string]bool{}          // region 0x00 name of the records that do not decode
		prefix := []byte{record.PrefixSecret}
		err := t.iterate(prefix, prefix, false, func(k, v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			region, name, _ := record.SplitRegionName(k[1:])
			r, err := decodeSecret(v)
			if err != nil {
				add(Problem{Region: region, Name: name, Detail: problemDamagedRecord + err.Error()})
				// Its index entries and versions are not reported again.
				damaged[string(k[1:])] = true
				if id, ok := recordID(v); ok {
					ids[id] = true
				}
				return true, nil
			}
			if r.Region != region || r.Name != name {
				add(Problem{Region: region, Name: name, Detail: fmt.Sprintf("the record says it is %s in %s", r.Name, r.Region)})
			}
			records[string(k[1:])], ids[r.ID] = r, true
			x := r.indexed()
			counted := r.Deprecated
			if err := t.loadVersions(r); err != nil {
				add(Problem{Region: region, Name: name, Detail: problemDamagedVersions + err.Error()})
			} else if own := ownRecords(r); own != counted {
				add(Problem{Region: region, Name: name, Detail: fmt.Sprintf("the secret record counts %d deprecated versions; %d are stored", counted, own)})
			}
			for _, ix := range indexes {
				if key, val := ix.entry(&x); key != nil {
					want[string(key)] = string(val)
				}
			}
			for _, v := range r.Versions {
				if v.Empty {
					continue
				}
				pt, _, err := c.readValue(t, r, v.ID)
				clear(pt)
				if err != nil {
					add(Problem{Region: region, Name: name, VersionId: v.ID, Detail: problemUnreadableValue + err.Error()})
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, r := range records {
			problems = append(problems, verifyReplication(r, records)...)
		}
		missing := map[string]bool{} // region 0x00 name of the secrets named only by index entries
		for _, p := range []byte{record.PrefixCreated, record.PrefixDeletion, record.PrefixPrune, record.PrefixRotation} {
			prefix := []byte{p}
			err := t.iterate(prefix, prefix, false, func(k, v []byte) (bool, error) {
				wv, ok := want[string(k)]
				switch {
				case !ok && damaged[string(v)] || p == record.PrefixCreated && damaged[createdEntryOf(k)]:
				case !ok:
					entry := string(v)
					if p == record.PrefixCreated {
						entry = createdEntryOf(k)
					}
					region, name, named := record.SplitRegionName([]byte(entry))
					if named && records[entry] == nil {
						// The secret's record is gone, and its index
						// entries (kept elsewhere in the tables) name it.
						if !missing[entry] {
							add(Problem{Region: region, Name: name, Detail: problemMissingRecord})
							missing[entry] = true
						}
						break
					}
					add(Problem{Detail: fmt.Sprintf("index entry %q belongs to no secret record", k)})
				case wv != string(v):
					add(Problem{Detail: fmt.Sprintf("index entry %q does not match its secret record", k)})
				}
				delete(want, string(k))
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		for k := range want {
			add(Problem{Detail: fmt.Sprintf("index entry %q is missing", k)})
		}
		// Version records of no secret (and not queued for shredding).
		queued := map[string]bool{}
		prefix = []byte{record.PrefixShred}
		if err := t.iterate(prefix, prefix, false, func(k, _ []byte) (bool, error) {
			queued[string(k[1:])] = true
			return true, nil
		}); err != nil {
			return err
		}
		// The versions each secret record lists, by the secret's id.
		listed := map[[record.IDLen]byte]*secretRecord{}
		for _, r := range records {
			listed[r.ID] = r
		}
		for _, p := range []byte{record.PrefixVersion, record.PrefixMeta} {
			prefix = []byte{p}
			err := t.iterate(prefix, prefix, false, func(k, _ []byte) (bool, error) {
				var id [record.IDLen]byte
				copy(id[:], k[1:])
				versionID := string(k[1+record.IDLen:])
				switch r := listed[id]; {
				case queued[string(k)] || queued[string(record.VersionPrefix(id))]:
				case !ids[id]:
					add(Problem{VersionId: versionID, Detail: fmt.Sprintf("%s (id %x)", problemOrphanVersion, id)})
				case r != nil && p == record.PrefixVersion && r.version(versionID) < 0:
					// A version the record does not know: the record is
					// older than its versions (its last writes are lost).
					add(Problem{Region: r.Region, Name: r.Name, VersionId: versionID, Detail: problemUnlistedVersion})
				}
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return problems, err
}

// verifyReplication checks the replicas of primary r, and the primary of
// replica r, against the records of the store (keyed region 0x00 name).
func verifyReplication(r *secretRecord, records map[string]*secretRecord) []Problem {
	var problems []Problem
	if r.Replica() {
		p := records[string(record.RegionName(r.PrimaryRegion, r.Name))]
		if p == nil || p.Suffix != r.Suffix {
			problems = append(problems, Problem{Region: r.Region, Name: r.Name, Detail: "a replica whose primary in " + r.PrimaryRegion + " is missing"})
		}
		return problems
	}
	for _, rp := range r.Replicas {
		if rp.Status != statusInSync {
			continue
		}
		rep := records[string(record.RegionName(rp.Region, r.Name))]
		switch {
		case rep == nil || rep.PrimaryRegion != r.Region:
			problems = append(problems, Problem{Region: r.Region, Name: r.Name, Detail: "its replica in " + rp.Region + " is missing"})
		case len(rep.Versions) != len(r.Versions):
			problems = append(problems, Problem{Region: rp.Region, Name: r.Name, Detail: fmt.Sprintf("the replica has %d versions, its primary %d", len(rep.Versions), len(r.Versions))})
		}
	}
	return problems
}

// recordID returns the internal id of a secret record that may be damaged:
// encodeSecret writes it first.
func recordID(b []byte) (id [record.IDLen]byte, ok bool) {
	if len(b) < 4+record.IDLen || b[0] != record.KindSecret || b[2] != record.FieldSecretID || b[3] != record.IDLen {
		return id, false
	}
	copy(id[:], b[4:4+record.IDLen])
	return id, true
}

// createdEntryOf returns the region 0x00 name of the secret a created-date
// index key belongs to.
func createdEntryOf(k []byte) string {
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k) < i+9 {
		return ""
	}
	return string(k[1:i+1]) + string(k[i+9:])
}
