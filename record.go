package secretstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unsafe"
)

// The on-disk format.
//
// Keys (one byte of prefix, then fields; names never contain 0x00):
//
//	0x01 "keyring"                          the keyring record (crypto.go)
//	's' region 0x00 name                    a secret's record
//	'v' id(16) versionID                    one version's encrypted value
//	'm' id(16) versionID                    a deprecated version's metadata (versions.go)
//	'c' region 0x00 created(8) name         ListSecrets' created-date index (empty value)
//	'd' deletionDate(8) id(16)              the reaper's deletion-date index (value: region 0x00 name)
//	'p' id(16)                              secrets holding more versions than the quota (value: region 0x00 name)
//	'r' due(8) id(16)                       secrets with a rotation due at that time (value: region 0x00 name)
//	'x' prefix                              records queued for the reaper to shred (reaper.go)
//
// Times in keys are big-endian milliseconds since the Unix epoch, so keys
// sort by time. Records start with a kind byte and a schema version, then a
// sequence of tagged fields; a field whose value is the zero value is left
// out. A reader refuses a schema version it does not know, and a field tag
// it does not know, rather than misread a record a newer build wrote.
const (
	prefixKeyring  = 0x01
	prefixSecret   = 's'
	prefixVersion  = 'v'
	prefixMeta     = 'm'
	prefixCreated  = 'c'
	prefixDeletion = 'd'
	prefixPrune    = 'p'
	prefixRotation = 'r'
	prefixShred    = 'x'
	prefixCommit   = 0x02 // the commit mark: see commitMarkKey

	kindSecret  = 'S'
	kindVersion = 'V'
	kindMeta    = 'M'
	kindKeyring = 'K'

	schemaVersion = 1
)

// idLen is the length of a secret's internal id. Versions and index entries
// are keyed by it rather than by name, so a secret created under the name of
// a purged one never shares records with it.
const idLen = 16

// secretRecord is everything stored about one secret except its values.
type secretRecord struct {
	ID               [idLen]byte
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
	// and the deprecated ones this transaction has brought in
	// (versions.go); the others are in their own records, Deprecated of
	// them, so that a write's size does not grow with a secret's versions.
	Versions   []versionMeta
	Deprecated int
	VersionSeq uint64 // the Seq of the newest version
	Replicas   []replicaMeta
	Rotation   rotationState
	// Mirror is set on a secret mirrored from another Secrets Manager
	// endpoint: the source's URL (mirror.go). Such a secret is read-only.
	Mirror string
}

