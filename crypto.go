package secretstore

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Envelope encryption.
//
// Every version's value is sealed with its own random 256-bit data key
// (XChaCha20-Poly1305), with the secret's internal id, the version id and the
// value's kind as additional data, so a ciphertext moved to another record
// does not open. The data key is stored wrapped (sealed) by a key-encryption
// key derived with HKDF-SHA256 from the master key and the version's
// KmsKeyId, so two KmsKeyIds never share a key. Purging a version deletes its
// wrapped data key, after which no bytes left in Badger's value log can be
// decrypted (crypto-shredding).
//
// The master key never reaches the disk. The keyring record holds a
// verifier (an HMAC of a fixed string under the master key) so Open can tell
// a wrong key before it writes anything, the Argon2id salt when the key comes
// from a passphrase, and, while RotateMasterKey runs, the old key sealed with
// the new one. Each master key has a term number; a version record names the
// term its data key is wrapped with.

const (
	masterKeyLen = 32
	dataKeyLen   = chacha20poly1305.KeySize
	nonceLen     = chacha20poly1305.NonceSizeX
	wrappedLen   = nonceLen + dataKeyLen + chacha20poly1305.Overhead

	// Argon2id parameters for Options.Passphrase: RFC 9106's second
	// recommended option (t=3, 64 MiB, 4 lanes). They are stored with the
	// salt, so they can be raised later without breaking old databases.
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 4
	saltLen      = 16
)

var keyringKey = []byte{prefixKeyring, 'k', 'e', 'y', 'r', 'i', 'n', 'g'}

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

// verifier returns the value stored to recognise master key mk.
func verifier(mk []byte) []byte {
	h := hmac.New(sha256.New, mk)
	h.Write([]byte("secretstore/v1 master key verifier"))
	return h.Sum(nil)
}

// keySource is where Open gets the master key from.
type keySource struct {
	key        []byte // MasterKey or the contents of MasterKeyFile
	passphrase string
}

// readKeySource checks that exactly one key source is set and loads it.
func readKeySource(o *Options) (keySource, error) {
	n := 0
	for _, set := range []bool{o.MasterKey != nil, o.MasterKeyFile != "", o.Passphrase != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return keySource{}, fmt.Errorf("secretstore: set exactly one of Options.MasterKey, Options.MasterKeyFile and Options.Passphrase (%d are set)", n)
	}
	switch {
	case o.MasterKey != nil:
		if len(o.MasterKey) != masterKeyLen {
			return keySource{}, fmt.Errorf("secretstore: Options.MasterKey is %d bytes; it must be %d random bytes", len(o.MasterKey), masterKeyLen)
		}
		return keySource{key: append([]byte(nil), o.MasterKey...)}, nil
	case o.MasterKeyFile != "":
		key, err := ReadMasterKeyFile(o.MasterKeyFile)
		return keySource{key: key}, err
	default:
		return keySource{passphrase: o.Passphrase}, nil
	}
}

// ReadMasterKeyFile reads a master key file: either exactly 32 raw bytes, or
// the standard base64 encoding of 32 bytes (surrounding whitespace ignored).
func ReadMasterKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secretstore: reading master key file: %w", err)
	}
	if len(b) == masterKeyLen {
		return b, nil
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != masterKeyLen {
		return nil, fmt.Errorf("secretstore: master key file %s must hold %d raw bytes or their base64 encoding", path, masterKeyLen)
	}
	return key, nil
}

// kekID names a key-encryption key: a master key term and a KmsKeyId.
type kekID struct {
	term uint32
	kms  string
}

// keys holds the master keys in memory and the key-encryption keys derived
// from them.
type keys struct {
	mu      sync.RWMutex
	write   uint32            // the term new data keys are wrapped with
	masters map[uint32][]byte // term -> master key
	keks    map[kekID]cipher.AEAD
}

// newKeys returns keys holding a copy of master key mk as term, the term
// new data keys are wrapped with.
func newKeys(term uint32, mk []byte) *keys {
	return &keys{write: term, masters: map[uint32][]byte{term: bytes.Clone(mk)}, keks: map[kekID]cipher.AEAD{}}
}

