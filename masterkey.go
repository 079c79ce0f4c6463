package secretstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
	"golang.org/x/crypto/argon2"
)

// Master keys: where Open gets one, the keyring record that checks it, and
// RotateMasterKey's transactions. The sealing itself is keyring.go's.

// MasterKeyLen is the length of a master key in bytes.
const MasterKeyLen = 32

const (
	// Argon2id parameters for Options.Passphrase: RFC 9106's second
	// recommended option (t=3, 64 MiB, 4 lanes). They are stored with the
	// salt, so they can be raised later without breaking old databases.
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 4
	saltLen      = 16
)

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
	if n == 0 && o.InMemory {
		// Nothing outlives an in-memory store, its key included.
		key, err := NewMasterKey()
		return keySource{key: key}, err
	}
	if n != 1 {
		return keySource{}, fmt.Errorf("secretstore: set exactly one of Options.MasterKey, Options.MasterKeyFile and Options.Passphrase (%d are set)", n)
	}
	switch {
	case o.MasterKey != nil:
		if len(o.MasterKey) != MasterKeyLen {
			return keySource{}, fmt.Errorf("secretstore: Options.MasterKey is %d bytes; it must be %d random bytes", len(o.MasterKey), MasterKeyLen)
		}
		return keySource{key: append([]byte(nil), o.MasterKey...)}, nil
	case o.MasterKeyFile != "":
		key, err := ReadMasterKeyFile(o.MasterKeyFile)
		return keySource{key: key}, err
	default:
		return keySource{passphrase: o.Passphrase}, nil
	}
}

// NewMasterKey returns a new random master key.
func NewMasterKey() ([]byte, error) {
	key := make([]byte, MasterKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secretstore: generating a master key: %w", err)
	}
	return key, nil
}

// ReadMasterKeyFile reads a master key file: either exactly 32 raw bytes, or
// the standard base64 encoding of 32 bytes (surrounding whitespace ignored).
func ReadMasterKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secretstore: reading master key file: %w", err)
	}
	if len(b) == MasterKeyLen {
		return b, nil
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != MasterKeyLen {
		return nil, fmt.Errorf("secretstore: master key file %s must hold %d raw bytes or their base64 encoding", path, MasterKeyLen)
	}
	return key, nil
}

// loadKeys reads the keyring and checks the master key against it, creating
// the keyring on a new database. It writes only when the database has no
// keyring yet.
func (c *core) loadKeys(ctx context.Context, src keySource) (*keys, error) {
	var kr *record.Keyring
	err := c.read(func(t *tx) (err error) {
		kr, err = t.getKeyring()
		return err
	})
	if err != nil {
		return nil, err
	}
	if kr == nil {
		return c.createKeyring(ctx, src)
	}
	return keysFor(kr, src)
}

// keysFor checks the master key of src against keyring kr and returns the
// keys it opens, or ErrWrongMasterKey.
func keysFor(kr *record.Keyring, src keySource) (*keys, error) {
	mk := src.key
	if src.passphrase != "" {
		if len(kr.Salt) == 0 {
			return nil, fmt.Errorf("%w: this database was created with a master key, not a passphrase", ErrWrongMasterKey)
		}
		mk = argon2.IDKey([]byte(src.passphrase), kr.Salt, kr.ArgonTime, kr.ArgonMemory, uint8(kr.ArgonThreads), MasterKeyLen)
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

func (c *core) createKeyring(ctx context.Context, src keySource) (*keys, error) {
	kr := &record.Keyring{Term: 1}
	mk := src.key
	if src.passphrase != "" {
		kr.Salt = make([]byte, saltLen)
		if _, err := rand.Read(kr.Salt); err != nil {
			return nil, err
		}
		kr.ArgonTime, kr.ArgonMemory, kr.ArgonThreads = argonTime, argonMemory, argonThreads
		mk = argon2.IDKey([]byte(src.passphrase), kr.Salt, argonTime, argonMemory, argonThreads, MasterKeyLen)
	}
	kr.Verifier = verifier(mk)
	err := c.update(ctx, func(t *tx) error {
		if old, err := t.getKeyring(); err != nil || old != nil {
			return cmp.Or(err, errors.New("secretstore: another process created the keyring while this one was opening the database"))
		}
		return t.putKeyring(kr)
	})
	if err != nil {
		return nil, err
	}
	return newKeys(kr.Term, mk), nil
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
	if len(newKey) != MasterKeyLen {
		return newErrorf(ErrInvalidParameter, "the new master key is %d bytes; it must be %d random bytes", len(newKey), MasterKeyLen)
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
	setKeyring := func(t *tx) error {
		kr, err := readKeyring(t)
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
		return t.putKeyring(kr)
	}
	if err = c.writable(); err == nil {
		c.group.begin()
		err = c.group.end(c.retry(ctx, func(txn *badger.Txn) error { return c.commit(txn, setKeyring) }))
	}
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
	err := c.update(ctx, func(t *tx) error {
		kr, err := readKeyring(t)
		if err != nil {
			return err
		}
		kr.Term, kr.Verifier = kr.NextTerm, kr.NextVerifier
		kr.NextTerm, kr.NextVerifier, kr.PrevWrapped = 0, nil, nil
		return t.putKeyring(kr)
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

// readKeyring reads the keyring of a store that has one.
func readKeyring(t *tx) (*record.Keyring, error) {
	kr, err := t.getKeyring()
	if err == nil && kr == nil {
		err = errors.New("no keyring")
	}
	if err != nil {
		return nil, newErrorf(ErrInternalServiceError, "reading the keyring: %v", err)
	}
	return kr, nil
}

// rewrapAll re-wraps every data key not yet under term, in batches.
func (c *core) rewrapAll(ctx context.Context, term uint32) error {
	from, more := versionPos{}, true
	for more {
		var err error
		if from, more, err = c.rewrapBatch(ctx, term, from, rotateBatch); err != nil {
			return err
		}
	}
	return nil
}

// rewrapBatch re-wraps, in one transaction, the data keys of up to n version
// records from position from on that are not under term. It returns where
// the next batch starts, and whether there is one.
func (c *core) rewrapBatch(ctx context.Context, term uint32, from versionPos, n int) (next versionPos, more bool, err error) {
	err = c.update(ctx, func(t *tx) error {
		more = false
		seen := 0
		return t.scanVersions(from, func(at versionPos, v *record.Version) (bool, error) {
			if seen == n {
				next, more = at, true
				return false, nil
			}
			seen++
			if v.Term == term {
				return true, nil
			}
			if err := c.keys.rewrap(v, at.id, at.versionID, term, v.KmsKeyId); err != nil {
				return false, err
			}
			return true, t.putVersion(at.id, at.versionID, v)
		})
	})
	return next, more, err
}