// rotationState is a secret's rotation configuration and the state of its
// rotations (rotation.go).
type rotationState struct {
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

// versionMeta describes one version; its value is in a version record.
type versionMeta struct {
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

	// stored is the version's own record ('m' key) as read, when it has
	// one: a deprecated version's metadata lives there.
	stored []byte
}

// replicaMeta is one replica region of a primary secret.
type replicaMeta struct {
	Region           string
	KmsKeyId         string
	Status           string
	StatusMessage    string
	LastAccessedDate time.Time
}

// versionRecord is one version's encrypted value (crypto.go).
type versionRecord struct {
	Term       uint32 // master key term its data key is wrapped with
	KmsKeyId   string
	WrappedKey []byte
	Binary     bool // SecretBinary rather than SecretString
	Ciphertext []byte
}

func (r *secretRecord) deleted() bool { return !r.DeletedDate.IsZero() }

func (r *secretRecord) replica() bool { return r.PrimaryRegion != "" }

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

// Field tags inside a version entry, a tag, a replica entry and a version record.
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

const (
	fkTerm = 1 + iota
	fkKmsKeyId
	fkWrappedKey
	fkBinary
	fkCiphertext
)

// encoder appends tagged fields to a buffer.
type encoder struct{ b []byte }

func newEncoder(kind byte, size int) *encoder {
	e := &encoder{b: make([]byte, 0, size)}
	e.b = append(e.b, kind, schemaVersion)
	return e
}

func (e *encoder) bytes(tag byte, v []byte) {
	if len(v) == 0 {
		return
	}
	e.b = append(e.b, tag)
	e.b = binary.AppendUvarint(e.b, uint64(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) str(tag byte, v string) {
	if v == "" {
		return
	}
	e.b = append(e.b, tag)
	e.b = binary.AppendUvarint(e.b, uint64(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) flag(tag byte, v bool) {
	if v {
		e.b = append(e.b, tag, 0)
	}
}

func (e *encoder) uint(tag byte, v uint64) {
	if v != 0 {
		e.b = append(e.b, tag)
		e.b = binary.AppendUvarint(e.b, v)
	}
}

func (e *encoder) time(tag byte, t time.Time) {
	if !t.IsZero() {
		e.b = append(e.b, tag)
		e.b = binary.AppendVarint(e.b, t.UnixMilli())
	}
}

// nested writes a length-prefixed group of fields written by fn.
func (e *encoder) nested(tag byte, fn func(*encoder)) {
	e.b = append(e.b, tag)
	at := len(e.b)
	e.b = append(e.b, 0, 0, 0) // room for the length; fixed below
	start := len(e.b)
	fn(e)
	n := len(e.b) - start
	if n >= 1<<21 {
		panic("secretstore: nested record field over 2 MiB") // callers bound what they nest
	}
	// Store the length as a 3-byte uvarint so it can be patched in place.
	e.b[at] = byte(n) | 0x80
	e.b[at+1] = byte(n>>7) | 0x80
	e.b[at+2] = byte(n >> 14)
}

// decoder reads tagged fields. The first error sticks; fields read after it
// are zero. It is a value, so decoding allocates only what it returns.
type decoder struct {
	b   []byte
	err error
	// owned means b belongs to the record being decoded and is never
	// changed: strings may then share its memory instead of copying it.
	owned bool
}

func newDecoder(kind byte, b []byte) decoder {
	d := decoder{b: b}
	switch {
	case len(b) < 2:
		d.err = errShortRecord
	case b[0] != kind:
		d.err = fmt.Errorf("record kind %q, want %q", b[0], kind)
	case b[1] != schemaVersion:
		d.err = fmt.Errorf("record schema version %d; this build of secretstore reads version %d", b[1], schemaVersion)
	default:
		d.b = b[2:]
	}
	return d
}

var errShortRecord = errors.New("record too short")

func (d *decoder) more() bool { return d.err == nil && len(d.b) > 0 }

func (d *decoder) tag() byte {
	t := d.b[0]
	d.b = d.b[1:]
	return t
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// raw returns the next length-prefixed field without copying.
func (d *decoder) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("field length %d past the end of the record", n)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte { return append([]byte(nil), d.raw()...) }

func (d *decoder) str() string {
	b := d.raw()
	if d.owned && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

// stage decodes a staging label, without allocating for the AWS labels.
func (d *decoder) stage() string {
	b := d.raw()
	switch string(b) {
	case StageCurrent:
		return StageCurrent
	case StagePrevious:
		return StagePrevious
	case StagePending:
		return StagePending
	}
	if d.owned && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

func (d *decoder) flag() bool {
	if d.err == nil {
		if len(d.b) == 0 || d.b[0] != 0 {
			d.err = fmt.Errorf("bad flag")
			return false
		}
		d.b = d.b[1:]
	}
	return d.err == nil
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("bad time")
		return time.Time{}
	}
	d.b = d.b[n:]
	return time.UnixMilli(v).UTC()
}

func (d *decoder) unknown(t byte) {
	if d.err == nil {
		d.err = fmt.Errorf("unknown field %d", t)
	}
}

// sub returns a decoder over the next nested group. Call done with it
// afterwards to carry its error over.
func (d *decoder) sub() decoder {
	return decoder{b: d.raw(), owned: d.owned}
}

func (d *decoder) done(s *decoder) {
	if d.err == nil {
		d.err = s.err
	}
}

func encodeSecret(r *secretRecord) []byte {
	e := newEncoder(kindSecret, 256+64*len(r.Versions))
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

func encodeVersionFields(e *encoder, v *versionMeta) {
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

// encodeVersionMeta encodes the record of a deprecated version's metadata.
func encodeVersionMeta(v *versionMeta) []byte {
	e := newEncoder(kindMeta, 64+len(v.ID))
	encodeVersionFields(e, v)
	return e.b
}

// decodeVersionMeta decodes a record encodeVersionMeta wrote; v keeps b.
func decodeVersionMeta(b []byte) (versionMeta, error) {
	var v versionMeta
	d := newDecoder(kindMeta, b)
	d.owned = true
	decodeVersionFields(&d, &v)
	if d.err == nil && v.ID == "" {
		d.err = errors.New("a version record without an id")
	}
	if d.err != nil {
		return v, corrupt("version metadata", d.err)
	}
	v.stored = b
	return v, nil
}

// decodeVersionFields decodes the fields of a version from d.
func decodeVersionFields(s *decoder, v *versionMeta) {
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

// decodeSecret decodes a secret record. b must be a buffer the record may
// keep: the record's strings share its memory, so it must never be changed.
func decodeSecret(b []byte) (*secretRecord, error) {
	r := new(secretRecord)
	d := newDecoder(kindSecret, b)
	d.owned = true
	for d.more() {
		switch t := d.tag(); t {
		case fID:
			if id := d.raw(); len(id) == idLen {
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
				r.Versions = make([]versionMeta, 0, 1+len(d.b)/versionMinBytes)
			}
			r.Versions = append(r.Versions, versionMeta{})
			v := &r.Versions[len(r.Versions)-1]
			s := d.sub()
			decodeVersionFields(&s, v)
			d.done(&s)
		case fReplica:
			var rp replicaMeta
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
			if n := d.uvarint(); n <= maxDeprecated {
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
		return nil, corrupt("secret", d.err)
	}
	if r.VersionSeq == 0 {
		// Written before versions had a Seq, with every version inline in
		// creation order.
		for i := range r.Versions {
			r.Versions[i].Seq = uint64(i + 1)
		}
		r.VersionSeq = uint64(len(r.Versions))
	}
	return r, nil
}

func encodeVersion(v *versionRecord) []byte {
	e := newEncoder(kindVersion, 16+len(v.KmsKeyId)+len(v.WrappedKey)+len(v.Ciphertext))
	e.uint(fkTerm, uint64(v.Term))
	e.str(fkKmsKeyId, v.KmsKeyId)
	e.bytes(fkWrappedKey, v.WrappedKey)
	e.flag(fkBinary, v.Binary)
	e.bytes(fkCiphertext, v.Ciphertext)
	return e.b
}

// decodeVersion decodes a version record. The byte slices of the result
// alias b.
func decodeVersion(b []byte) (*versionRecord, error) {
	var v versionRecord
	if err := v.decode(b); err != nil {
		return nil, err
	}
	return &v, nil
}

// decode is decodeVersion into v.
func (v *versionRecord) decode(b []byte) error {
	d := newDecoder(kindVersion, b)
	for d.more() {
		switch t := d.tag(); t {
		case fkTerm:
			v.Term = uint32(d.uvarint())
		case fkKmsKeyId:
			v.KmsKeyId = d.str()
		case fkWrappedKey:
			v.WrappedKey = d.raw()
		case fkBinary:
			v.Binary = d.flag()
		case fkCiphertext:
			v.Ciphertext = d.raw()
		default:
			d.unknown(t)
		}
	}
	if d.err != nil {
		return corrupt("version", d.err)
	}
	return nil
}

// corrupt reports a record that cannot be read: an InternalServiceError
// that also matches ErrCorrupt.
func corrupt(what string, err error) *Error {
	e := newErrorf(ErrInternalServiceError, "reading a %s record: %v. The record was written by a newer secretstore (upgrade), or it is damaged: run secretstore verify to list the damaged records, and restore them from a backup", what, err)
	e.also = ErrCorrupt
	return e
}

// keyringRecord is the stored state of the master keys.
type keyringRecord struct {
	Term         uint32 // term of the master key in use
	Verifier     []byte // verifier of that key
	Salt         []byte // Argon2id salt, when the first key came from a passphrase
	ArgonTime    uint32
	ArgonMemory  uint32
	ArgonThreads uint32
	// While a rotation runs: the new key's term and verifier, and the old
	// key sealed with the new one.
	NextTerm     uint32
	NextVerifier []byte
	PrevWrapped  []byte
}

const (
	fkrTerm = 1 + iota
	fkrVerifier
	fkrSalt
	fkrArgonTime
	fkrArgonMemory
	fkrArgonThreads
	fkrNextTerm
	fkrNextVerifier
	fkrPrevWrapped
)

func encodeKeyring(k *keyringRecord) []byte {
	e := newEncoder(kindKeyring, 256)
	e.uint(fkrTerm, uint64(k.Term))
	e.bytes(fkrVerifier, k.Verifier)
	e.bytes(fkrSalt, k.Salt)
	e.uint(fkrArgonTime, uint64(k.ArgonTime))
	e.uint(fkrArgonMemory, uint64(k.ArgonMemory))
	e.uint(fkrArgonThreads, uint64(k.ArgonThreads))
	e.uint(fkrNextTerm, uint64(k.NextTerm))
	e.bytes(fkrNextVerifier, k.NextVerifier)
	e.bytes(fkrPrevWrapped, k.PrevWrapped)
	return e.b
}

func decodeKeyring(b []byte) (*keyringRecord, error) {
	k := new(keyringRecord)
	d := newDecoder(kindKeyring, b)
	for d.more() {
		switch t := d.tag(); t {
		case fkrTerm:
			k.Term = uint32(d.uvarint())
		case fkrVerifier:
			k.Verifier = d.bytes()
		case fkrSalt:
			k.Salt = d.bytes()
		case fkrArgonTime:
			k.ArgonTime = uint32(d.uvarint())
		case fkrArgonMemory:
			k.ArgonMemory = uint32(d.uvarint())
		case fkrArgonThreads:
			k.ArgonThreads = uint32(d.uvarint())
		case fkrNextTerm:
			k.NextTerm = uint32(d.uvarint())
		case fkrNextVerifier:
			k.NextVerifier = d.bytes()
		case fkrPrevWrapped:
			k.PrevWrapped = d.bytes()
		default:
			d.unknown(t)
		}
	}
	if d.err != nil {
		return nil, corrupt("keyring", d.err)
	}
	return k, nil
}

// Keys.

var keyringKey = []byte{prefixKeyring, 'k', 'e', 'y', 'r', 'i', 'n', 'g'}

// commitMarkKey is written, with no value, by the transactions that may
// write nothing but deletions, and before a drop of prefixes: the newest
// commit must stay in the folder, which Open compares with the watermark,
// and Badger forgets a deletion once a compaction has dropped what it
// deleted. Every other transaction writes a record, whose newest version a
// compaction keeps.
var commitMarkKey = []byte{prefixCommit}

func secretKey(region, name string) []byte {
	k := make([]byte, 0, 2+len(region)+len(name))
	k = append(k, prefixSecret)
	k = append(k, region...)
	k = append(k, 0)
	return append(k, name...)
}

// secretPrefix is the key prefix of every secret in region whose name starts
// with namePrefix.
func secretPrefix(region, namePrefix string) []byte { return secretKey(region, namePrefix) }

func versionKey(id [idLen]byte, versionID string) []byte {
	return versionIDKey(prefixVersion, id, versionID)
}

func versionPrefix(id [idLen]byte) []byte { return versionIDKey(prefixVersion, id, "") }

func metaKey(id [idLen]byte, versionID string) []byte {
	return versionIDKey(prefixMeta, id, versionID)
}

func metaPrefix(id [idLen]byte) []byte { return versionIDKey(prefixMeta, id, "") }

// versionIDKey is the key prefix id(16) versionID.
func versionIDKey(prefix byte, id [idLen]byte, versionID string) []byte {
	k := make([]byte, 0, 1+idLen+len(versionID))
	k = append(k, prefix)
	k = append(k, id[:]...)
	return append(k, versionID...)
}

func createdKey(region string, created time.Time, name string) []byte {
	k := make([]byte, 0, 10+len(region)+len(name))
	k = append(k, prefixCreated)
	k = append(k, region...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(created.UnixMilli()))
	return append(k, name...)
}

func createdPrefix(region string) []byte {
	return append(append([]byte{prefixCreated}, region...), 0)
}

func deletionKey(at time.Time, id [idLen]byte) []byte {
	k := make([]byte, 0, 9+idLen)
	k = append(k, prefixDeletion)
	k = binary.BigEndian.AppendUint64(k, uint64(at.UnixMilli()))
	return append(k, id[:]...)
}

func rotationKey(due time.Time, id [idLen]byte) []byte {
	k := make([]byte, 0, 9+idLen)
	k = append(k, prefixRotation)
	k = binary.BigEndian.AppendUint64(k, uint64(due.UnixMilli()))
	return append(k, id[:]...)
}

func pruneKey(id [idLen]byte) []byte {
	return append([]byte{prefixPrune}, id[:]...)
}

// regionName is the value of index entries that point at a secret record.
func regionName(region, name string) []byte {
	return append(append(append(make([]byte, 0, len(region)+1+len(name)), region...), 0), name...)
}

func splitRegionName(v []byte) (region, name string, ok bool) {
	for i, c := range v {
		if c == 0 {
			return string(v[:i]), string(v[i+1:]), true
		}
	}
	return "", "", false
}
