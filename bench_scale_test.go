package secretstore

// Scale benchmarks: a store on disk holding SECRETSTORE_SCALE secrets
// (default 20,000, so that `go test -bench .` stays quick: about half a
// minute), each with 3 versions of a 1 KiB value, built once per run in a
// temporary folder. Each figure sits beside the same work done with raw
// Badger opened with the store's own options (Options.badgerOptions), on
// the same folder.
//
// The run BENCHMARKS.md reports ("Scale and footprint"; under 8 minutes on
// its machine, 5 of them building the store):
//
//	SECRETSTORE_SCALE=1000000 go test -run '^$' -bench BenchmarkScale -benchtime 2s -timeout 3h .
//
// One part alone: -bench 'BenchmarkScale/Open', 'BenchmarkScale/Get',
// 'BenchmarkScale/List' or 'BenchmarkScale/RSS' (the store is built for
// each run all the same, unless SECRETSTORE_SCALE_DIR names a folder to
// keep it in between runs).

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/record"
)

// The shape of the scale store.
const (
	scaleEnv      = "SECRETSTORE_SCALE" // how many secrets
	defaultScale  = 20_000
	scaleVersions = 3
	scaleValueLen = 1024
	// scaleSmall is the store GetSecretValue at scale is compared with.
	scaleSmall = 1000
	// scaleBatch is how many secrets the loader writes in a transaction: a
	// transaction must fit in 15% of a memtable (4 MiB with the default
	// budget), and each secret writes about 4 KB.
	scaleBatch = 100
	// scaleKillWrites is how many secrets the killed child creates before it
	// says it is ready to be killed (it goes on writing until it is): about
	// 1.5 memtables of the default budget, so the Open after the kill
	// replays a log or two, and the kill may cut a flush short.
	scaleKillWrites = 5000
	// scaleRSSCalls is how many GetSecretValue calls, on secrets picked at
	// random, the RSS child makes before it reads its memory.
	scaleRSSCalls = 100_000
)

// scaleNow is the time of the scale stores' clock: the loader stamps every
// secret as read on that day, so a GetSecretValue of the benchmark writes
// nothing (the day's first read of a secret records LastAccessedDate).
var scaleNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// scaleSize returns the number of secrets of the scale store:
// SECRETSTORE_SCALE, or defaultScale.
func scaleSize(tb testing.TB) int {
	s := os.Getenv(scaleEnv)
	if s == "" {
		return defaultScale
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < scaleSmall {
		tb.Fatalf("%s=%q: want a number of secrets, at least %d", scaleEnv, s, scaleSmall)
	}
	return n
}

// scaleName is the name of secret i of a scale store: names sort as their
// numbers, so a name prefix of all but the last three digits matches 1000
// secrets.
func scaleName(i int) string { return fmt.Sprintf("scale/%07d", i) }

// scaleID is the internal id of secret i: spread over the id space as
// random ids are, and derived from i so the benchmarks need keep no table
// of a million ids.
func scaleID(i int) (id [record.IDLen]byte) {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("scale"), uint64(i)))
	copy(id[:], h[:])
	return id
}

// scaleVersionID is the id of version v (0 the first) of secret i; the last
// is AWSCURRENT.
func scaleVersionID(i, v int) string { return fmt.Sprintf("%016x%016x", uint64(i), uint64(v)) }

// scaleOptions are the options a scale store is opened with for the
// measurements: the defaults (synced writes, the default memory budget),
// with the scale clock and without the background reaper.
func scaleOptions(dir string, key []byte) Options {
	return Options{Dir: dir, MasterKey: key, Clock: NewFakeClock(scaleNow), DisableReaper: true}
}

// scaleBadgerOptions are the Badger options the store opens dir with.
func scaleBadgerOptions(tb testing.TB, dir string) badger.Options {
	o, err := scaleOptions(dir, make([]byte, MasterKeyLen)).withDefaults()
	if err != nil {
		tb.Fatal(err)
	}
	return o.badgerOptions()
}

