package secretstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
)

// Mirrors. A mirror (serve --mirror-from, package internal/mirror) keeps
// here the secrets of another Secrets Manager endpoint, its source: AWS, or
// another server. A mirrored secret is the source's as it was at the last
// pass: its name and ARN suffix, description, tags, KmsKeyId, owning
// service, dates, and its labelled versions with their ids, labels, dates
// and values. It is read-only: every write to it is refused as a write to a
// replica is, naming the source (usable, in resolve.go, for the rows of the
// operation table that refuse a replica). MirrorSecret brings one secret to
// its source's state in ONE transaction, so a crash in the middle of a pass
// leaves each secret at its old state or its new one, never a mix of the
// two; PruneMirror schedules the deletion of the mirrored secrets the
// source no longer has.
//
// What a mirror leaves out: resource policies (the source's own, not
// listed), rotation (the source rotates; its new values reach the mirror),
// replicas, and deprecated versions the mirror never saw labelled.
//
// MirrorSecret and PruneMirror are maintenance methods, not operations of
// the AWS API: like Backup, they are not evaluated against a principal's
// policies (Store.As) and emit no Event.

// MirrorSecretInput is one secret as a mirror's source has it, for
// MirrorSecret.
type MirrorSecretInput struct {
	// Source names the mirror's source, as its URL. Required. A secret
	// mirrored from one source is never changed by a mirror of another,
	// and a secret of the store's own never by any mirror.
	Source string
	// Name is the secret's name. Required.
	Name string
	// ARN is the secret's ARN at the source; the secret keeps its
	// six-character suffix, so with the source's account and region it has
	// the same ARN here. Optional: without it the suffix is random.
	ARN         string
	Description string
	// KmsKeyId is kept as the source reports it, but for the default key
	// (aws/secretsmanager, by alias or ARN), which is this store's own.
	KmsKeyId string
	// Tags are the source's tags; nil when the secret was never tagged.
	Tags            []Tag
	OwningService   string
	CreatedDate     time.Time
	LastChangedDate time.Time
	// DeletedDate is set when the secret is scheduled for deletion at the
	// source: it is then scheduled for deletion here too, with the source's
	// metadata and its versions and labels as they were (their values can
	// no longer be read at the source); a secret the store does not have is
	// not created.
	DeletedDate time.Time
	// Versions are the source's versions that carry a staging label.
	Versions []MirrorVersion
	// Value reads the value of version versionID at the source; ok false
	// means the source has no value for it yet (the AWSPENDING version of
	// a rotation before its value is put). MirrorSecret calls it outside
	// any transaction, and only for the versions the store does not hold.
	// Required when Versions is not empty.
	Value func(ctx context.Context, versionID string) (v MirrorValue, ok bool, err error)
}

// MirrorVersion is one labelled version of a secret at a mirror's source.
type MirrorVersion struct {
	VersionId     string
	VersionStages []string
	// CreatedDate is the version's creation date, when known; the one
	// MirrorValue gives takes its place.
	CreatedDate time.Time
}

// MirrorValue is the value of one version at a mirror's source: exactly
// one of SecretString and SecretBinary, and the version's creation date
// (as GetSecretValue gives them).
type MirrorValue struct {
	SecretString string
	SecretBinary []byte
	CreatedDate  time.Time
}

// MirrorSecretResult is what MirrorSecret did.
type MirrorSecretResult struct {
	// ARN is the secret's ARN in this store.
	ARN string
	// Created reports that the store had no such secret before.
	Created bool
	// Changes says what was written, for a report line; empty when the
	// secret was already as the source has it and nothing was written.
	Changes []string
	// ValuesRead counts the calls of Value.
	ValuesRead int
}

// mirrorAttempts bounds the reads of a secret whose state in the store
// changes between MirrorSecret's read of it and its write.
const mirrorAttempts = 3

