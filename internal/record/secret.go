package record

import (
	"errors"
	"fmt"
	"time"
)

// Secret is everything stored about one secret except its values: the
// record under SecretKey.
type Secret struct {
	ID               ID
	Region           string
	Name             string
	Suffix           string // the six characters at the end of the ARN
	Description      string
	KmsKeyId         string // "" is the default key, aws/secretsmanager
	OwningService    string
	PrimaryRegion    string // set on a replica: the region of its primary
	ResourcePolicy   string
	CreatedDate      time.Time
	LastChangedDate  time.Time
	LastAccessedDate time.Time // day resolution
	DeletedDate      time.Time // when DeleteSecret was called; zero if not scheduled
	DeletionDate     time.Time // when the secret will be purged
	Tagged           bool      // tags were ever set: DescribeSecret then shows Tags, even empty
	Tags             []Tag
	// Versions are the versions with staging labels, in creation order,
	// and the deprecated ones a transaction has brought in from their own
	// records (under MetaKey); the others stay there, Deprecated of them,
	// so that a write's size does not grow with a secret's versions.
	// EncodeSecret leaves every deprecated version out.
	Versions   []VersionMeta
	Deprecated int
	VersionSeq uint64 // the Seq of the newest version
	Replicas   []Replica
	Rotation   Rotation
	// Mirror is set on a secret mirrored from another Secrets Manager
	// endpoint: the source's URL (the root package's mirror.go). Such a
	// secret is read-only.
	Mirror string
}

// Tag is a tag of a secret.
type Tag struct {
	Key   string
	Value string
}

// Rotation is a secret's rotation configuration and the state of its
// rotations.
type Rotation struct {
	Configured bool // RotateSecret was called: DescribeSecret shows the rotation members
	Enabled    bool
	LambdaARN  string
	AfterDays  int64  // RotationRules.AutomaticallyAfterDays, when given
	Schedule   string // RotationRules.ScheduleExpression
	Duration   string // RotationRules.Duration
	LastDate   time.Time
	NextDate   time.Time // NextRotationDate: the end of the next window; zero when not scheduled
	WindowAt   time.Time // when that window opens: a rotation is due
	Token      string    // the version a rotation in progress writes; "" when none
	TestOnly   bool      // that rotation only tests (RotateImmediately false)
	Attempts   int       // failed attempts of that rotation
	RetryAt    time.Time // when it is tried next; zero when it is given up
}

// VersionMeta describes one version; its value is in a Version record.
type VersionMeta struct {
	ID               string
	Seq              uint64   // its place in creation order, from 1
	Stages           []string // staging labels; none means deprecated
	CreatedDate      time.Time
	LastAccessedDate time.Time // day resolution
	KmsKeyId         string    // the key its data key is wrapped with
	// Empty marks the version RotateSecret creates for the rotation's new
	// value (labelled AWSPENDING), which has no value until the rotator's
	// createSecret step puts one.
	Empty bool

	// Stored is the version's own record (under MetaKey) as read, when it
	// has one: a deprecated version's metadata lives there.
	Stored []byte
}

// Replica is one replica region of a primary secret.
type Replica struct {
	Region           string
	KmsKeyId         string
	Status           string
	StatusMessage    string
	LastAccessedDate time.Time
}

// Deleted reports whether the secret is scheduled for deletion.
func (r *Secret) Deleted() bool { return !r.DeletedDate.IsZero() }

// Replica reports whether the secret is a replica of a primary in another
// region.
func (r *Secret) Replica() bool { return r.PrimaryRegion != "" }

// VersionCount returns how many versions the secret has: those in the
// record and those in records of their own.
func (r *Secret) VersionCount() int { return len(r.Versions) + r.Deprecated }

// Due returns when a rotation of the secret should run: a retry of the
// rotation in progress, or the opening of the next window; zero for none.
func (ro *Rotation) Due() time.Time {
	switch {
	case ro.Token != "" && !ro.RetryAt.IsZero():
		return ro.RetryAt
	case ro.Enabled:
		return ro.WindowAt
	}
	return time.Time{}
}

// MaxDeprecated bounds the count a secret record may claim: far above what
// the reaper lets a secret keep, so a larger count is a damaged record.
const MaxDeprecated = 1 << 24

// Field tags of a secret record.
const (
	fID = 1 + iota
	fRegion
	fName
	fSuffix
	fDescription
	fKmsKeyId
	fOwningService
	fPrimaryRegion
	fResourcePolicy
	fCreatedDate
	fLastChangedDate
	fLastAccessedDate
	fDeletedDate
	fDeletionDate
	fTagged
	fTag
	fVersion
	fReplica
	fRotation
	fDeprecated
	fVersionSeq
	fMirror
)

// FieldSecretID is the tag of a secret record's first field, its ID, which
// a reader of a damaged record may still find there.
const FieldSecretID = fID

// Field tags inside a version entry, a tag, a replica entry and a rotation.
const (
	fvID = 1 + iota
	fvStage
	fvCreatedDate
	fvLastAccessedDate
	fvKmsKeyId
	fvEmpty
	fvSeq
)