// kek returns the key-encryption key for KmsKeyId kms under master key term.
func (k *keys) kek(term uint32, kms string) (cipher.AEAD, error) {
	id := kekID{term, kms}
	k.mu.RLock()
	a, ok := k.keks[id]
	k.mu.RUnlock()
	if ok {
		return a, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if a, ok := k.keks[id]; ok {
		return a, nil
	}
	mk, ok := k.masters[term]
	if !ok {
		return nil, newError(ErrDecryptionFailure, "the value is wrapped with master key term %d, which this store does not hold", term)
	}
	if kms == "" {
		kms = defaultKmsKeyID
	}
	var kb [dataKeyLen]byte
	if _, err := hkdf.New(sha256.New, mk, nil, []byte("secretstore/v1 kek\x00"+kms)).Read(kb[:]); err != nil {
		return nil, newError(ErrEncryptionFailure, "deriving the key for KmsKeyId %q: %v", kms, err)
	}
	a, err := chacha20poly1305.NewX(kb[:])
	clear(kb[:])
	if err != nil {
		return nil, newError(ErrEncryptionFailure, "deriving the key for KmsKeyId %q: %v", kms, err)
	}
	k.keks[id] = a
	return a, nil
}

// writeTerm returns the master key term new data keys are wrapped with: the
// new key's while a rotation runs. Read-write transactions read it while
// they hold core.termMu shared, so it cannot change under them (see
// beginRotation).
func (k *keys) writeTerm() uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.write
}

// Additional data binds a ciphertext to its place.
func valueAAD(buf []byte, id [idLen]byte, versionID string, binary bool) []byte {
	buf = append(buf, "secretstore/v1 value\x00"...)
	buf = append(buf, id[:]...)
	buf = append(buf, versionID...)
	if binary {
		return append(buf, 0, 'b')
	}
	return append(buf, 0, 's')
}

func dataKeyAAD(buf []byte, id [idLen]byte, versionID, kms string) []byte {
	buf = append(buf, "secretstore/v1 data key\x00"...)
	buf = append(buf, id[:]...)
	buf = append(buf, versionID...)
	buf = append(buf, 0)
	return append(buf, kms...)
}

// seal encrypts a value for version versionID of the secret with internal
// id, under KmsKeyId kms and master key term.
func (k *keys) seal(term uint32, id [idLen]byte, versionID, kms string, binary bool, plaintext []byte) (*versionRecord, error) {
	// The data key and both nonces, from one read of the system's randomness.
	var rnd [dataKeyLen + 2*nonceLen]byte
	defer clear(rnd[:])
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, newError(ErrEncryptionFailure, "generating a data key: %v", err)
	}
	dek, valueNonce, wrapNonce := rnd[:dataKeyLen], rnd[dataKeyLen:dataKeyLen+nonceLen], rnd[dataKeyLen+nonceLen:]
	aead, err := chacha20poly1305.NewX(dek)
	if err != nil {
		return nil, newError(ErrEncryptionFailure, "%v", err)
	}
	ct := make([]byte, 0, nonceLen+len(plaintext)+aead.Overhead())
	ct = append(ct, valueNonce...)
	var aad [128]byte
	ct = aead.Seal(ct, valueNonce, plaintext, valueAAD(aad[:0], id, versionID, binary))
	wrapped, err := k.wrapWithNonce(term, id, versionID, kms, dek, wrapNonce)
	if err != nil {
		return nil, err
	}
	return &versionRecord{Term: term, KmsKeyId: kms, WrappedKey: wrapped, Binary: binary, Ciphertext: ct}, nil
}

// wrap seals data key dek with the key-encryption key of term and kms.
func (k *keys) wrap(term uint32, id [idLen]byte, versionID, kms string, dek []byte) ([]byte, error) {
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, newError(ErrEncryptionFailure, "generating a nonce: %v", err)
	}
	return k.wrapWithNonce(term, id, versionID, kms, dek, nonce[:])
}

func (k *keys) wrapWithNonce(term uint32, id [idLen]byte, versionID, kms string, dek, nonce []byte) ([]byte, error) {
	kek, err := k.kek(term, kms)
	if err != nil {
		return nil, err
	}
	w := append(make([]byte, 0, wrappedLen), nonce...)
	var aad [128]byte
	return kek.Seal(w, nonce, dek, dataKeyAAD(aad[:0], id, versionID, kms)), nil
}