// mirrorRecoveryWindow is how long a mirrored secret stays scheduled for
// deletion: the longest window AWS allows, so a secret the source can
// still restore is never purged here first.
const mirrorRecoveryWindow = MaxRecoveryWindowInDays * 24 * time.Hour

// MirrorSecret makes the store's secret in.Name what in describes, in one
// transaction: created when the store has none, else its metadata, labels
// and versions changed to the source's (a version the source no longer
// labels becomes deprecated; one it labels that the store lacks is read
// with in.Value and written with its id and date). A secret already in that
// state is not written: a pass over unchanged secrets reads no value and
// writes nothing. A secret of the same name that is the store's own, a
// replica, or mirrored from another source is left alone, and the call
// fails with ErrResourceExists.
func (s *Store) MirrorSecret(ctx context.Context, in *MirrorSecretInput) (*MirrorSecretResult, error) {
	want, err := in.check()
	if err != nil {
		return nil, err
	}
	c, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer c.end()
	if !want.deleted.IsZero() {
		return s.mirrorDeletion(ctx, c, in, want)
	}
	values := map[string]mirrorValue{} // read from the source, by version id
	noValue := map[string]bool{}       // the source has no value for them yet
	out := &MirrorSecretResult{}
	for range mirrorAttempts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// What the store holds: is it current, and which values does it lack?
		var need []string
		var current bool
		err := c.read(func(t *tx) error {
			need, current = nil, false
			r, err := s.mirrorTarget(t, in, want)
			if err != nil || r == nil {
				need = in.versionIDs()
				return err
			}
			if want.same(r) {
				current, out.ARN = true, c.arn(r)
				return nil
			}
			r = t.private(r)
			for _, v := range in.Versions {
				i, err := t.find(r, v.VersionId)
				if err != nil {
					return err
				}
				if i < 0 || r.Versions[i].Empty {
					need = append(need, v.VersionId)
				}
			}
			return nil
		})
		if err != nil || current {
			return out, err
		}
		for _, id := range need {
			if _, ok := values[id]; ok || noValue[id] {
				continue
			}
			mv, ok, err := in.Value(ctx, id)
			out.ValuesRead++
			if err != nil {
				return out, fmt.Errorf("reading version %s of %s at the source: %w", id, in.Name, err)
			}
			if !ok {
				noValue[id] = true
				continue
			}
			val, _, err := checkValue(mv.SecretString, mv.SecretBinary)
			if err != nil {
				return out, fmt.Errorf("version %s of %s at the source: %w", id, in.Name, err)
			}
			values[id] = mirrorValue{val, mirrorTime(mv.CreatedDate)}
		}

		// The write: all of it, or (when the store changed since the read
		// and lacks a value not read yet) nothing, and read again.
		var missing bool
		err = c.update(ctx, func(t *tx) error {
			missing, out.Created, out.Changes = false, false, nil
			r, err := s.mirrorTarget(t, in, want)
			if err != nil {
				return err
			}
			if r != nil && want.same(r) {
				out.ARN = c.arn(r)
				return nil
			}
			if r == nil {
				r = &secretRecord{Secret: record.Secret{Region: s.region, Name: in.Name, Suffix: want.suffix}}
				if r.Suffix == "" {
					r.Suffix = newSuffix()
				}
				if _, err := rand.Read(r.ID[:]); err != nil {
					return err
				}
				out.Created = true
			}
			out.ARN = c.arn(r)
			out.Changes, missing, err = c.applyMirror(t, r, out.Created, in, want, values, noValue)
			if err != nil || missing {
				return err
			}
			return written(t, r)
		})
		if err != nil || !missing {
			if err != nil {
				out.Changes = nil
			}
			return out, err
		}
	}
	return out, newErrorf(ErrInternalServiceError, "secret %s changed in the store %d times while it was being mirrored; the next pass tries again", in.Name, mirrorAttempts)
}