const (
	ftKey = 1 + iota
	ftValue
)

const (
	frRegion = 1 + iota
	frKmsKeyId
	frStatus
	frStatusMessage
	frLastAccessedDate
)

const (
	foConfigured = 1 + iota
	foEnabled
	foLambdaARN
	foAfterDays
	foSchedule
	foDuration
	foLastDate
	foNextDate
	foWindowAt
	foToken
	foTestOnly
	foAttempts
	foRetryAt
)

// EncodeSecret encodes r, leaving out its deprecated versions, which it
// counts (they are in records of their own).
func EncodeSecret(r *Secret) []byte {
	e := newEncoder(KindSecret, 256+64*len(r.Versions))
	e.bytes(fID, r.ID[:])
	e.str(fRegion, r.Region)
	e.str(fName, r.Name)
	e.str(fSuffix, r.Suffix)
	e.str(fDescription, r.Description)
	e.str(fKmsKeyId, r.KmsKeyId)
	e.str(fOwningService, r.OwningService)
	e.str(fPrimaryRegion, r.PrimaryRegion)
	e.str(fResourcePolicy, r.ResourcePolicy)
	e.time(fCreatedDate, r.CreatedDate)
	e.time(fLastChangedDate, r.LastChangedDate)
	e.time(fLastAccessedDate, r.LastAccessedDate)
	e.time(fDeletedDate, r.DeletedDate)
	e.time(fDeletionDate, r.DeletionDate)
	e.flag(fTagged, r.Tagged)
	for _, t := range r.Tags {
		e.nested(fTag, func(e *encoder) {
			e.str(ftKey, t.Key)
			e.str(ftValue, t.Value)
		})
	}
	deprecated := r.Deprecated
	for i := range r.Versions {
		v := &r.Versions[i]
		if len(v.Stages) == 0 {
			deprecated++ // in its own record
			continue
		}
		e.nested(fVersion, func(e *encoder) { encodeVersionFields(e, v) })
	}
	e.uint(fDeprecated, uint64(deprecated))
	e.uint(fVersionSeq, r.VersionSeq)
	for _, rp := range r.Replicas {
		e.nested(fReplica, func(e *encoder) {
			e.str(frRegion, rp.Region)
			e.str(frKmsKeyId, rp.KmsKeyId)
			e.str(frStatus, rp.Status)
			e.str(frStatusMessage, rp.StatusMessage)
			e.time(frLastAccessedDate, rp.LastAccessedDate)
		})
	}
	if ro := &r.Rotation; ro.Configured {
		e.nested(fRotation, func(e *encoder) {
			e.flag(foConfigured, ro.Configured)
			e.flag(foEnabled, ro.Enabled)
			e.str(foLambdaARN, ro.LambdaARN)
			e.uint(foAfterDays, uint64(ro.AfterDays))
			e.str(foSchedule, ro.Schedule)
			e.str(foDuration, ro.Duration)
			e.time(foLastDate, ro.LastDate)
			e.time(foNextDate, ro.NextDate)
			e.time(foWindowAt, ro.WindowAt)
			e.str(foToken, ro.Token)
			e.flag(foTestOnly, ro.TestOnly)
			e.uint(foAttempts, uint64(ro.Attempts))
			e.time(foRetryAt, ro.RetryAt)
		})
	}
	e.str(fMirror, r.Mirror)
	return e.b
}

func encodeVersionFields(e *encoder, v *VersionMeta) {
	e.str(fvID, v.ID)
	for _, s := range v.Stages {
		e.str(fvStage, s)
	}
	e.time(fvCreatedDate, v.CreatedDate)
	e.time(fvLastAccessedDate, v.LastAccessedDate)
	e.str(fvKmsKeyId, v.KmsKeyId)
	e.flag(fvEmpty, v.Empty)
	e.uint(fvSeq, v.Seq)
}

// EncodeVersionMeta encodes the record of a deprecated version's metadata.
func EncodeVersionMeta(v *VersionMeta) []byte {
	e := newEncoder(KindMeta, 64+len(v.ID))
	encodeVersionFields(e, v)
	return e.b
}

// DecodeVersionMeta decodes a record EncodeVersionMeta wrote; v keeps b (in
// v.Stored, and its strings share b's memory). An error says what is
// wrong with the record.
func DecodeVersionMeta(b []byte) (VersionMeta, error) {
	var v VersionMeta
	d := newDecoder(KindMeta, b)
	d.owned = true
	decodeVersionFields(&d, &v)
	if d.err == nil && v.ID == "" {
		d.err = errors.New("a version record without an id")
	}
	if d.err != nil {
		return v, d.err
	}
	v.Stored = b
	return v, nil
}