// buildScaleStore creates, in the new data folder dir, n secrets of
// scaleVersions versions with values of scaleValueLen bytes, through the
// store's own write path (core.writeVersion and tx.putSecret, so every
// index is right), in transactions of scaleBatch secrets from a few
// goroutines, unsynced; then it waits for Badger's compactions to finish,
// so that the measurements do not run beside them, and closes the store.
// Secret i is created i milliseconds after secret 0.
func buildScaleStore(tb testing.TB, dir string, key []byte, n int) {
	tb.Helper()
	start := time.Now()
	o := scaleOptions(dir, key)
	o.SyncWrites = new(false)
	s, err := Open(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	val := value{str: strings.Repeat("v", scaleValueLen)}
	first := scaleNow.Add(-time.Duration(n)*time.Millisecond - time.Hour)
	batches := make(chan int)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for range max(4, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for lo := range batches {
				err := s.c.update(context.Background(), func(t *tx) error {
					today := day(t.now)
					for i := lo; i < min(lo+scaleBatch, n); i++ {
						r := &secretRecord{Secret: record.Secret{Region: s.region, Name: scaleName(i), ID: scaleID(i), Suffix: newSuffix()}}
						for v := range scaleVersions {
							if _, _, err := s.c.writeVersion(t, r, scaleVersionID(i, v), val, nil); err != nil {
								return err
							}
						}
						r.CreatedDate = first.Add(time.Duration(i) * time.Millisecond)
						r.LastAccessedDate = today
						r.Versions[r.holder(StageCurrent)].LastAccessedDate = today
						if err := t.putSecret(r); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					failed.Store(&err)
				}
			}
		})
	}
	for lo := 0; lo < n; lo += scaleBatch {
		if lo%100_000 == 0 && lo > 0 {
			tb.Logf("scale store: %d of %d secrets written in %v", lo, n, time.Since(start).Round(time.Second))
		}
		batches <- lo
		if failed.Load() != nil {
			break
		}
	}
	close(batches)
	wg.Wait()
	if err := failed.Load(); err != nil {
		tb.Fatal(*err)
	}
	settle(tb, s.c.db)
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("scale store: %d secrets of %d versions of %d bytes built in %v; %s", n, scaleVersions, scaleValueLen, time.Since(start).Round(time.Second), dirSize(tb, dir))
}

// settle waits until Badger has no compaction to do: every level's score
// under 1.
func settle(tb testing.TB, db *badger.DB) {
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		busy := false
		for _, l := range db.Levels() {
			busy = busy || l.Score >= 1
		}
		if !busy {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	tb.Logf("compactions still pending after 30 minutes:\n%s", db.LevelsToString())
}

// dirSize describes the files of dir: their number and total size.
func dirSize(tb testing.TB, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	tables := 0
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			total += fi.Size()
		}
		if strings.HasSuffix(e.Name(), ".sst") {
			tables++
		}
	}
	return fmt.Sprintf("%d files (%d tables), %.1f MiB", len(entries), tables, float64(total)/(1<<20))
}

// scaleDirEnv, when set, names a folder where the scale stores are kept
// between runs: built there on the first run, reused by the next ones.
// Each run's Open/killed rounds add their secrets to them (scaleKillWrites
// a round, named killed/...).
const scaleDirEnv = "SECRETSTORE_SCALE_DIR"

