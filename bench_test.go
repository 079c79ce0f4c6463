package secretstore

// Benchmarks of the store beside their floors, measured in the same run:
//
//   - .../store:  the operation through the public API;
//   - .../badger: the raw Badger work the operation cannot avoid (the same
//     reads or writes of the same records, in one transaction);
//   - .../aead:   the cryptography alone (for a read, unwrapping the data key
//     and opening the value; for a write, sealing the value and wrapping a
//     new data key).
//
// BENCHMARKS.md records the figures and the ratio store / (badger + aead).
// Run: go test -run '^$' -bench . -benchmem .

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

const benchValueLen = 1024

// benchSetup is a store filled with n secrets of one 1 KiB version each.
type benchSetup struct {
	s     *Store
	names []string
	recs  []*secretRecord
}

// benchStore opens a store (mode "memory", "disk-sync" or "disk-nosync")
// holding n secrets, loaded in bulk with the same records CreateSecret
// writes.
func benchStore(b *testing.B, mode string, n int) *benchSetup {
	b.Helper()
	o := Options{MasterKey: make([]byte, MasterKeyLen), DisableReaper: true}
	rand.Read(o.MasterKey)
	switch mode {
	case "memory":
		o.InMemory = true
	case "disk-sync":
		o.Dir = b.TempDir()
	case "disk-nosync":
		o.Dir, o.SyncWrites = b.TempDir(), new(false)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	setup := &benchSetup{s: s}
	setup.names, setup.recs = bulkCreate(b, s, "bench/secret-", n, benchValueLen)
	return setup
}

// bulkCreate writes n secrets named prefix+i with a value of size bytes,
// as CreateSecret would, in large batches.
func bulkCreate(b testing.TB, s *Store, prefix string, n, size int) ([]string, []*secretRecord) {
	c := s.c
	wb := c.db.NewWriteBatch()
	defer wb.Cancel()
	value := []byte(strings.Repeat("v", size))
	now := now(c.clock)
	names := make([]string, n)
	recs := make([]*secretRecord, n)
	for i := range n {
		r := &secretRecord{Secret: record.Secret{Region: s.region, Name: fmt.Sprintf("%s%07d", prefix, i), Suffix: newSuffix(), CreatedDate: now, LastChangedDate: now}}
		rand.Read(r.ID[:])
		vid := fmt.Sprintf("%032x", r.ID)
		rec, err := c.keys.seal(1, r.ID, vid, "", false, value)
		if err != nil {
			b.Fatal(err)
		}
		r.Versions = []record.VersionMeta{{ID: vid, Stages: []string{StageCurrent}, CreatedDate: now}}
		for _, kv := range [][2][]byte{
			{record.VersionKey(r.ID, vid), record.EncodeVersion(rec)},
			{record.CreatedKey(r.Region, now, r.Name), nil},
			{record.SecretKey(r.Region, r.Name), encodeSecret(r)},
		} {
			if err := wb.Set(kv[0], kv[1]); err != nil {
				b.Fatal(err)
			}
		}
		names[i], recs[i] = r.Name, r
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	s.c.cache.bump() // written behind the store's back
	return names, recs
}

var benchModes = []string{"memory", "disk-sync", "disk-nosync"}

func BenchmarkGetSecretValue(b *testing.B) {
	ctx := context.Background()
	for _, mode := range benchModes {
		for _, n := range []int{1000, 100_000} {
			b.Run(fmt.Sprintf("%s/secrets=%d", mode, n), func(b *testing.B) {
				st := benchStore(b, mode, n)
				s := st.s
				for _, name := range st.names { // the day's first read writes LastAccessedDate
					if _, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: name}); err != nil {
						b.Fatal(err)
					}
				}
				b.Run("store", func(b *testing.B) {
					b.ReportAllocs()
					ins := make([]GetSecretValueInput, len(st.names))
					for i, name := range st.names {
						ins[i].SecretId = name
					}
					b.ResetTimer()
					for i := range b.N {
						out, err := s.GetSecretValue(ctx, &ins[i%n])
						if err != nil || len(out.SecretString) != benchValueLen {
							b.Fatal(err)
						}
					}
				})
				b.Run("badger", func(b *testing.B) {
					b.ReportAllocs()
					for i := range b.N {
						r := st.recs[i%n]
						err := s.c.db.View(func(txn *badger.Txn) error {
							for _, k := range [][]byte{record.SecretKey(r.Region, r.Name), record.VersionKey(r.ID, r.Versions[0].ID)} {
								item, err := txn.Get(k)
								if err != nil {
									return err
								}
								if _, err := item.ValueCopy(nil); err != nil {
									return err
								}
							}
							return nil
						})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("aead", func(b *testing.B) {
					b.ReportAllocs()
					r := st.recs[0]
					var v *record.Version
					s.c.db.View(func(txn *badger.Txn) error {
						item, _ := txn.Get(record.VersionKey(r.ID, r.Versions[0].ID))
						raw, _ := item.ValueCopy(nil)
						v, _ = decodeVersion(raw)
						return nil
					})
					b.ResetTimer()
					for range b.N {
						pt, err := s.c.keys.open(nil, v, r.ID, r.Versions[0].ID)
						if err != nil || len(pt) != benchValueLen {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}

func BenchmarkPutSecretValue(b *testing.B) {
	ctx := context.Background()
	value := strings.Repeat("w", benchValueLen)
	for _, mode := range benchModes {
		for _, n := range []int{1000, 100_000} {
			b.Run(fmt.Sprintf("%s/secrets=%d", mode, n), func(b *testing.B) {
				st := benchStore(b, mode, n)
				s := st.s
				b.Run("store", func(b *testing.B) {
					b.ReportAllocs()
					for i := range b.N {
						if i > 0 && i%n == 0 {
							// Each secret got one more version this round: put the
							// store back to one version per secret, off the clock, so
							// every round writes records of the same size.
							b.StopTimer()
							trimVersions(b, s, st.names)
							testutil.Settle() // the trim's flushes and compactions, off the clock
							b.StartTimer()
						}
						_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: st.names[i%n], SecretString: value})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("badger", func(b *testing.B) {
					b.ReportAllocs()
					r := st.recs[0]
					rec, _ := s.c.keys.seal(1, r.ID, "x", "", false, []byte(value))
					verBytes := record.EncodeVersion(rec)
					for i := range b.N {
						r := st.recs[i%n]
						err := s.c.db.Update(func(txn *badger.Txn) error {
							for _, k := range [][]byte{record.KeyringKey(), record.SecretKey(r.Region, r.Name)} {
								item, err := txn.Get(k)
								if err != nil {
									return err
								}
								if _, err := item.ValueCopy(nil); err != nil {
									return err
								}
							}
							if err := txn.Set(record.VersionKey(r.ID, fmt.Sprintf("raw-%032d", i)), verBytes); err != nil {
								return err
							}
							return txn.Set(record.SecretKey(r.Region, r.Name), encodeSecret(r))
						})
						if err == nil && mode == "disk-sync" {
							// Badger's SyncWrites, which the store replaces by its
							// group commit: the write-ahead log synced per write.
							err = s.c.db.Sync()
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("aead", func(b *testing.B) {
					b.ReportAllocs()
					r := st.recs[0]
					for range b.N {
						if _, err := s.c.keys.seal(1, r.ID, "0123456789abcdef0123456789abcdef", "", false, []byte(value)); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}

// trimVersions removes every deprecated version of the named secrets.
func trimVersions(b testing.TB, s *Store, names []string) {
	const batch = 20 // secrets per transaction (with their replicas): small enough for a 1 MiB memtable
	for i := 0; i < len(names); i += batch {
		err := s.c.db.Update(func(txn *badger.Txn) error {
			t := rawTx(s, txn)
			for _, name := range names[i:min(i+batch, len(names))] {
				r, err := t.getSecret(s.region, name)
				if err != nil {
					return err
				}
				if err := t.loadVersions(r); err != nil {
					return err
				}
				kept := r.Versions[:0]
				for _, v := range r.Versions {
					if len(v.Stages) > 0 {
						kept = append(kept, v)
						continue
					}
					if err := txn.Delete(record.VersionKey(r.ID, v.ID)); err != nil {
						return err
					}
					if err := txn.Delete(record.MetaKey(r.ID, v.ID)); err != nil {
						return err
					}
				}
				r.Versions = kept
				if err := t.putSecret(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	s.c.cache.bump() // written behind the store's back
}

// BenchmarkReap measures one reaper pass over N expired secrets in a store
// holding 1M secrets (small values: the pass never reads them), beside the
// raw Badger work of the same pass: reading the same index entries and
// records, deleting the same keys in transactions of the same size, and one
// DropPrefix of the same (bounded) number of prefixes. Each iteration
// schedules N more secrets off the clock, then purges them. A pass shreds at
// most shredBatch records (whichever were queued first), so both sides drop
// that many prefixes.
// Run: go test -run '^$' -bench BenchmarkReap -benchtime 3x -timeout 60m .
func BenchmarkReap(b *testing.B) {
	const total = 1_000_000
	ctx := context.Background()
	clk := NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := mustOpenDisk(b, b.TempDir(), Options{MasterKey: make([]byte, MasterKeyLen), Clock: clk, SyncWrites: new(false)})
	defer s.Close()
	_, recs := bulkCreate(b, s, "reap/", total, 32)
	next := 0
	take := func(b *testing.B, n int) []*secretRecord {
		if next+n > len(recs) {
			b.Fatal("out of secrets to expire")
		}
		next += n
		return recs[next-n : next]
	}
	for _, expired := range []int{1000, 100_000} {
		b.Run(fmt.Sprintf("expired=%d/total=%d/store", expired, total), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				scheduleBulk(b, s, take(b, expired), clk.Now())
				clk.Advance(8 * day24)
				b.StartTimer()
				st, err := s.Reap(ctx)
				if err != nil || st.Purged != expired {
					b.Fatalf("Reap = %+v, %v", st, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*expired), "ns/secret")
		})
		b.Run(fmt.Sprintf("expired=%d/total=%d/badger", expired, total), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				batch := take(b, expired)
				scheduleBulk(b, s, batch, clk.Now())
				clk.Advance(8 * day24)
				b.StartTimer()
				rawPurge(b, s, batch)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*expired), "ns/secret")
		})
	}
}

// rawPurge does with Badger alone what a reaper pass does for recs: walk
// their deletion-index entries, read their records and delete them,
// reapBatch to a transaction, then drop up to shredBatch of their version
// prefixes.
func rawPurge(b *testing.B, s *Store, recs []*secretRecord) {
	db := s.c.db
	prefix := []byte{record.PrefixDeletion}
	start := prefix
	for {
		var keys, values [][]byte
		err := db.View(func(txn *badger.Txn) error {
			return rawTx(s, txn).iterate(prefix, start, false, func(k, v []byte) (bool, error) {
				keys, values = append(keys, bytes.Clone(k)), append(values, v)
				return len(keys) < reapBatch, nil
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(keys) == 0 {
			break
		}
		err = db.Update(func(txn *badger.Txn) error {
			for i, k := range keys {
				region, name, _ := record.SplitRegionName(values[i])
				item, err := txn.Get(record.SecretKey(region, name))
				if err != nil {
					return err
				}
				raw, err := item.ValueCopy(nil)
				if err != nil {
					return err
				}
				r, err := decodeSecret(raw)
				if err != nil {
					return err
				}
				for _, dk := range [][]byte{k, record.SecretKey(region, name), record.CreatedKey(region, r.CreatedDate, name), record.PruneKey(r.ID)} {
					if err := txn.Delete(dk); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		start = append(keys[len(keys)-1], 0)
	}
	var prefixes [][]byte
	for _, r := range recs[:min(shredBatch, len(recs))] {
		prefixes = append(prefixes, record.VersionPrefix(r.ID))
	}
	if err := db.DropPrefix(prefixes...); err != nil {
		b.Fatal(err)
	}
	s.c.cache.bump()
}

// scheduleBulk marks recs for deletion with a 7-day window, as DeleteSecret
// does, in large batches.
func scheduleBulk(b testing.TB, s *Store, recs []*secretRecord, now time.Time) {
	wb := s.c.db.NewWriteBatch()
	defer wb.Cancel()
	for _, r := range recs {
		r.DeletedDate, r.DeletionDate = now, now.Add(7*day24)
		if err := wb.Set(record.DeletionKey(r.DeletionDate, r.ID), record.RegionName(r.Region, r.Name)); err != nil {
			b.Fatal(err)
		}
		if err := wb.Set(record.SecretKey(r.Region, r.Name), encodeSecret(r)); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	s.c.cache.bump() // written behind the store's back
}

// BenchmarkPutSecretValueReplicas is PutSecretValue on a primary with 0, 1
// and 5 replicas (1,000 secrets, 1 KiB values), beside the raw Badger work
// of the same writes (a version record and the secret record in each
// region, after reading each region's record) and the cryptography (one
// seal, and an open and a seal per replica, whose values are sealed under
// their own keys).
//
//	go test -run '^$' -bench PutSecretValueReplicas -benchmem -benchtime 4000x -count 3 .
func BenchmarkPutSecretValueReplicas(b *testing.B) {
	ctx := context.Background()
	const n = 1000
	value := strings.Repeat("w", benchValueLen)
	regions := []string{"eu-west-1", "eu-west-2", "eu-west-3", "ap-south-1", "sa-east-1"}
	for _, mode := range []string{"memory", "disk-nosync", "disk-sync"} {
		for _, replicas := range []int{0, 1, 5} {
			b.Run(fmt.Sprintf("%s/replicas=%d", mode, replicas), func(b *testing.B) {
				st := benchStore(b, mode, n)
				s := st.s
				if replicas > 0 {
					in := &ReplicateSecretToRegionsInput{}
					for _, r := range regions[:replicas] {
						in.AddReplicaRegions = append(in.AddReplicaRegions, ReplicaRegionType{Region: r})
					}
					for _, name := range st.names {
						in.SecretId = name
						if _, err := s.ReplicateSecretToRegions(ctx, in); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.Run("store", func(b *testing.B) {
					b.ReportAllocs()
					for i := range b.N {
						if i > 0 && i%n == 0 {
							b.StopTimer()
							trimVersions(b, s, st.names) // the replicas follow their primary
							testutil.Settle()            // the trim's flushes and compactions, off the clock
							b.StartTimer()
						}
						if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: st.names[i%n], SecretString: value}); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("badger", func(b *testing.B) {
					b.ReportAllocs()
					var recs []*secretRecord // each region's record of one secret
					err := s.c.read(func(t *tx) error {
						for _, region := range append([]string{s.region}, regions[:replicas]...) {
							r, err := t.getSecret(region, st.names[0])
							if err != nil {
								return err
							}
							recs = append(recs, r)
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					rec, _ := s.c.keys.seal(1, recs[0].ID, "x", "", false, []byte(value))
					verBytes := record.EncodeVersion(rec)
					for i := range b.N {
						name := st.names[i%n]
						err := s.c.db.Update(func(txn *badger.Txn) error {
							for _, r := range recs {
								item, err := txn.Get(record.SecretKey(r.Region, name))
								if err != nil {
									return err
								}
								if _, err := item.ValueCopy(nil); err != nil {
									return err
								}
								if err := txn.Set(record.VersionKey(r.ID, fmt.Sprintf("raw-%032d", i)), verBytes); err != nil {
									return err
								}
								if err := txn.Set(record.SecretKey(r.Region, name), encodeSecret(r)); err != nil {
									return err
								}
							}
							return nil
						})
						if err == nil && mode == "disk-sync" {
							// Badger's SyncWrites, which the store replaces by its
							// group commit: the write-ahead log synced per write.
							err = s.c.db.Sync()
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("aead", func(b *testing.B) {
					b.ReportAllocs()
					r := st.recs[0]
					for range b.N {
						v, err := s.c.keys.seal(1, r.ID, "0123456789abcdef0123456789abcdef", "", false, []byte(value))
						if err != nil {
							b.Fatal(err)
						}
						for range replicas {
							pt, err := s.c.keys.open(nil, v, r.ID, "0123456789abcdef0123456789abcdef")
							if err != nil {
								b.Fatal(err)
							}
							if _, err := s.c.keys.seal(1, r.ID, "0123456789abcdef0123456789abcdef", "", false, pt); err != nil {
								b.Fatal(err)
							}
						}
					}
				})
			})
		}
	}
}

// BenchmarkPutSecretValueWriters is PutSecretValue with synced writes (the
// default) from 1 and from 8 concurrent writers, each to its own secrets:
// the store's group commit (groupsync.go) makes the writes committed while
// one fsync runs durable with the next, so 8 writers share fsyncs. ns/op is
// per write, across all writers; fsyncs/op counts the store's syncs.
//
//	go test -run '^$' -bench PutSecretValueWriters -benchmem -benchtime 4000x -count 3 .
func BenchmarkPutSecretValueWriters(b *testing.B) {
	ctx := context.Background()
	value := strings.Repeat("w", benchValueLen)
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			st := benchStore(b, "disk-sync", 1000)
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := w; i < b.N; i += writers {
						if _, err := st.s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: st.names[i%len(st.names)], SecretString: value}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(st.s.c.group.syncs())/float64(b.N), "fsyncs/op")
		})
	}
}

// BenchmarkOpen opens and closes a store on disk that holds 100 secrets:
// what each command-line client (secretstore get, list) pays, and each
// test of a store on disk. Its floor, .../badger, is Badger's own Open and
// Close of the same folder with the store's options; the store adds the
// folder's check, its lock, the keyring, the watermark and the caches.
func BenchmarkOpen(b *testing.B) {
	o := Options{MasterKey: make([]byte, MasterKeyLen), DisableReaper: true, Dir: b.TempDir()}
	rand.Read(o.MasterKey)
	s, err := Open(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	bulkCreate(b, s, "bench/secret-", 100, benchValueLen)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			s, err := Open(context.Background(), o)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("badger", func(b *testing.B) {
		do, err := o.withDefaults()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			db, err := badger.Open(do.badgerOptions())
			if err != nil {
				b.Fatal(err)
			}
			if err := db.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