// decodeVersionFields decodes the fields of a version from s.
func decodeVersionFields(s *decoder, v *VersionMeta) {
	for s.more() {
		switch t := s.tag(); t {
		case fvID:
			v.ID = s.str()
		case fvStage:
			st := s.stage()
			if st == "" && s.err == nil {
				s.err = errors.New("empty staging label")
			}
			v.Stages = append(v.Stages, st)
		case fvCreatedDate:
			v.CreatedDate = s.time()
		case fvLastAccessedDate:
			v.LastAccessedDate = s.time()
		case fvKmsKeyId:
			v.KmsKeyId = s.str()
		case fvEmpty:
			v.Empty = s.flag()
		case fvSeq:
			v.Seq = s.uvarint()
		default:
			s.unknown(t)
		}
	}
}

// versionMinBytes is about the least a version takes in a secret record:
// its group header, a ClientRequestToken-sized id (at least 32 characters)
// and its creation date.
const versionMinBytes = 45

// DecodeSecret decodes a secret record into r, which must be zero. b must
// be a buffer the record may keep: the record's strings share its memory,
// so it must never be changed. An error says what is wrong with the record.
func DecodeSecret(b []byte, r *Secret) error {
	d := newDecoder(KindSecret, b)
	d.owned = true
	for d.more() {
		switch t := d.tag(); t {
		case fID:
			if id := d.raw(); len(id) == IDLen {
				copy(r.ID[:], id)
			} else if d.err == nil {
				d.err = fmt.Errorf("bad secret id")
			}
		case fRegion:
			r.Region = d.str()
		case fName:
			r.Name = d.str()
		case fSuffix:
			r.Suffix = d.str()
		case fDescription:
			r.Description = d.str()
		case fKmsKeyId:
			r.KmsKeyId = d.str()
		case fOwningService:
			r.OwningService = d.str()
		case fPrimaryRegion:
			r.PrimaryRegion = d.str()
		case fResourcePolicy:
			r.ResourcePolicy = d.str()
		case fCreatedDate:
			r.CreatedDate = d.time()
		case fLastChangedDate:
			r.LastChangedDate = d.time()
		case fLastAccessedDate:
			r.LastAccessedDate = d.time()
		case fDeletedDate:
			r.DeletedDate = d.time()
		case fDeletionDate:
			r.DeletionDate = d.time()
		case fTagged:
			r.Tagged = d.flag()
		case fTag:
			var tg Tag
			s := d.sub()
			for s.more() {
				switch t := s.tag(); t {
				case ftKey:
					tg.Key = s.str()
				case ftValue:
					tg.Value = s.str()
				default:
					s.unknown(t)
				}
			}
			d.done(&s)
			r.Tags = append(r.Tags, tg)
		case fVersion:
			if r.Versions == nil {
				// The versions come last but for replicas, and each takes at
				// least versionMinBytes: size the slice once.
				r.Versions = make([]VersionMeta, 0, 1+len(d.b)/versionMinBytes)
			}
			r.Versions = append(r.Versions, VersionMeta{})
			v := &r.Versions[len(r.Versions)-1]
			s := d.sub()
			decodeVersionFields(&s, v)
			d.done(&s)
		case fReplica:
			var rp Replica
			s := d.sub()
			for s.more() {
				switch t := s.tag(); t {
				case frRegion:
					rp.Region = s.str()
				case frKmsKeyId:
					rp.KmsKeyId = s.str()
				case frStatus:
					rp.Status = s.str()
				case frStatusMessage:
					rp.StatusMessage = s.str()
				case frLastAccessedDate:
					rp.LastAccessedDate = s.time()
				default:
					s.unknown(t)
				}
			}
			d.done(&s)
			r.Replicas = append(r.Replicas, rp)
		case fRotation:
			ro := &r.Rotation
			s := d.sub()
			for s.more() {
				switch t := s.tag(); t {
				case foConfigured:
					ro.Configured = s.flag()
				case foEnabled:
					ro.Enabled = s.flag()
				case foLambdaARN:
					ro.LambdaARN = s.str()
				case foAfterDays:
					ro.AfterDays = int64(s.uvarint())
				case foSchedule:
					ro.Schedule = s.str()
				case foDuration:
					ro.Duration = s.str()
				case foLastDate:
					ro.LastDate = s.time()
				case foNextDate:
					ro.NextDate = s.time()
				case foWindowAt:
					ro.WindowAt = s.time()
				case foToken:
					ro.Token = s.str()
				case foTestOnly:
					ro.TestOnly = s.flag()
				case foAttempts:
					ro.Attempts = int(s.uvarint())
				case foRetryAt:
					ro.RetryAt = s.time()
				default:
					s.unknown(t)
				}
			}
			d.done(&s)
		case fDeprecated:
			if n := d.uvarint(); n <= MaxDeprecated {
				r.Deprecated = int(n)
			} else if d.err == nil {
				d.err = fmt.Errorf("%d deprecated versions", n)
			}
		case fVersionSeq:
			r.VersionSeq = d.uvarint()
		case fMirror:
			r.Mirror = d.str()
		default:
			d.unknown(t)
		}
	}
	if d.err != nil {
		return d.err
	}
	if r.VersionSeq == 0 {
		// Written before versions had a Seq, with every version inline in
		// creation order.
		for i := range r.Versions {
			r.Versions[i].Seq = uint64(i + 1)
		}
		r.VersionSeq = uint64(len(r.Versions))
	}
	return nil
}
