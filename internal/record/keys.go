package record

import (
	"encoding/binary"
	"time"
)

// The prefixes of the keys (see the package documentation).
const (
	PrefixKeyring  = 0x01
	PrefixCommit   = 0x02 // the commit mark: see CommitMarkKey
	PrefixSecret   = 's'
	PrefixVersion  = 'v'
	PrefixMeta     = 'm'
	PrefixCreated  = 'c'
	PrefixDeletion = 'd'
	PrefixPrune    = 'p'
	PrefixRotation = 'r'
	PrefixShred    = 'x'
)

// IDLen is the length of a secret's internal id. Versions and index entries
// are keyed by it rather than by name, so a secret created under the name of
// a purged one never shares records with it.
const IDLen = 16

// ID is a secret's internal id.
type ID = [IDLen]byte

// KeyringKey is the key of the keyring record.
func KeyringKey() []byte { return []byte{PrefixKeyring, 'k', 'e', 'y', 'r', 'i', 'n', 'g'} }

// CommitMarkKey is the key of the commit mark, written with no value by the
// transactions that may write nothing but deletions, and before a drop of
// prefixes: the newest commit must stay in the folder, which Open compares
// with the watermark, and Badger forgets a deletion once a compaction has
// dropped what it deleted. Every other transaction writes a record, whose
// newest version a compaction keeps.
func CommitMarkKey() []byte { return []byte{PrefixCommit} }

// SecretKey is the key of the record of secret name in region.
func SecretKey(region, name string) []byte {
	k := make([]byte, 0, 2+len(region)+len(name))
	k = append(k, PrefixSecret)
	k = append(k, region...)
	k = append(k, 0)
	return append(k, name...)
}

// SecretPrefix is the key prefix of every secret in region whose name starts
// with namePrefix.
func SecretPrefix(region, namePrefix string) []byte { return SecretKey(region, namePrefix) }

// VersionKey is the key of the value of version versionID of secret id.
func VersionKey(id ID, versionID string) []byte {
	return versionIDKey(PrefixVersion, id, versionID)
}

// VersionPrefix is the key prefix of the values of every version of secret
// id.
func VersionPrefix(id ID) []byte { return versionIDKey(PrefixVersion, id, "") }

// MetaKey is the key of the metadata of deprecated version versionID of
// secret id.
func MetaKey(id ID, versionID string) []byte {
	return versionIDKey(PrefixMeta, id, versionID)
}

// MetaPrefix is the key prefix of the metadata of every deprecated version
// of secret id.
func MetaPrefix(id ID) []byte { return versionIDKey(PrefixMeta, id, "") }

// versionIDKey is the key prefix id(16) versionID.
func versionIDKey(prefix byte, id ID, versionID string) []byte {
	k := make([]byte, 0, 1+IDLen+len(versionID))
	k = append(k, prefix)
	k = append(k, id[:]...)
	return append(k, versionID...)
}

// VersionOf returns the secret id and the version id of a key VersionKey or
// MetaKey made.
func VersionOf(key []byte) (id ID, versionID string, ok bool) {
	if len(key) < 1+IDLen {
		return id, "", false
	}
	copy(id[:], key[1:])
	return id, string(key[1+IDLen:]), true
}

// CreatedKey is the key of the created-date index entry of secret name in
// region.
func CreatedKey(region string, created time.Time, name string) []byte {
	k := make([]byte, 0, 10+len(region)+len(name))
	k = append(k, PrefixCreated)
	k = append(k, region...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(created.UnixMilli()))
	return append(k, name...)
}

// CreatedPrefix is the key prefix of the created-date index of region.
func CreatedPrefix(region string) []byte {
	return append(append([]byte{PrefixCreated}, region...), 0)
}

// CreatedAt returns the key in the created-date index of region of the
// first secret created at or after the millisecond at whose name is name
// or after.
func CreatedAt(region string, at int64, name string) []byte {
	k := binary.BigEndian.AppendUint64(CreatedPrefix(region), uint64(at))
	return append(k, name...)
}

// SplitCreated returns the creation time, in Unix milliseconds, and the
// name of a key of the created-date index of region.
func SplitCreated(region string, key []byte) (at int64, name string, ok bool) {
	n := len(CreatedPrefix(region))
	if len(key) < n+8 {
		return 0, "", false
	}
	return int64(binary.BigEndian.Uint64(key[n:])), string(key[n+8:]), true
}

// DeletionKey is the key of the deletion-date index entry of secret id.
func DeletionKey(at time.Time, id ID) []byte { return timeIDKey(PrefixDeletion, at, id) }

// RotationKey is the key of the rotation index entry of secret id, due at
// due.
func RotationKey(due time.Time, id ID) []byte { return timeIDKey(PrefixRotation, due, id) }

func timeIDKey(prefix byte, at time.Time, id ID) []byte {
	k := make([]byte, 0, 9+IDLen)
	k = append(k, prefix)
	k = binary.BigEndian.AppendUint64(k, uint64(at.UnixMilli()))
	return append(k, id[:]...)
}

// PruneKey is the key of the prune index entry of secret id.
func PruneKey(id ID) []byte {
	return append([]byte{PrefixPrune}, id[:]...)
}

// ShredKey is the key that queues the records under prefix for shredding.
func ShredKey(prefix []byte) []byte {
	return append([]byte{PrefixShred}, prefix...)
}

// IndexEntry is an entry of the deletion-date, prune or rotation index:
// its key, and the secret it points at.
type IndexEntry struct {
	Key          []byte
	Region, Name string
	ID           ID
}

// ParseIndexEntry returns the entry of key k and value v of the
// deletion-date, prune or rotation index; ok is false when v is malformed
// (the entry then names no secret).
func ParseIndexEntry(k, v []byte) (e IndexEntry, ok bool) {
	e.Key = append([]byte(nil), k...)
	if len(k) >= IDLen {
		copy(e.ID[:], k[len(k)-IDLen:])
	}
	e.Region, e.Name, ok = SplitRegionName(v)
	return e, ok
}

// Millis returns the time, in Unix milliseconds, of the entry of the
// deletion-date or rotation index.
func (e IndexEntry) Millis() int64 {
	if len(e.Key) < 9 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(e.Key[1:9]))
}

// RegionName is the value of index entries that point at a secret record.
func RegionName(region, name string) []byte {
	return append(append(append(make([]byte, 0, len(region)+1+len(name)), region...), 0), name...)
}

// SplitRegionName returns the region and the name of a value RegionName
// made (and of a secret key without its prefix).
func SplitRegionName(v []byte) (region, name string, ok bool) {
	for i, c := range v {
		if c == 0 {
			return string(v[:i]), string(v[i+1:]), true
		}
	}
	return "", "", false
}