// scaleStores returns the data folders of a scale store of n secrets and of
// one of scaleSmall, and their master key: new ones in temporary folders,
// or those kept in SECRETSTORE_SCALE_DIR.
func scaleStores(b *testing.B, n int) (dir, small string, key []byte) {
	keep := os.Getenv(scaleDirEnv)
	if keep == "" {
		key = newTestKey(b)
		dir, small = b.TempDir(), b.TempDir()
		buildScaleStore(b, dir, key, n)
		buildScaleStore(b, small, key, scaleSmall)
		return dir, small, key
	}
	keyFile := filepath.Join(keep, "master.key")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		key = newTestKey(b)
		if err := os.MkdirAll(keep, 0o700); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(keyFile, key, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	dir, small = filepath.Join(keep, fmt.Sprintf("secrets-%d", n)), filepath.Join(keep, fmt.Sprintf("secrets-%d", scaleSmall))
	for _, d := range []struct {
		dir string
		n   int
	}{{dir, n}, {small, scaleSmall}} {
		built := d.dir + ".built"
		if _, err := os.Stat(built); err == nil {
			b.Logf("scale store: reusing %s (%s)", d.dir, dirSize(b, d.dir))
			continue
		}
		os.RemoveAll(d.dir) // a build cut short
		buildScaleStore(b, d.dir, key, d.n)
		if err := os.WriteFile(built, nil, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return dir, small, key
}

// ScaleWire, when set, returns a GetSecretValue over the wire of the
// secret named name, served from s by awsapi on a loopback server, and a
// function that stops that server. It is set by bench_scale_wire_test.go,
// in package secretstore_test, which can import awsapi (this package
// cannot: awsapi imports it).
var ScaleWire func(tb testing.TB, s *Store) (get func(name string) error, stop func())

// A pair of sub-benchmarks run side by side, interleaved in rounds of
// scaleRound calls, so that both see the same machine: on a shared
// machine, whose load moves during a run, a ratio of two figures measured
// minutes apart means little.
const scaleRound = 64

// workload is one side of an interleaved comparison: call does call i.
type workload struct {
	name string
	call func(i int) error
	wall time.Duration // the time of its calls
	cpu  time.Duration // the CPU time of the benchmark's thread in them
	n    int
}

// interleave runs the b.N calls of each workload, in rounds of scaleRound
// calls of one after the other, timing each round by the clock and by the
// CPU time of the benchmark's thread (locked to it, so that the CPU time of
// Badger's background work and of the other goroutines is left out; on
// Linux only). It reports the first workload's time as ns/op, and each
// workload's as NAME-ns/op and NAME-cpu-ns/op.
func interleave(b *testing.B, ws ...*workload) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for lo := 0; lo < b.N; lo += scaleRound {
		hi := min(lo+scaleRound, b.N)
		for _, w := range ws {
			start, cpu := time.Now(), threadCPU()
			for i := lo; i < hi; i++ {
				if err := w.call(i); err != nil {
					b.Fatalf("%s: %v", w.name, err)
				}
			}
			w.wall += time.Since(start)
			w.cpu += threadCPU() - cpu
			w.n += hi - lo
		}
	}
	b.StopTimer()
	report(b, "ns/op", 1, ws)
}

// report reports each workload's time per call in unit (scaled by div
// from nanoseconds), the first's as unit itself.
func report(b *testing.B, unit string, div float64, ws []*workload) {
	for i, w := range ws {
		if i == 0 {
			b.ReportMetric(w.nsPerOp()/div, unit)
		}
		b.ReportMetric(w.nsPerOp()/div, w.name+"-"+unit)
		if w.cpu > 0 {
			b.ReportMetric(float64(w.cpu.Nanoseconds())/float64(w.n)/div, w.name+"-cpu-"+unit)
		}
	}
}

func (w *workload) nsPerOp() float64 { return float64(w.wall.Nanoseconds()) / float64(max(w.n, 1)) }

// ratio reports a's time over b's as the metric name (and the same of their
// CPU times as name-cpu).
func ratio(bm *testing.B, name string, a, b *workload) {
	bm.ReportMetric(a.nsPerOp()/b.nsPerOp(), name)
	if a.cpu > 0 && b.cpu > 0 {
		bm.ReportMetric((float64(a.cpu)/float64(a.n))/(float64(b.cpu)/float64(b.n)), name+"-cpu")
	}
}

// BenchmarkScale measures a store of SECRETSTORE_SCALE secrets (see the top
// of this file) beside raw Badger on the same folder, with the store's
// Badger options. Each comparison runs its sides interleaved (interleave);
// ns/op is the store's, NAME-ns/op each side's, NAME-cpu-ns/op the CPU time
// of the benchmark's thread, and the ratios are of those.
//
//   - Open/clean: Open after a clean Close, beside badger.Open.
//   - Open/killed: Open after a child process that created scaleKillWrites
//     secrets was killed (SIGKILL) while creating more, beside badger.Open
//     after a child doing Badger writes of the same size was killed so.
//     refused is how many of the store's Opens failed (ErrCorrupt: see
//     BENCHMARKS.md); Badger then opens the folder, which removes the table
//     the kill left unfinished, and the next round goes on.
//   - Get: GetSecretValue of secrets picked at random (every secret once
//     before any twice), at 1000 secrets and at the scale, beside the raw
//     Badger reads of the same records (the secret record and the version
//     record); x1k is a ratio to the same work at 1000 secrets. Every
//     table page of both stores is read once first, as a server that has
//     run for a while has: the first touch of a page of a memory-mapped
//     table is a page fault, which costs more than the lookup (RSS reports
//     a fresh process).
//   - Get/wire: the same over the wire (awsapi, loopback HTTP, the AWS SDK
//     for Go v2), at 1000 secrets and at the scale.
//   - List/first-page, List/name-prefix: ListSecrets' first page of 100,
//     without a filter and with a name filter matching 1000 secrets, beside
//     a prefix iteration of 100 secret records.
//   - List/walk: a full listing, page after page, beside the same walk of
//     the secret records with Badger; first-ms, median-ms, p99-ms and
//     slowest-ms are the store's page times, slowest/first and p99/first
//     their ratios (badger- the same of Badger's pages).
//   - RSS/store: the memory of a child process that opens the folder
//     (default budget) and makes scaleRSSCalls GetSecretValue calls at
//     random, read from /proc/self/status; RSS/badger: a child doing the
//     same reads with raw Badger.
func BenchmarkScale(b *testing.B) {
	n := scaleSize(b)
	dir, small, key := scaleStores(b, n)
	ctx := context.Background()

	b.Run("Open/clean", func(b *testing.B) {
		interleaveOpens(b, &opener{name: "store", open: openStore(dir, key)}, &opener{name: "badger", open: openRawBadger(b, dir)})
	})
	b.Run("Open/killed", func(b *testing.B) {
		kill := func(mode string) func() {
			return func() {
				round := int(time.Now().UnixNano()) // unique, in the folders kept between runs too
				runScaleChild(b, scaleChild{Job: "kill-" + mode, Dir: dir, Key: key, Round: round}, true)
			}
		}
		store := &opener{name: "store", before: kill("store"), open: openStore(dir, key)}
		raw := &opener{name: "badger", before: kill("badger"), open: openRawBadger(b, dir)}
		refused := 0
		store.refused = func(err error) bool {
			if !errors.Is(err, ErrCorrupt) {
				return false
			}
			refused++
			b.Logf("Open after a kill: %v", err)
			close, err := raw.open() // Badger removes the table the kill left unfinished
			if err == nil {
				err = close()
			}
			if err != nil {
				b.Fatal(err)
			}
			return true
		}
		interleaveOpens(b, store, raw)
		b.ReportMetric(float64(refused), "refused")
	})

	large, err := Open(ctx, scaleOptions(dir, key))
	if err != nil {
		b.Fatal(err)
	}
	defer large.Close()
	smallStore, err := Open(ctx, scaleOptions(small, key))
	if err != nil {
		b.Fatal(err)
	}
	defer smallStore.Close()
	warmed := false
	warm := func(b *testing.B) {
		if !warmed {
			start := time.Now()
			warmTables(b, smallStore)
			warmTables(b, large)
			b.Logf("every table page read once in %v", time.Since(start).Round(time.Millisecond))
			warmed = true
		}
	}
	b.Run("Get", func(b *testing.B) {
		warm(b)
		ws := []*workload{
			getStore("store", large, n), getBadger("badger", large, n),
			getStore("store-1k", smallStore, scaleSmall), getBadger("badger-1k", smallStore, scaleSmall),
		}
		interleave(b, ws...)
		b.ReportAllocs()
		ratio(b, "store-x1k", ws[0], ws[2])
		ratio(b, "badger-x1k", ws[1], ws[3])
		ratio(b, "store/badger", ws[0], ws[1])
	})
	if ScaleWire != nil {
		b.Run("Get/wire", func(b *testing.B) {
			warm(b)
			getLarge, stopLarge := ScaleWire(b, large)
			defer stopLarge()
			getSmall, stopSmall := ScaleWire(b, smallStore)
			defer stopSmall()
			pickLarge, pickSmall := scalePicks(n), scalePicks(scaleSmall)
			wl := &workload{name: "wire", call: func(i int) error { return getLarge(scaleName(pickLarge(i))) }}
			ws := &workload{name: "wire-1k", call: func(i int) error { return getSmall(scaleName(pickSmall(i))) }}
			interleave(b, wl, ws)
			ratio(b, "wire-x1k", wl, ws)
		})
	}

	prefix := scaleName(n / 2)
	prefix = prefix[:len(prefix)-3] // 1000 secrets
	for _, l := range []struct {
		name    string
		filters []Filter
		raw     string
	}{
		{"first-page", nil, ""},
		{"name-prefix", []Filter{{Key: FilterNameStringTypeName, Values: []string{prefix}}}, prefix},
	} {
		b.Run("List/"+l.name, func(b *testing.B) {
			warm(b)
			st := &workload{name: "store", call: func(int) error {
				out, err := large.ListSecrets(ctx, &ListSecretsInput{MaxResults: 100, Filters: l.filters})
				if err == nil && len(out.SecretList) != 100 {
					err = fmt.Errorf("%d secrets listed", len(out.SecretList))
				}
				return err
			}}
			raw := &workload{name: "badger", call: func(int) error {
				if got, _ := rawPage(b, large, record.SecretPrefix(large.region, l.raw), nil); got != 100 {
					return fmt.Errorf("%d records", got)
				}
				return nil
			}}
			interleave(b, st, raw)
			ratio(b, "store/badger", st, raw)
		})
	}
	b.Run("List/walk", func(b *testing.B) {
		warm(b)
		for range b.N {
			var pages, rawPages []time.Duration
			token, more := "", true
			var after []byte
			rawMore := true
			total, rawTotal := 0, 0
			for more || rawMore {
				if more {
					start := time.Now()
					out, err := large.ListSecrets(ctx, &ListSecretsInput{MaxResults: 100, NextToken: token})
					if err != nil {
						b.Fatal(err)
					}
					pages = append(pages, time.Since(start))
					total += len(out.SecretList)
					token = out.NextToken
					more = token != ""
				}
				if rawMore {
					start := time.Now()
					got, last := rawPage(b, large, record.SecretPrefix(large.region, ""), after)
					rawPages = append(rawPages, time.Since(start))
					rawTotal += got
					after, rawMore = last, got == 100
				}
			}
			if total < n || rawTotal < n {
				b.Fatalf("the walk listed %d secrets, Badger's %d, of %d", total, rawTotal, n)
			}
			reportPages(b, "", pages)
			reportPages(b, "badger-", rawPages)
		}
	})
	mustClose(b, large)
	mustClose(b, smallStore)

	for _, mode := range []string{"store", "badger"} {
		b.Run("RSS/"+mode, func(b *testing.B) {
			var m scaleMemory
			for range b.N {
				out := runScaleChild(b, scaleChild{Job: "rss-" + mode, Dir: dir, Key: key, N: n}, false)
				i := strings.Index(out, "scale-memory ")
				if i < 0 {
					b.Fatalf("the child printed no memory:\n%s", out)
				}
				line, _, _ := strings.Cut(out[i+len("scale-memory "):], "\n")
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(m.RSS/(1<<20), "VmRSS-MiB")
			b.ReportMetric(m.Anon/(1<<20), "RssAnon-MiB")
			b.ReportMetric(m.File/(1<<20), "RssFile-MiB")
			b.ReportMetric(m.HWM/(1<<20), "VmHWM-MiB")
			b.ReportMetric(m.Heap/(1<<20), "GoHeap-MiB")
		})
	}
}

// opener is one side of an interleaved comparison of opens.
type opener struct {
	name    string
	before  func()                                 // off the clock, before each open
	open    func() (close func() error, err error) // timed
	refused func(err error) bool                   // whether an error of open is counted, not fatal
	workload
}

// openStore opens the store on dir.
func openStore(dir string, key []byte) func() (func() error, error) {
	return func() (func() error, error) {
		s, err := Open(context.Background(), scaleOptions(dir, key))
		if err != nil {
			return nil, err
		}
		return s.Close, nil
	}
}

// openRawBadger opens dir with Badger alone, with the store's options.
func openRawBadger(tb testing.TB, dir string) func() (func() error, error) {
	return func() (func() error, error) {
		db, err := badger.Open(scaleBadgerOptions(tb, dir))
		if err != nil {
			return nil, err
		}
		return db.Close, nil
	}
}

// interleaveOpens is interleave for opens: b.N rounds, each opening with
// every opener once, after its before, and closing (off the clock). It
// reports the first opener's time as ms/op (and ns/op), and each opener's
// as NAME-ms/op, and the ratio of the first two's.
func interleaveOpens(b *testing.B, os ...*opener) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		for _, o := range os {
			if o.before != nil {
				o.before()
			}
			b.StartTimer()
			start, cpu := time.Now(), threadCPU()
			close, err := o.open()
			wall, used := time.Since(start), threadCPU()-cpu
			b.StopTimer()
			if err != nil && o.refused != nil && o.refused(err) {
				continue
			}
			if err != nil {
				b.Fatalf("%s: %v", o.name, err)
			}
			o.wall, o.cpu, o.n = o.wall+wall, o.cpu+used, o.n+1
			if err := close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	ws := make([]*workload, len(os))
	for i, o := range os {
		ws[i] = &o.workload
		ws[i].name = o.name
	}
	b.ReportMetric(ws[0].nsPerOp(), "ns/op")
	report(b, "ms/op", 1e6, ws)
	ratio(b, ws[0].name+"/"+ws[1].name, ws[0], ws[1])
}

// getStore is GetSecretValue of a secret of s (of n) picked at random.
func getStore(name string, s *Store, n int) *workload {
	pick := scalePicks(n)
	in := &GetSecretValueInput{}
	return &workload{name: name, call: func(i int) error {
		in.SecretId = scaleName(pick(i))
		out, err := s.GetSecretValue(context.Background(), in)
		if err == nil && len(out.SecretString) != scaleValueLen {
			err = fmt.Errorf("a value of %d bytes", len(out.SecretString))
		}
		return err
	}}
}

// getBadger is what getStore does done with Badger alone: a read-only
// transaction getting and copying the secret record and the record of its
// AWSCURRENT version. It reads other secrets than getStore's call i, half
// the permutation further on: interleaved, each side would otherwise read
// the blocks the other has just brought in.
func getBadger(name string, s *Store, n int) *workload {
	pick := scalePicks(n)
	return &workload{name: name, call: func(i int) error {
		return rawGet(s.c.db, s.region, pick(i+n/2))
	}}
}

// rawGet reads secret j's record and its current version's with Badger.
func rawGet(db *badger.DB, region string, j int) error {
	return db.View(func(txn *badger.Txn) error {
		for _, k := range [][]byte{record.SecretKey(region, scaleName(j)), record.VersionKey(scaleID(j), scaleVersionID(j, scaleVersions-1))} {
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
}

// warmTables reads every key and value of s's database once, so that
// every page of its memory-mapped tables has been touched.
func warmTables(b *testing.B, s *Store) {
	err := s.c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := it.Item().Value(func([]byte) error { return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// scalePicks returns a function giving, for call i, the secret (of n) it
// reads: a fixed random permutation, so that every secret is read once
// before any is read again, and runs at different sizes are alike.
func scalePicks(n int) func(i int) int {
	perm := rand.New(rand.NewPCG(1, 2)).Perm(n)
	return func(i int) int { return perm[i%n] }
}

// rawPage reads, with Badger alone, up to 100 records under prefix after
// the key after (nil: from the start), copying each value, in a new
// read-only transaction, as a listing's page does; it returns how many it
// read and the last key.
func rawPage(b *testing.B, s *Store, prefix, after []byte) (int, []byte) {
	got := 0
	var last []byte
	err := s.c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		seek := prefix
		if after != nil {
			seek = append(slices.Clip(after), 0)
		}
		for it.Seek(seek); it.Valid() && got < 100; it.Next() {
			if _, err := it.Item().ValueCopy(nil); err != nil {
				return err
			}
			got++
			last = it.Item().KeyCopy(last[:0])
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return got, last
}

// reportPages reports the page times of a walk, its metrics' names
// starting with prefix: the first, the median, the 99th percentile, the
// slowest, the ratios of the slowest and the 99th percentile to the first,
// and the ratio of the median pages of the last and the first tenth.
func reportPages(b *testing.B, prefix string, pages []time.Duration) {
	first := pages[0]
	sorted := slices.Clone(pages)
	slices.Sort(sorted)
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	slowest, p99, median := sorted[len(sorted)-1], sorted[len(sorted)*99/100], sorted[len(sorted)/2]
	b.ReportMetric(float64(len(pages)), prefix+"pages")
	b.ReportMetric(ms(first), prefix+"first-ms")
	b.ReportMetric(ms(median), prefix+"median-ms")
	b.ReportMetric(ms(p99), prefix+"p99-ms")
	b.ReportMetric(ms(slowest), prefix+"slowest-ms")
	b.ReportMetric(float64(slowest)/float64(first), prefix+"slowest/first")
	b.ReportMetric(float64(p99)/float64(first), prefix+"p99/first")
	// Whether a page costs more deep into the walk: the median of the last
	// tenth of the pages over that of the first tenth.
	tenth := max(len(pages)/10, 1)
	med := func(ds []time.Duration) time.Duration {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	b.ReportMetric(float64(med(pages[len(pages)-tenth:]))/float64(med(pages[:tenth])), prefix+"last/first-tenth")
}

// The child processes of BenchmarkScale.

// scaleChildEnv holds the job of a child process (scaleChild, as JSON).
const scaleChildEnv = "SECRETSTORE_SCALE_CHILD"

// scaleChild is the job of a child process of BenchmarkScale.
type scaleChild struct {
	// Job is kill-store or kill-badger (write, say "ready to be killed",
	// wait), rss-store or rss-badger (read, print the memory, exit).
	Job   string
	Dir   string
	Key   []byte
	N     int // the secrets of the store (rss)
	Round int // which kill this is (unique): the names its secrets get
}

// scaleMemory is what an rss child reports, in bytes: /proc/self/status's
// VmRSS, RssAnon, RssFile and VmHWM, and the Go heap in use.
type scaleMemory struct {
	RSS, Anon, File, HWM, Heap float64
}

// runScaleChild runs TestScaleChild in a child process of this test binary
// with job c. With kill it waits until the child says "ready to be killed"
// and kills it (SIGKILL); otherwise it waits for the child to end. It
// returns what the child printed.
func runScaleChild(tb testing.TB, c scaleChild, kill bool) string {
	tb.Helper()
	job, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	return runChild(tb, "TestScaleChild", []string{scaleChildEnv + "=" + string(job)}, kill, 30*time.Minute)
}

// TestScaleChild is the child process of BenchmarkScale; it runs only with
// SECRETSTORE_SCALE_CHILD set.
func TestScaleChild(t *testing.T) {
	t.Parallel()
	spec := os.Getenv(scaleChildEnv)
	if spec == "" {
		t.Skip("the child process of BenchmarkScale")
	}
	var c scaleChild
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	val := strings.Repeat("k", scaleValueLen)
	switch c.Job {
	case "kill-store":
		o := scaleOptions(c.Dir, c.Key)
		o.SyncWrites = new(false) // the log is written all the same: a kill loses no write
		s, err := Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		killedWhileWriting(func(i int) error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: fmt.Sprintf("killed/%d/%06d", c.Round, i), SecretString: val})
			return err
		})
	case "kill-badger":
		db, err := badger.Open(scaleBadgerOptions(t, c.Dir).WithSyncWrites(false))
		if err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, scaleValueLen+150) // about a version record
		killedWhileWriting(func(i int) error {
			var id [record.IDLen]byte
			h := sha256.Sum256(fmt.Appendf(nil, "killed/%d/%d", c.Round, i))
			copy(id[:], h[:])
			return db.Update(func(txn *badger.Txn) error { return txn.Set(record.VersionKey(id, scaleVersionID(i, 0)), rec) })
		})
	case "rss-store":
		s, err := Open(ctx, scaleOptions(c.Dir, c.Key))
		if err != nil {
			t.Fatal(err)
		}
		pick := scalePicks(c.N)
		in := &GetSecretValueInput{}
		for i := range scaleRSSCalls {
			in.SecretId = scaleName(pick(i))
			if _, err := s.GetSecretValue(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		printMemory(t)
		mustClose(t, s)
		return
	case "rss-badger":
		db, err := badger.Open(scaleBadgerOptions(t, c.Dir))
		if err != nil {
			t.Fatal(err)
		}
		pick := scalePicks(c.N)
		for i := range scaleRSSCalls {
			if err := rawGet(db, DefaultRegion, pick(i)); err != nil {
				t.Fatal(err)
			}
		}
		printMemory(t)
		db.Close()
		return
	default:
		t.Fatalf("unknown job %q", c.Job)
	}
}

// killedWhileWriting makes write calls, and after scaleKillWrites of them
// says it is ready to be killed, and goes on writing until it is: the kill
// comes in the middle of writes, as a crash under load does, and may cut a
// memtable flush or a compaction short. A failed write ends the process.
func killedWhileWriting(write func(i int) error) {
	for i := 0; ; i++ {
		if i == scaleKillWrites {
			fmt.Println("ready to be killed")
		}
		if err := write(i); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	}
}

// scaleHeapEnv, when set, names a file where an RSS child writes a heap
// profile (go tool pprof) when it reads its memory.
const scaleHeapEnv = "SECRETSTORE_SCALE_HEAPPROFILE"

// printMemory prints this process's memory as a scale-memory line.
func printMemory(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	var m scaleMemory
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb * 1024
		case "RssAnon:":
			m.Anon = kb * 1024
		case "RssFile:":
			m.File = kb * 1024
		case "VmHWM:":
			m.HWM = kb * 1024
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.Heap = float64(ms.HeapInuse)
	if path := os.Getenv(scaleHeapEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			t.Fatal(err)
		}
	}
	j, _ := json.Marshal(m)
	fmt.Printf("scale-memory %s\n", j)
}
