// Package record is secretstore's on-disk format: the key layout (keys.go)
// and the records stored under those keys, with their binary codec
// (codec.go, secret.go, version.go, keyring.go). It knows neither Badger
// nor AWS's rules: the store's transaction (tx.go at the root) is the only
// code that reads and writes these keys, and the only caller of this
// package besides the whole-database maintenance paths (verify, recover).
//
// Keys (one byte of prefix, then fields; names never contain 0x00):
//
//	0x01 "keyring"                          the keyring record
//	0x02                                    the commit mark (empty value)
//	's' region 0x00 name                    a secret's record
//	'v' id(16) versionID                    one version's encrypted value
//	'm' id(16) versionID                    a deprecated version's metadata
//	'c' region 0x00 created(8) name         ListSecrets' created-date index (empty value)
//	'd' deletionDate(8) id(16)              the reaper's deletion-date index (value: region 0x00 name)
//	'p' id(16)                              secrets holding more versions than the quota (value: region 0x00 name)
//	'r' due(8) id(16)                       secrets with a rotation due at that time (value: region 0x00 name)
//	'x' prefix                              records queued for the reaper to shred
//
// Times in keys are big-endian milliseconds since the Unix epoch, so keys
// sort by time. Records start with a kind byte and a schema version, then a
// sequence of tagged fields; a field whose value is the zero value is left
// out. A reader refuses a schema version it does not know, and a field tag
// it does not know, rather than misread a record a newer build wrote.
package record
