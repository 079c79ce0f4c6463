package secretstore

import (
	"slices"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
)

// A secret's versions: the quotas on them, which deprecated versions the
// reaper prunes, and where deprecated versions are kept.
//
// A secret's deprecated versions (versions without a staging label) are
// kept out of its record, each in a record of its own, so that a write to
// a secret with many versions rewrites only what it changes. The secret
// record counts them (Deprecated). An operation that needs one brings it
// into the record's Versions (tx.find), one that needs them all brings them
// all (tx.loadVersions); tx.putSecret then writes back the deprecated
// versions the record holds whose metadata changed, and deletes the own
// record of a version that got a label back.

// Quotas of one secret.
const (
	// MaxVersions is the number of versions above which deprecated versions
	// (versions with no staging label) are removed by the reaper, oldest
	// first; versions younger than VersionMinAge are never removed. A write
	// that would leave more than MaxVersions versions that cannot be removed
	// fails with ErrLimitExceeded.
	MaxVersions = awsmodel.MaxVersions
	// VersionMinAge is the age under which a deprecated version is kept.
	VersionMinAge = awsmodel.VersionMinAge
	// MaxStages is the number of distinct staging labels one secret may
	// carry across all its versions.
	MaxStages = awsmodel.MaxStages
)

// version returns the index of version id in r, or -1.
func (r *secretRecord) version(id string) int {
	for i := range r.Versions {
		if r.Versions[i].ID == id {
			return i
		}
	}
	return -1
}

// prunable reports whether the reaper may remove version i at time now.
func (r *secretRecord) prunable(i int, now time.Time) bool {
	v := &r.Versions[i]
	return len(v.Stages) == 0 && now.Sub(v.CreatedDate) >= VersionMinAge
}

// pruneVersions removes deprecated versions of r older than VersionMinAge,
// oldest first, while r has more than MaxVersions versions, and queues their
// version records (and so their data keys) for shredding. It returns how
// many it removed.
func pruneVersions(t *tx, r *secretRecord) (int, error) {
	now := t.now
	removed := 0
	if err := t.loadVersions(r); err != nil {
		return 0, err
	}
	for i := 0; i < len(r.Versions) && len(r.Versions) > MaxVersions; {
		if !r.prunable(i, now) {
			i++
			continue
		}
		if err := t.dropVersion(r, i); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}

// find returns the index in r.Versions of version id, bringing it in from
// its own record when it is a deprecated one; -1 if r has no such version.
// r must be private to t (see tx.private).
func (t *tx) find(r *secretRecord, id string) (int, error) {
	if i := r.version(id); i >= 0 || r.Deprecated == 0 || id == "" {
		return i, nil
	}
	v, found, err := t.getVersionMeta(r, id)
	if !found || err != nil {
		return -1, err
	}
	return r.bringIn(v), nil
}

// loadVersions brings every deprecated version of r into r.Versions, in
// creation order. r must be private to t (see tx.private).
func (t *tx) loadVersions(r *secretRecord) error {
	if r.Deprecated == 0 {
		return nil
	}
	var loaded []record.VersionMeta
	err := t.scanVersionMetas(r, func(v record.VersionMeta) bool {
		if r.version(v.ID) < 0 { // not brought in already
			loaded = append(loaded, v)
		}
		return true
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
func (r *secretRecord) newVersion(id string, now time.Time, empty bool) record.VersionMeta {
	r.VersionSeq++
	return record.VersionMeta{ID: id, Seq: r.VersionSeq, CreatedDate: now, KmsKeyId: r.KmsKeyId, Empty: empty}
}

// bringIn inserts deprecated version v, read from its own record, into
// r.Versions at its place in creation order, and returns its index.
func (r *secretRecord) bringIn(v record.VersionMeta) int {
	i := len(r.Versions)
	for i > 0 && r.Versions[i-1].Seq > v.Seq {
		i--
	}
	r.Versions = slices.Insert(r.Versions, i, v)
	r.Deprecated = max(r.Deprecated-1, 0)
	return i
}

// dropVersion removes r.Versions[i] from r, with its own record if it has
// one, and queues its value for shredding.
func (t *tx) dropVersion(r *secretRecord, i int) error {
	if err := t.dropVersionRecords(r.ID, &r.Versions[i]); err != nil {
		return err
	}
	r.Versions = slices.Delete(r.Versions, i, i+1)
	return nil
}
