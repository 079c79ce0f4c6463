package secretstore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A secret's deprecated versions (versions without a staging label) are
// kept out of its record, each in a record of its own ('m' id versionID),
// so that a write to a secret with many versions rewrites only what it
// changes. The secret record counts them (secretRecord.Deprecated). An
// operation that needs one brings it into the record's Versions (tx.find),
// one that needs them all brings them all (tx.loadVersions); tx.putSecret
// then writes back the deprecated versions the record holds whose metadata
// changed, and deletes the own record of a version that got a label back.

// maxDeprecated bounds the count a secret record may claim: far above what
// the reaper lets a secret keep, so a larger count is a damaged record.
const maxDeprecated = 1 << 24

// versionCount returns how many versions r has.
func (r *secretRecord) versionCount() int { return len(r.Versions) + r.Deprecated }

// private returns r, or a copy of it when r may be shared with the record
// cache (a read-only transaction): a copy the caller may bring versions
// into.
func (t *tx) private(r *secretRecord) *secretRecord {
	if t.gen == noCache {
		return r
	}
	c := *r
	c.Versions = slices.Clone(r.Versions)
	return &c
}

// find returns the index in r.Versions of version id, bringing it in from
// its own record when it is a deprecated one; -1 if r has no such version.
// r must be private to t (see tx.private).
func (t *tx) find(r *secretRecord, id string) (int, error) {
	if i := r.version(id); i >= 0 || r.Deprecated == 0 || id == "" {
		return i, nil
	}
	b, err := t.get(metaKey(r.ID, id))
	if b == nil || err != nil {
		return -1, err
	}
	v, err := decodeVersionMeta(b)
	if err != nil {
		return -1, t.namedCorrupt(r, err)
	}
	if v.ID != id {
		return -1, t.namedCorrupt(r, corrupt("version metadata", errMetaID))
	}
	return r.bringIn(v), nil
}

// loadVersions brings every deprecated version of r into r.Versions, in
// creation order. r must be private to t (see tx.private).
func (t *tx) loadVersions(r *secretRecord) error {
	if r.Deprecated == 0 {
		return nil
	}
	var loaded []versionMeta
	prefix := metaPrefix(r.ID)
	err := t.iterate(prefix, prefix, false, func(k, b []byte) (bool, error) {
		if r.version(string(k[1+idLen:])) >= 0 {
			return true, nil // already brought in
		}
		v, err := decodeVersionMeta(b)
		if err == nil && v.ID != string(k[1+idLen:]) {
			err = corrupt("version metadata", errMetaID)
		}
		if err != nil {
			return false, t.namedCorrupt(r, err)
		}
		loaded = append(loaded, v)
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, v := range loaded {
		r.bringIn(v)
	}
	r.Deprecated = 0 // whatever the count said, every one is in now
	return nil
}

// newVersion returns a new version of r, the newest.
func (r *secretRecord) newVersion(id string, now time.Time, empty bool) versionMeta {
	r.VersionSeq++
	return versionMeta{ID: id, Seq: r.VersionSeq, CreatedDate: now, KmsKeyId: r.KmsKeyId, Empty: empty}
}

// bringIn inserts deprecated version v, read from its own record, into
// r.Versions at its place in creation order, and returns its index.
func (r *secretRecord) bringIn(v versionMeta) int {
	i := len(r.Versions)
	for i > 0 && r.Versions[i-1].Seq > v.Seq {
		i--
	}
	r.Versions = slices.Insert(r.Versions, i, v)
	r.Deprecated = max(r.Deprecated-1, 0)
	return i
}

// putVersionMetas writes the own records of r's deprecated versions that
// changed, and deletes those of versions that have labels again.
func (t *tx) putVersionMetas(r *secretRecord) error {
	for i := range r.Versions {
		v := &r.Versions[i]
		switch {
		case len(v.Stages) == 0:
			b := encodeVersionMeta(v)
			if bytes.Equal(b, v.stored) {
				continue
			}
			if err := t.txn.Set(metaKey(r.ID, v.ID), b); err != nil {
				return err
			}
			v.stored = b
		case v.stored != nil:
			if err := t.txn.Delete(metaKey(r.ID, v.ID)); err != nil {
				return err
			}
			v.stored = nil
		}
	}
	return nil
}

// dropVersion removes r.Versions[i] from r, with its own record if it has
// one, and queues its value for shredding.
func (t *tx) dropVersion(r *secretRecord, i int) error {
	v := &r.Versions[i]
	if v.stored != nil {
		if err := t.txn.Delete(metaKey(r.ID, v.ID)); err != nil {
			return err
		}
	}
	if err := t.shredLater(versionKey(r.ID, v.ID)); err != nil {
		return err
	}
	r.Versions = slices.Delete(r.Versions, i, i+1)
	return nil
}

var errMetaID = errors.New("its version id is not the one in its key")

// namedCorrupt names secret r in err, an error reading one of its records.
func (t *tx) namedCorrupt(r *secretRecord, err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.Message = fmt.Sprintf("secret %s in %s: %s", r.Name, r.Region, e.Message)
	}
	return err
}