// scratch holds the buffers of one decryption. The AEAD interface makes
// them escape, so they come from a pool rather than the heap on every read,
// and are cleared before they go back.
type scratch struct {
	dek [dataKeyLen]byte
	aad [128]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// unwrap returns v's data key in dst.
func (k *keys) unwrap(dst []byte, v *versionRecord, id [idLen]byte, versionID string) error {
	kek, err := k.kek(v.Term, v.KmsKeyId)
	if err != nil {
		return err
	}
	if len(v.WrappedKey) != wrappedLen {
		return errDecrypt(versionID)
	}
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	if _, err := kek.Open(dst[:0], v.WrappedKey[:nonceLen], v.WrappedKey[nonceLen:], dataKeyAAD(sc.aad[:0], id, versionID, v.KmsKeyId)); err != nil {
		return errDecrypt(versionID)
	}
	return nil
}

func putScratch(sc *scratch) {
	clear(sc.dek[:])
	scratchPool.Put(sc)
}

// open decrypts v, the value of version versionID of the secret with
// internal id, appending the plaintext to dst. The caller should clear it
// when done.
func (k *keys) open(dst []byte, v *versionRecord, id [idLen]byte, versionID string) ([]byte, error) {
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	if err := k.unwrap(sc.dek[:], v, id, versionID); err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(sc.dek[:])
	if err != nil || len(v.Ciphertext) < nonceLen+aead.Overhead() {
		return nil, errDecrypt(versionID)
	}
	pt, err := aead.Open(dst, v.Ciphertext[:nonceLen], v.Ciphertext[nonceLen:], valueAAD(sc.aad[:0], id, versionID, v.Binary))
	if err != nil {
		return nil, errDecrypt(versionID)
	}
	return pt, nil
}

// rewrap re-wraps v's data key under master key term and KmsKeyId kms,
// leaving the value's ciphertext alone.
func (k *keys) rewrap(v *versionRecord, id [idLen]byte, versionID string, term uint32, kms string) error {
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	if err := k.unwrap(sc.dek[:], v, id, versionID); err != nil {
		return err
	}
	w, err := k.wrap(term, id, versionID, kms, sc.dek[:])
	if err != nil {
		return err
	}
	v.Term, v.KmsKeyId, v.WrappedKey = term, kms, w
	return nil
}

func errDecrypt(versionID string) error {
	return newError(ErrDecryptionFailure, "Secrets Manager can't decrypt the protected secret text using the provided KMS key: the stored value of version %s failed authentication (the data was changed, moved, or written with another master key).", versionID)
}

// loadKeys reads the keyring and checks the master key against it, creating
// the keyring on a new database. It writes only when the database has no
// keyring yet.
func loadKeys(db *badger.DB, src keySource) (*keys, error) {
	var kr *keyringRecord
	err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keyringKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			kr, err = decodeKeyring(b)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	if kr == nil {
		return createKeyring(db, src)
	}
	mk := src.key
	if src.passphrase != "" {
		if len(kr.Salt) == 0 {
			return nil, fmt.Errorf("%w: this database was created with a master key, not a passphrase", ErrWrongMasterKey)
		}
		mk = argon2.IDKey([]byte(src.passphrase), kr.Salt, kr.ArgonTime, kr.ArgonMemory, uint8(kr.ArgonThreads), masterKeyLen)
	}
	v := verifier(mk)
	if kr.NextTerm != 0 {
		// A rotation was interrupted: only the new key opens the store.
		if subtle.ConstantTimeCompare(v, kr.NextVerifier) != 1 {
			if subtle.ConstantTimeCompare(v, kr.Verifier) == 1 {
				return nil, fmt.Errorf("%w: a master key rotation was interrupted; open with the new key and call RotateMasterKey with it again to finish", ErrWrongMasterKey)
			}
			return nil, ErrWrongMasterKey
		}
		old, err := unsealKey(mk, kr.PrevWrapped)
		if err != nil {
			return nil, err
		}
		k := newKeys(kr.NextTerm, mk)
		k.masters[kr.Term] = old // unsealKey returned a fresh slice
		return k, nil
	}
	if subtle.ConstantTimeCompare(v, kr.Verifier) != 1 {
		return nil, ErrWrongMasterKey
	}
	return newKeys(kr.Term, mk), nil
}

func createKeyring(db *badger.DB, src keySource) (*keys, error) {
	kr := &keyringRecord{Term: 1}
	mk := src.key
	if src.passphrase != "" {
		kr.Salt = make([]byte, saltLen)
		if _, err := rand.Read(kr.Salt); err != nil {
			return nil, err
		}
		kr.ArgonTime, kr.ArgonMemory, kr.ArgonThreads = argonTime, argonMemory, argonThreads
		mk = argon2.IDKey([]byte(src.passphrase), kr.Salt, argonTime, argonMemory, argonThreads, masterKeyLen)
	}
	kr.Verifier = verifier(mk)
	err := db.Update(func(txn *badger.Txn) error {
		if _, err := txn.Get(keyringKey); err == nil {
			return fmt.Errorf("secretstore: another process created the keyring while this one was opening the database")
		}
		return txn.Set(keyringKey, encodeKeyring(kr))
	})
	if err != nil {
		return nil, err
	}
	return newKeys(kr.Term, mk), nil
}

// sealKey seals key with the master key mk (used to keep the old master key
// during a rotation).
func sealKey(mk, key []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(mk)
	if err != nil {
		return nil, err
	}
	out := make([]byte, nonceLen, nonceLen+len(key)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[:nonceLen], key, []byte("secretstore/v1 previous master key")), nil
}

func unsealKey(mk, sealed []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(mk)
	if err != nil || len(sealed) < nonceLen {
		return nil, fmt.Errorf("%w: the keyring's previous key is unreadable", ErrWrongMasterKey)
	}
	key, err := aead.Open(nil, sealed[:nonceLen], sealed[nonceLen:], []byte("secretstore/v1 previous master key"))
	if err != nil {
		return nil, fmt.Errorf("%w: the keyring's previous key is unreadable", ErrWrongMasterKey)
	}
	return key, nil
}

// rotateBatch is how many version records RotateMasterKey re-wraps in one
// transaction.
const rotateBatch = 256

// RotateMasterKey replaces the store's master key with newKey (32 bytes).
// Every data key is re-wrapped with the new key; values are not re-encrypted.
// From the moment it starts, the store opens only with newKey. The work is
// done in batches, each its own transaction: if the process stops before
// RotateMasterKey returns, open the store with newKey and call
// RotateMasterKey(ctx, newKey) again to finish. Calling it with another key
// while a rotation is unfinished is an error.
//
// Other operations may run meanwhile; values written during the rotation
// already use the new key.
func (s *Store) RotateMasterKey(ctx context.Context, newKey []byte) error {
	c, err := s.begin()
	if err != nil {
		return err
	}
	defer c.end()
	if len(newKey) != masterKeyLen {
		return newError(ErrInvalidParameter, "the new master key is %d bytes; it must be %d random bytes", len(newKey), masterKeyLen)
	}
	c.rotateMu.Lock()
	defer c.rotateMu.Unlock()

	newKey = append([]byte(nil), newKey...)
	oldTerm, newTerm, err := c.beginRotation(ctx, newKey)
	if err != nil {
		return err
	}
	if err := c.rewrapAll(ctx, newTerm); err != nil {
		return err
	}
	return c.finishRotation(ctx, oldTerm, newTerm)
}

// beginRotation records in the keyring that a rotation to newKey has begun
// (or checks that the unfinished one is to newKey), and from then on wraps
// new data keys with newKey. It holds core.termMu exclusively: no write is
// in flight with the old term, so every data key wrapped with it is
// committed before rewrapAll starts looking.
func (c *core) beginRotation(ctx context.Context, newKey []byte) (oldTerm, newTerm uint32, err error) {
	c.termMu.Lock()
	defer c.termMu.Unlock()
	nv := verifier(newKey)
	var added uint32 // a term this call put in memory, removed again on failure
	setKeyring := func(txn *badger.Txn) error {
		kr, err := readKeyring(txn)
		if err != nil {
			return err
		}
		switch {
		case kr.NextTerm != 0:
			if subtle.ConstantTimeCompare(nv, kr.NextVerifier) != 1 {
				return newError(ErrInvalidRequest, "a master key rotation to another key is unfinished; call RotateMasterKey with that key first")
			}
		case subtle.ConstantTimeCompare(nv, kr.Verifier) == 1:
			return newError(ErrInvalidParameter, "the new master key is the key already in use")
		default:
			c.keys.mu.RLock()
			old := c.keys.masters[kr.Term]
			c.keys.mu.RUnlock()
			if kr.PrevWrapped, err = sealKey(newKey, old); err != nil {
				return err
			}
			kr.NextTerm, kr.NextVerifier = kr.Term+1, nv
		}
		oldTerm, newTerm = kr.Term, kr.NextTerm
		c.keys.mu.Lock()
		if _, ok := c.keys.masters[newTerm]; !ok {
			c.keys.masters[newTerm], added = newKey, newTerm
		}
		c.keys.mu.Unlock()
		return txn.Set(keyringKey, encodeKeyring(kr))
	}
	err = c.retry(ctx, func(txn *badger.Txn) error { return c.commit(txn, setKeyring) })
	if err != nil {
		if added != 0 {
			c.keys.mu.Lock()
			delete(c.keys.masters, added)
			c.keys.mu.Unlock()
		}
		return 0, 0, err
	}
	c.keys.mu.Lock()
	c.keys.write = newTerm
	c.keys.mu.Unlock()
	return oldTerm, newTerm, nil
}

// finishRotation makes the new key the only one, in the keyring and in
// memory.
func (c *core) finishRotation(ctx context.Context, oldTerm, newTerm uint32) error {
	err := c.update(ctx, func(txn *badger.Txn) error {
		kr, err := readKeyring(txn)
		if err != nil {
			return err
		}
		kr.Term, kr.Verifier = kr.NextTerm, kr.NextVerifier
		kr.NextTerm, kr.NextVerifier, kr.PrevWrapped = 0, nil, nil
		return txn.Set(keyringKey, encodeKeyring(kr))
	})
	if err != nil {
		return err
	}
	c.keys.mu.Lock()
	old := c.keys.masters[oldTerm]
	delete(c.keys.masters, oldTerm)
	for id := range c.keys.keks {
		if id.term == oldTerm {
			delete(c.keys.keks, id)
		}
	}
	c.keys.mu.Unlock()
	clear(old)
	c.log.Info("master key rotated", "term", newTerm)
	return nil
}

func readKeyring(txn *badger.Txn) (*keyringRecord, error) {
	item, err := txn.Get(keyringKey)
	if err != nil {
		return nil, newError(ErrInternalServiceError, "reading the keyring: %v", err)
	}
	var kr *keyringRecord
	err = item.Value(func(b []byte) error {
		kr, err = decodeKeyring(b)
		return err
	})
	return kr, err
}

// rewrapAll re-wraps every data key not yet under term, in batches.
func (c *core) rewrapAll(ctx context.Context, term uint32) error {
	from := []byte{prefixVersion}
	for from != nil {
		var err error
		if from, err = c.rewrapBatch(ctx, term, from, rotateBatch); err != nil {
			return err
		}
	}
	return nil
}

// rewrapBatch re-wraps, in one transaction, the data keys of up to n version
// records from key from on that are not under term. It returns where the
// next batch starts, or nil after the last record.
func (c *core) rewrapBatch(ctx context.Context, term uint32, from []byte, n int) (next []byte, err error) {
	err = c.update(ctx, func(txn *badger.Txn) error {
		next = nil
		seen := 0
		return iterate(txn, []byte{prefixVersion}, from, false, func(key, b []byte) (bool, error) {
			if seen == n {
				next = bytes.Clone(key)
				return false, nil
			}
			seen++
			v, err := decodeVersion(b)
			if err != nil || v.Term == term {
				return err == nil, err
			}
			var id [idLen]byte
			copy(id[:], key[1:1+idLen])
			if err := c.keys.rewrap(v, id, string(key[1+idLen:]), term, v.KmsKeyId); err != nil {
				return false, err
			}
			return true, txn.Set(bytes.Clone(key), encodeVersion(v))
		})
	})
	return next, err
}
