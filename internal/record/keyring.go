package record

// Keyring is the stored state of the master keys: the record under
// KeyringKey.
type Keyring struct {
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

// EncodeKeyring encodes k.
func EncodeKeyring(k *Keyring) []byte {
	e := newEncoder(KindKeyring, 256)
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

// DecodeKeyring decodes a keyring record. An error says what is wrong with
// the record.
func DecodeKeyring(b []byte) (*Keyring, error) {
	k := new(Keyring)
	d := newDecoder(KindKeyring, b)
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
		return nil, d.err
	}
	return k, nil
}
