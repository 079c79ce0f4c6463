package secretstore

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
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
	dataKeyLen = chacha20poly1305.KeySize
	nonceLen   = chacha20poly1305.NonceSizeX
	wrappedLen = nonceLen + dataKeyLen + chacha20poly1305.Overhead
)

// defaultKmsKeyID names the key-encryption key of a version whose KmsKeyId
// is empty: AWS's default key.
const defaultKmsKeyID = "aws/secretsmanager"

// verifier returns the value stored to recognise master key mk.
func verifier(mk []byte) []byte {
	h := hmac.New(sha256.New, mk)
	h.Write([]byte("secretstore/v1 master key verifier"))
	return h.Sum(nil)
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
		return nil, newErrorf(ErrDecryptionFailure, "the value is wrapped with master key term %d, which this store does not hold", term)
	}
	if kms == "" {
		kms = defaultKmsKeyID
	}
	var kb [dataKeyLen]byte
	if _, err := hkdf.New(sha256.New, mk, nil, []byte("secretstore/v1 kek\x00"+kms)).Read(kb[:]); err != nil {
		return nil, newErrorf(ErrEncryptionFailure, "deriving the key for KmsKeyId %q: %v", kms, err)
	}
	a, err := chacha20poly1305.NewX(kb[:])
	clear(kb[:])
	if err != nil {
		return nil, newErrorf(ErrEncryptionFailure, "deriving the key for KmsKeyId %q: %v", kms, err)
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
func valueAAD(buf []byte, id record.ID, versionID string, binary bool) []byte {
	buf = append(buf, "secretstore/v1 value\x00"...)
	buf = append(buf, id[:]...)
	buf = append(buf, versionID...)
	if binary {
		return append(buf, 0, 'b')
	}
	return append(buf, 0, 's')
}

func dataKeyAAD(buf []byte, id record.ID, versionID, kms string) []byte {
	buf = append(buf, "secretstore/v1 data key\x00"...)
	buf = append(buf, id[:]...)
	buf = append(buf, versionID...)
	buf = append(buf, 0)
	return append(buf, kms...)
}

// seal encrypts a value for version versionID of the secret with internal
// id, under KmsKeyId kms and master key term.
func (k *keys) seal(term uint32, id record.ID, versionID, kms string, binary bool, plaintext []byte) (*record.Version, error) {
	// The data key and both nonces, from one read of the system's randomness.
	var rnd [dataKeyLen + 2*nonceLen]byte
	defer clear(rnd[:])
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, newErrorf(ErrEncryptionFailure, "generating a data key: %v", err)
	}
	dek, valueNonce, wrapNonce := rnd[:dataKeyLen], rnd[dataKeyLen:dataKeyLen+nonceLen], rnd[dataKeyLen+nonceLen:]
	aead, err := chacha20poly1305.NewX(dek)
	if err != nil {
		return nil, newErrorf(ErrEncryptionFailure, "%v", err)
	}
	ct := make([]byte, 0, nonceLen+len(plaintext)+aead.Overhead())
	ct = append(ct, valueNonce...)
	var aad [128]byte
	ct = aead.Seal(ct, valueNonce, plaintext, valueAAD(aad[:0], id, versionID, binary))
	wrapped, err := k.wrapWithNonce(term, id, versionID, kms, dek, wrapNonce)
	if err != nil {
		return nil, err
	}
	return &record.Version{Term: term, KmsKeyId: kms, WrappedKey: wrapped, Binary: binary, Ciphertext: ct}, nil
}

// wrap seals data key dek with the key-encryption key of term and kms.
func (k *keys) wrap(term uint32, id record.ID, versionID, kms string, dek []byte) ([]byte, error) {
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, newErrorf(ErrEncryptionFailure, "generating a nonce: %v", err)
	}
	return k.wrapWithNonce(term, id, versionID, kms, dek, nonce[:])
}

func (k *keys) wrapWithNonce(term uint32, id record.ID, versionID, kms string, dek, nonce []byte) ([]byte, error) {
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
func (k *keys) unwrap(dst []byte, v *record.Version, id record.ID, versionID string) error {
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
func (k *keys) open(dst []byte, v *record.Version, id record.ID, versionID string) ([]byte, error) {
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
func (k *keys) rewrap(v *record.Version, id record.ID, versionID string, term uint32, kms string) error {
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
	return newError(ErrDecryptionFailure, awsmodel.DecryptionFailed(versionID))
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