// mirrorTarget returns the store's record that in mirrors into, or nil
// when there is none. A secret whose recovery window has ended is gone,
// and so is one with another ARN suffix than the source's (the source
// deleted it and created another of that name): in a read-write t they
// are purged. It refuses a secret that is not the mirror's to change.
func (s *Store) mirrorTarget(t *tx, in *MirrorSecretInput, want *mirrorState) (*secretRecord, error) {
	r, err := t.getSecret(s.region, in.Name)
	if err != nil || r == nil {
		return nil, err
	}
	if !r.expired(t.now) {
		if err := in.conflict(r); err != nil {
			return nil, err
		}
		if want.suffix == "" || r.Suffix == want.suffix {
			return r, nil
		}
	}
	if t.gen == noCache {
		if err := t.purge(r); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// conflict returns why a mirror of in.Source may not change r, or nil.
func (in *MirrorSecretInput) conflict(r *secretRecord) error {
	var whose string
	switch {
	case r.Mirror == in.Source:
		return nil
	case r.Replica():
		whose = "is a replica of the secret in " + r.PrimaryRegion
	case r.Mirror != "":
		whose = "is mirrored from " + r.Mirror
	default:
		whose = "is this store's own"
	}
	return newErrorf(ErrResourceExists, "a secret named %s exists in this store and %s, not mirrored from %s: the mirror leaves it alone", r.Name, whose, in.Source)
}

// applyMirror changes r to the state in describes (want, checked), writing
// the values of the versions r lacks from values; missing reports a
// version whose value was not read (the store changed since), and then
// nothing may be written. It returns what changed.
func (c *core) applyMirror(t *tx, r *secretRecord, created bool, in *MirrorSecretInput, want *mirrorState, values map[string]mirrorValue, noValue map[string]bool) (changes []string, missing bool, err error) {
	if !created {
		changes = want.differences(r)
	}
	want.setMetadata(r, t.now)

	// The versions r lacks, oldest first, with their values.
	written := 0
	for _, v := range want.byDate(values) {
		i, err := t.find(r, v.VersionId)
		if err != nil {
			return nil, false, err
		}
		if i >= 0 && !r.Versions[i].Empty {
			continue
		}
		val, ok := values[v.VersionId]
		if !ok && !noValue[v.VersionId] {
			return nil, true, nil
		}
		if ok {
			rec, err := c.keys.seal(c.keys.writeTerm(), r.ID, v.VersionId, r.KmsKeyId, val.val.binary, val.val.bytes())
			if err != nil {
				return nil, false, err
			}
			if err := t.putVersion(r.ID, v.VersionId, rec); err != nil {
				return nil, false, err
			}
			written++
		}
		if i < 0 {
			nv := r.newVersion(v.VersionId, cmp.Or(mirrorTime(v.CreatedDate), t.now), !ok)
			r.Versions = append(r.Versions, nv)
		} else if ok {
			r.Versions[i].Empty, r.Versions[i].KmsKeyId = false, r.KmsKeyId
		}
	}
	// The labels: exactly the source's.
	for i := range r.Versions {
		r.Versions[i].Stages = nil
	}
	for _, v := range in.Versions {
		r.Versions[r.version(v.VersionId)].Stages = slices.Clone(v.VersionStages)
	}
	if written > 0 {
		changes = append(changes, pluralText(written, "version")+" written")
	}
	if created {
		changes = []string{pluralText(len(in.Versions), "version") + labelsText(in.Versions)}
	}
	return changes, false, nil
}

// recordTags returns tags as a secret record holds them, in their order.
func recordTags(tags []Tag) []record.Tag {
	if tags == nil {
		return nil
	}
	out := make([]record.Tag, len(tags))
	for i, t := range tags {
		out[i] = record.Tag(t)
	}
	return out
}

// setMetadata gives r the source's metadata and deletion state; now is
// the store's time.
func (st *mirrorState) setMetadata(r *secretRecord, now time.Time) {
	in := st.in
	r.Description, r.KmsKeyId, r.OwningService = in.Description, st.kmsKeyID, in.OwningService
	r.Tags, r.Tagged = recordTags(in.Tags), in.Tags != nil
	r.CreatedDate, r.LastChangedDate = cmp.Or(st.created, now), cmp.Or(st.changed, st.created, now)
	r.Mirror = in.Source
	switch {
	case !st.deleted.IsZero() && !r.Deleted():
		r.DeletedDate = st.deleted
		r.DeletionDate = later(st.deleted.Add(mirrorRecoveryWindow), now.Add(MinRecoveryWindowInDays*24*time.Hour))
	case st.deleted.IsZero() && r.Deleted():
		r.DeletedDate, r.DeletionDate = time.Time{}, time.Time{}
	}
}

// mirrorDeletion is MirrorSecret for a secret scheduled for deletion at
// the source, whose values can no longer be read there: the store's
// secret gets the source's metadata and is scheduled for deletion too, its
// versions and labels left as they were; a secret the store does not
// have is not created.
func (s *Store) mirrorDeletion(ctx context.Context, c *core, in *MirrorSecretInput, want *mirrorState) (*MirrorSecretResult, error) {
	out := &MirrorSecretResult{}
	metadata := func(r *secretRecord) []string {
		return slices.DeleteFunc(want.differences(r), func(d string) bool { return d == "labels set" })
	}
	var current bool
	err := c.read(func(t *tx) error {
		r, err := s.mirrorTarget(t, in, want)
		current = err == nil && (r == nil || len(metadata(r)) == 0)
		if r != nil {
			out.ARN = c.arn(r)
		}
		return err
	})
	if err != nil || current {
		return out, err
	}
	err = c.update(ctx, func(t *tx) error {
		out.Changes = nil
		r, err := s.mirrorTarget(t, in, want)
		if err != nil || r == nil {
			return err
		}
		out.ARN, out.Changes = c.arn(r), metadata(r)
		if len(out.Changes) == 0 {
			return nil
		}
		want.setMetadata(r, t.now)
		return written(t, r)
	})
	if err != nil {
		out.Changes = nil
	}
	return out, err
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// mirrorTime is t as the store keeps it: to the millisecond, in UTC.
func mirrorTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Millisecond).UTC()
}

// mirrorState is a MirrorSecretInput checked, and as the store keeps it.
type mirrorState struct {
	in       *MirrorSecretInput
	suffix   string // of the source's ARN; "" when it gave none
	kmsKeyID string // "" for the default key
	created  time.Time
	changed  time.Time
	deleted  time.Time
	labels   map[string][]string // version id to its labels, sorted
}

// check validates in, as any input of the store is validated: a source
// that sends what AWS would refuse gets the error AWS would give, and
// nothing is written.
func (in *MirrorSecretInput) check() (*mirrorState, error) {
	if in.Source == "" {
		return nil, newError(ErrInvalidParameter, "a mirrored secret needs the URL of its source")
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	st := &mirrorState{in: in, labels: map[string][]string{}}
	if in.ARN != "" {
		a, ok := arn.ParseSecret(in.ARN)
		if !ok || a.Partial || a.Name != in.Name {
			return nil, newErrorf(ErrInvalidParameter, "the source's ARN %q is not one of a secret named %s", in.ARN, in.Name)
		}
		st.suffix = a.Suffix
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	if err := checkKmsKeyID(in.KmsKeyId); err != nil {
		return nil, err
	}
	if !isDefaultKmsKey(in.KmsKeyId) {
		st.kmsKeyID = in.KmsKeyId
	}
	if _, err := mergeTags(nil, in.Tags); err != nil {
		return nil, err
	}
	if err := checkLen("owningService", in.OwningService, 0, awsmodel.MaxNameLen); err != nil {
		return nil, err
	}
	if len(in.Versions) > 0 && in.Value == nil {
		return nil, newError(ErrInvalidParameter, "a mirrored secret with versions needs a Value function")
	}
	holder := map[string]string{}
	for _, v := range in.Versions {
		if err := checkLen("versionId", v.VersionId, awsmodel.MinTokenLen, awsmodel.MaxTokenLen); err != nil {
			return nil, err
		}
		if _, dup := st.labels[v.VersionId]; dup {
			return nil, newErrorf(ErrInvalidParameter, "the source lists version %s of %s twice", v.VersionId, in.Name)
		}
		if len(v.VersionStages) == 0 {
			return nil, newErrorf(ErrInvalidParameter, "the source lists version %s of %s with no staging label", v.VersionId, in.Name)
		}
		if err := checkStages(v.VersionStages); err != nil {
			return nil, err
		}
		for _, l := range v.VersionStages {
			if h, ok := holder[l]; ok {
				return nil, newErrorf(ErrInvalidParameter, "the source gives label %s of %s to two versions, %s and %s", l, in.Name, h, v.VersionId)
			}
			holder[l] = v.VersionId
		}
		st.labels[v.VersionId] = slices.Sorted(slices.Values(v.VersionStages))
	}
	if len(holder) > MaxStages {
		return nil, newError(ErrLimitExceeded, awsmodel.TooManyStages(in.Name, len(holder)))
	}
	st.created, st.changed, st.deleted = mirrorTime(in.CreatedDate), mirrorTime(in.LastChangedDate), mirrorTime(in.DeletedDate)
	return st, nil
}

// versionIDs returns the ids of the versions in lists.
func (in *MirrorSecretInput) versionIDs() []string {
	ids := make([]string, len(in.Versions))
	for i, v := range in.Versions {
		ids[i] = v.VersionId
	}
	return ids
}

// mirrorValue is a value read from a mirror's source, with its version's
// creation date there.
type mirrorValue struct {
	val     value
	created time.Time
}

// byDate returns the versions oldest first, the order they are written
// in, each with its creation date from values when it was read.
func (st *mirrorState) byDate(values map[string]mirrorValue) []MirrorVersion {
	vs := slices.Clone(st.in.Versions)
	for i := range vs {
		if v, ok := values[vs[i].VersionId]; ok && !v.created.IsZero() {
			vs[i].CreatedDate = v.created
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].CreatedDate.Before(vs[j].CreatedDate) })
	return vs
}

// same reports whether r is already as the source has it (the values of
// its versions aside: a version id names one value for good).
func (st *mirrorState) same(r *secretRecord) bool {
	return len(st.differences(r)) == 0 && st.labelled(r)
}

// labelled reports whether r's labels are the source's.
func (st *mirrorState) labelled(r *secretRecord) bool {
	n := 0
	for i := range r.Versions {
		v := &r.Versions[i]
		if len(v.Stages) == 0 {
			continue
		}
		n++
		want, ok := st.labels[v.ID]
		if !ok || !slices.Equal(want, slices.Sorted(slices.Values(v.Stages))) {
			return false
		}
	}
	return n == len(st.labels)
}

// differences says how r's metadata differs from the source's, for a
// report line.
func (st *mirrorState) differences(r *secretRecord) []string {
	in := st.in
	var d []string
	if r.Description != in.Description {
		d = append(d, "description set")
	}
	if r.KmsKeyId != st.kmsKeyID {
		d = append(d, "KmsKeyId set")
	}
	if r.Tagged != (in.Tags != nil) || !slices.EqualFunc(r.Tags, in.Tags, func(a record.Tag, b Tag) bool { return a == record.Tag(b) }) {
		d = append(d, "tags set")
	}
	if r.OwningService != in.OwningService {
		d = append(d, "owning service set")
	}
	switch {
	case r.Deleted() && st.deleted.IsZero():
		d = append(d, "restored")
	case !r.Deleted() && !st.deleted.IsZero():
		d = append(d, "scheduled for deletion")
	}
	if (!st.created.IsZero() && !r.CreatedDate.Equal(st.created)) || (!st.changed.IsZero() && !r.LastChangedDate.Equal(st.changed)) {
		d = append(d, "dates set")
	}
	if !st.labelled(r) {
		d = append(d, "labels set")
	}
	return d
}

// isDefaultKmsKey reports whether k names Secrets Manager's default key,
// by alias or alias ARN, or no key.
func isDefaultKmsKey(k string) bool {
	return k == "" || k == defaultKmsKeyIDAlias || k == defaultKmsKeyID || strings.HasSuffix(k, ":"+defaultKmsKeyIDAlias)
}

// pluralText returns "1 thing" or "n things".
func pluralText(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// labelsText lists the labels of versions, AWSCURRENT first.
func labelsText(versions []MirrorVersion) string {
	var labels []string
	for _, v := range versions {
		labels = append(labels, v.VersionStages...)
	}
	if len(labels) == 0 {
		return ""
	}
	slices.SortFunc(labels, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == StageCurrent:
			return -1
		case b == StageCurrent:
			return 1
		}
		return strings.Compare(a, b)
	})
	return ", labels " + strings.Join(labels, " ")
}

// PruneMirrorInput is the input of PruneMirror.
type PruneMirrorInput struct {
	// Source names the mirror's source, as MirrorSecretInput.Source does.
	// Required.
	Source string
	// Keep reports whether the source still has the secret named name.
	// Required.
	Keep func(name string) bool
	// DryRun finds the secrets and changes nothing.
	DryRun bool
}

// PruneMirrorResult is what PruneMirror did.
type PruneMirrorResult struct {
	// Names are the secrets scheduled for deletion (or, with DryRun, that
	// would be), by name.
	Names []string
}

// PruneMirror schedules for deletion, with a 30-day recovery window, every
// secret of the store's region mirrored from in.Source that in.Keep does
// not keep: the secrets the source no longer has, as rsync's --delete
// removes files. Each is changed in a transaction of its own; a secret
// the source has again before its window ends is restored by the next
// MirrorSecret.
func (s *Store) PruneMirror(ctx context.Context, in *PruneMirrorInput) (*PruneMirrorResult, error) {
	if in.Source == "" || in.Keep == nil {
		return nil, newError(ErrInvalidParameter, "PruneMirror needs the source's URL and a Keep function")
	}
	c, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer c.end()
	prune := func(r *secretRecord) bool {
		return r.Mirror == in.Source && !r.Deleted() && !in.Keep(r.Name)
	}
	var names []string
	err = c.read(func(t *tx) error {
		prefix := record.SecretPrefix(s.region, "")
		return t.iterate(prefix, prefix, false, func(k, b []byte) (bool, error) {
			r, err := t.decodeSecret(k, b)
			if err != nil {
				return t.skipDamaged(k, err)
			}
			if prune(r) {
				names = append(names, r.Name)
			}
			return true, ctx.Err()
		})
	})
	out := &PruneMirrorResult{}
	if err != nil || in.DryRun {
		out.Names = names
		return out, err
	}
	for _, name := range names {
		var done bool
		err := c.update(ctx, func(t *tx) error {
			done = false
			r, err := t.getSecret(s.region, name)
			if err != nil || r == nil || !prune(r) {
				return err
			}
			r.DeletedDate, r.DeletionDate = t.now, t.now.Add(mirrorRecoveryWindow)
			done = true
			return written(t, r)
		})
		if err != nil {
			return out, err
		}
		if done {
			out.Names = append(out.Names, name)
		}
	}
	return out, nil
}

// errMirrored is the refusal of a write to mirrored secret r: the one a
// replica gets, naming the source where the write must be made.
func errMirrored(r *secretRecord) error {
	return newErrorf(ErrInvalidParameter, "Operation not permitted on a mirrored secret. Call must be made at its source, %s.", r.Mirror)
}

// msgReplicaMirrored is the status of a replica that cannot be created
// because mirrored secret r holds the name in its region.
func msgReplicaMirrored(r *secretRecord) string {
	return "Secret with this name already exists in this region and is mirrored from " + r.Mirror + ", which ForceOverwriteReplicaSecret does not replace"
}
