package record

// Version is one version's encrypted value: the record under VersionKey.
type Version struct {
	Term       uint32 // master key term its data key is wrapped with
	KmsKeyId   string
	WrappedKey []byte
	Binary     bool // SecretBinary rather than SecretString
	Ciphertext []byte
}

const (
	fkTerm = 1 + iota
	fkKmsKeyId
	fkWrappedKey
	fkBinary
	fkCiphertext
)

// EncodeVersion encodes v.
func EncodeVersion(v *Version) []byte {
	e := newEncoder(KindVersion, 16+len(v.KmsKeyId)+len(v.WrappedKey)+len(v.Ciphertext))
	e.uint(fkTerm, uint64(v.Term))
	e.str(fkKmsKeyId, v.KmsKeyId)
	e.bytes(fkWrappedKey, v.WrappedKey)
	e.flag(fkBinary, v.Binary)
	e.bytes(fkCiphertext, v.Ciphertext)
	return e.b
}

// DecodeVersion decodes a version record into v. The byte slices of v
// alias b. An error says what is wrong with the record.
func DecodeVersion(b []byte, v *Version) error {
	d := newDecoder(KindVersion, b)
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
	return d.err
}
