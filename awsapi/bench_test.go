package awsapi

// Wire benchmarks (issue 4): the AWS SDK for Go v2 client calling, over a
// loopback TCP connection,
//
//   - .../secretstore: awsapi.New over an in-memory store;
//   - .../floor:       an http.Handler that reads the body and writes the
//     fixed bytes secretstore sends for the same request (captured once at
//     setup, with the same Content-Type, X-Amzn-Requestid and
//     Content-Length headers), so the client does the same parsing work:
//     the cost of HTTP and the SDK alone;
//   - .../badger:      the floor's handler that first does the work any
//     server keeping the secrets in Badger must do for the call (see
//     badgerWork): the floor of a Badger-backed server;
//   - .../moto:        moto's server (moto_server -p PORT), started by the
//     benchmark; skipped when moto_server is not on PATH.
//
// Each in two modes: sequential (one goroutine, b.N calls) and
// concurrent=8 (8 goroutines taking the b.N calls from a shared counter,
// all through one shared SDK client, which is safe for concurrent use).
// The client configuration is the same for the three servers: region
// us-east-1, static credentials, BaseEndpoint, RetryMaxAttempts 1, and an
// HTTP transport keeping up to 16 idle connections per host. Each
// benchmark reports ns/op and ops/s.
//
// BENCHMARKS.md records the figures and the ratios secretstore / floor,
// badger / floor and secretstore / badger (time), and secretstore / moto
// (throughput).
// Run (about 4½ minutes; BENCHMARKS.md gives the median of the 3 counts):
//
//	go test -run '^$' -bench Wire -benchtime 3s -count 3 ./awsapi/

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/badger/options"
	"github.com/secretstore-go/secretstore/internal/testutil"
	"github.com/secretstore-go/secretstore/policy"
	"golang.org/x/crypto/chacha20poly1305"
)

const (
	// benchValueLen is the size of the secret values read and written.
	benchValueLen = 1024
	// benchConcurrency is the number of goroutines of the concurrent mode.
	benchConcurrency = 8
	// benchGetSecret is the secret GetSecretValue reads.
	benchGetSecret = "bench/get"
	// putPoolWidth is the number of secrets PutSecretValue writes to in
	// turn; putsPerSecret bounds the calls one secret receives over the
	// whole run (every round, every mode), so that no secret holds more
	// than putsPerSecret+1 versions: far below the quota of 100, and the
	// same bound for secretstore and moto, whose put costs both grow with
	// the versions a secret holds. When a round needs more, a new set of
	// putPoolWidth secrets is created before the timer starts (moto, being
	// slower, makes fewer calls, so its secrets hold fewer versions: the
	// comparison errs in moto's favour).
	putPoolWidth  = 1000
	putsPerSecret = 32
)

var benchValue = strings.Repeat("v", benchValueLen)

// benchServers are the servers of each wire benchmark, in order.
var benchServers = []string{"secretstore", "floor", "badger", "moto"}

// benchClient returns the SDK client every server is measured with.
func benchClient(url string) *secretsmanager.Client {
	return testutil.SDKClient(url, "us-east-1", testutil.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 64
		t.MaxIdleConnsPerHost = 2 * benchConcurrency
	})))
}

// startSecretstore serves a fresh in-memory store on a loopback listener
// and returns its URL.
func startSecretstore(b *testing.B) string {
	b.Helper()
	store, _ := newTestStore(b, secretstore.Options{})
	return newTestServer(b, store, Options{}).URL
}

// startFloor serves the fixed answer secretstore gives to the request
// (target, body) on a loopback listener and returns its URL. The answer is
// captured from a fresh store holding the secret named secret, with a 1 KiB
// value. That store stays open, idle, until the benchmark ends: the client
// runs in this process, and an open in-memory store (tens of MB of live
// heap) paces its garbage collector as secretstore's store does; with the
// store closed the heap goal drops to a few MB, the GC runs every few dozen
// calls, and the floor is some 25% slower than a fair floor.
//
// work, when not nil, runs before each answer (the badger server).
func startFloor(b *testing.B, secret, target, body string, work func() error) string {
	b.Helper()
	store, _ := newTestStore(b, secretstore.Options{})
	if _, err := store.CreateSecret(context.Background(), &secretstore.CreateSecretInput{Name: secret, SecretString: benchValue}); err != nil {
		b.Fatal(err)
	}
	res := post(b, New(store, Options{}), target, body)
	if res.status != http.StatusOK {
		b.Fatalf("capturing %s: status %d: %s", target, res.status, res.body)
	}
	resBody := res.body
	contentType := res.header.Get("Content-Type")
	requestID := res.header.Get("X-Amzn-Requestid")
	contentLength := strconv.Itoa(len(resBody))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if work != nil {
			if err := work(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		h := w.Header()
		h.Set("X-Amzn-Requestid", requestID)
		h.Set("Content-Type", contentType)
		h.Set("Content-Length", contentLength)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(resBody)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// startServer starts the named server (see benchServers); the floor answers
// as secretstore does to the request (target, body) on secret.
func startServer(b *testing.B, name, secret, target, body string) string {
	b.Helper()
	switch name {
	case "secretstore":
		return startSecretstore(b)
	case "floor":
		return startFloor(b, secret, target, body, nil)
	case "badger":
		return startFloor(b, secret, target, body, badgerWork(b, target))
	case "moto":
		return testutil.Moto(b)
	}
	b.Fatalf("unknown server %q", name)
	return ""
}

// runModes runs the sub-benchmarks sequential and concurrent=8 of call,
// which makes the i-th call of the round (0 <= i < b.N). prepare, when not
// nil, runs before each round, off the clock, with the round's b.N.
func runModes(b *testing.B, prepare func(b *testing.B), call func(ctx context.Context, i int) error) {
	ctx := context.Background()
	b.Run("sequential", func(b *testing.B) {
		if prepare != nil {
			prepare(b)
		}
		var nf netFailures
		b.ResetTimer()
		for i := range b.N {
			if err := call(ctx, i); err != nil && !nf.tolerate(err) {
				b.Fatal(err)
			}
		}
		report(b, &nf)
	})
	b.Run(fmt.Sprintf("concurrent=%d", benchConcurrency), func(b *testing.B) {
		if prepare != nil {
			prepare(b)
		}
		var nf netFailures
		var next atomic.Int64
		var failed atomic.Bool
		var wg sync.WaitGroup
		b.ResetTimer()
		for range benchConcurrency {
			wg.Go(func() {
				for !failed.Load() {
					i := int(next.Add(1) - 1)
					if i >= b.N {
						return
					}
					if err := call(ctx, i); err != nil && !nf.tolerate(err) {
						if !failed.Swap(true) {
							b.Error(err)
						}
						return
					}
				}
			})
		}
		wg.Wait()
		report(b, &nf)
	})
}

// netFailures counts the calls of a round that failed in the network
// rather than in the server. moto answers every request with Connection:
// close, and about once in a few thousand calls the client's read of its
// answer fails ("use of closed network connection"): such a call is
// counted, reported as the metric neterrors, and the run goes on. Any other
// failure, or more than one network failure in 1000 calls, fails the
// benchmark.
type netFailures struct{ n atomic.Int64 }

func (f *netFailures) tolerate(err error) bool {
	if !errors.As(err, new(*net.OpError)) {
		return false
	}
	f.n.Add(1)
	return true
}

// report reports the round's throughput, and its network failures if any.
func report(b *testing.B, f *netFailures) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "ops/s")
	}
	if n := int(f.n.Load()); n > 0 {
		b.ReportMetric(float64(n), "neterrors")
		if n > 1+b.N/1000 {
			b.Fatalf("%d of %d calls failed in the network", n, b.N)
		}
	}
}

func BenchmarkWireGetSecretValue(b *testing.B) {
	body := `{"SecretId":"` + benchGetSecret + `"}`
	target := "secretsmanager.GetSecretValue"
	for _, name := range benchServers {
		b.Run(name, func(b *testing.B) {
			c := benchClient(startServer(b, name, benchGetSecret, target, body))
			if name != "floor" && name != "badger" {
				if _, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(benchGetSecret), SecretString: aws.String(benchValue)}); err != nil {
					b.Fatal(err)
				}
			}
			in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(benchGetSecret)}
			runModes(b, nil, func(ctx context.Context, _ int) error {
				out, err := c.GetSecretValue(ctx, in)
				if err != nil {
					return err
				}
				if len(aws.ToString(out.SecretString)) != benchValueLen {
					return errors.New("GetSecretValue: wrong SecretString")
				}
				return nil
			})
		})
	}
}

func BenchmarkWirePutSecretValue(b *testing.B) {
	// The floor's answer: secretstore's to a put on a secret whose name is
	// as long as the pool's.
	floorSecret := putName(0, 0)
	body := `{"SecretId":"` + floorSecret + `","ClientRequestToken":"00000000-0000-4000-8000-000000000001","SecretString":"` + benchValue + `"}`
	target := "secretsmanager.PutSecretValue"
	for _, name := range benchServers {
		b.Run(name, func(b *testing.B) {
			c := benchClient(startServer(b, name, floorSecret, target, body))
			pool := &putPool{client: c, create: name != "floor" && name != "badger"}
			runModes(b, pool.prepare, func(ctx context.Context, i int) error {
				// The SDK gives each call a fresh ClientRequestToken (a
				// random UUID), as it does for every application.
				_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
					SecretId:     aws.String(pool.secret(i)),
					SecretString: aws.String(benchValue),
				})
				return err
			})
		})
	}
}

// putPool hands out the secrets PutSecretValue writes to: call number n
// of the whole run (rounds and modes one after the other) goes to secret
// n mod putPoolWidth of set n / (putPoolWidth*putsPerSecret), so no secret
// gets more than putsPerSecret calls.
type putPool struct {
	client *secretsmanager.Client
	create bool // create the secrets (not for the floor and badger servers, which keep none)
	sets   int  // sets of secrets created
	base   int  // calls made by the rounds before this one
	round  int  // b.N of this round
}

// prepare makes sure the secrets of the coming round's b.N calls exist.
func (p *putPool) prepare(b *testing.B) {
	p.base += p.round
	p.round = b.N
	need := (p.base + b.N + putPoolWidth*putsPerSecret - 1) / (putPoolWidth * putsPerSecret)
	for ; p.sets < need; p.sets++ {
		if !p.create {
			continue
		}
		if err := createSet(p.client, p.sets); err != nil {
			b.Fatal(err)
		}
	}
}

// createSet creates the putPoolWidth secrets of set n, 8 at a time.
func createSet(c *secretsmanager.Client, n int) error {
	var next atomic.Int64
	errs := make(chan error, benchConcurrency)
	for range benchConcurrency {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= putPoolWidth {
					errs <- nil
					return
				}
				_, err := c.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
					Name: aws.String(putName(n, i)), SecretString: aws.String(benchValue),
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
	for range benchConcurrency {
		err = errors.Join(err, <-errs)
	}
	return err
}

// secret returns the secret of call i of the current round.
func (p *putPool) secret(i int) string {
	n := p.base + i
	return putName(n/(putPoolWidth*putsPerSecret), n%putPoolWidth)
}

func putName(set, i int) string { return fmt.Sprintf("bench/put-%03d-%04d", set, i) }

// The sizes of the records the store writes for the benchmarks' secrets
// (names of 18 characters, 1 KiB values, 36-character version ids), as
// measured on its records: a version record, and a secret record of n
// versions taking secretRecordBase + n*secretRecordPerVersion bytes.
const (
	versionRecordBytes     = 1145
	secretRecordBase       = 85
	secretRecordPerVersion = 50
)

// badgerWork returns what the badger server does for each call of the
// operation target before it answers: the work any server keeping the
// secrets in Badger, encrypted, must do, and nothing else. It runs on an
// in-memory Badger opened with the options the store uses (benchBadgerOptions),
// on records of the sizes the store's are (see versionRecordBytes):
//
//   - GetSecretValue: in one read-only transaction, get and copy the secret
//     record and the version record; then open the data key with the key
//     encryption key and the value with the data key (XChaCha20-Poly1305).
//   - PutSecretValue: make a data key and seal the value with it and it
//     with the key encryption key; then, in one read-write transaction, get
//     and copy the secret record, set a new version record and set the
//     secret record one version longer. Call n goes to the secret the
//     putPool gives call n, so the records grow as the store's do.
func badgerWork(b *testing.B, target string) func() error {
	b.Helper()
	work, _ := badgerWorkAt(b, target, 0)
	return work
}

// benchBadgerOptions are the Badger options of an in-memory store with the
// default memory budget (Options.badgerOptions in options.go, with
// DefaultInMemoryBudget): 1 MiB memtables, two of them, two compactors,
// every value in the tables, no block cache.
func benchBadgerOptions() badger.Options {
	const memtable = secretstore.DefaultInMemoryBudget / 8
	return badger.DefaultOptions("").WithInMemory(true).WithLogger(nil).
		WithNumVersionsToKeep(1).WithCompression(options.None).WithMetricsEnabled(false).
		WithMemTableSize(memtable).WithNumMemtables(2).WithNumCompactors(2).
		WithValueThreshold(memtable * 15 / 100).WithValueLogFileSize(1 << 20).
		WithBlockCacheSize(0)
}

// badgerWorkAt is badgerWork; for PutSecretValue with versions > 0, call n
// puts to the secret versionsName(versions, n), writing a secret record of
// versions+1 versions, and fill(first, n) writes, off the clock, the
// records of the secrets of calls first to first+n-1 as they are before
// their put: versions version records and a secret record of versions
// versions, so that Badger holds as much as the store does.
func badgerWorkAt(b *testing.B, target string, fixedVersions int) (work func() error, fill func(first, n int)) {
	b.Helper()
	db, err := badger.Open(benchBadgerOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	kek := make([]byte, chacha20poly1305.KeySize)
	rand.Read(kek)
	const (
		keyLen   = chacha20poly1305.KeySize
		nonceLen = chacha20poly1305.NonceSizeX
		overhead = chacha20poly1305.Overhead
	)
	// seal makes a data key and returns a version record: the data key
	// sealed with kek, the two nonces and the value sealed with the data
	// key, padded to the size of the store's record.
	seal := func() ([]byte, error) {
		dk := make([]byte, keyLen+2*nonceLen) // the key, then the nonces
		rand.Read(dk)
		w, err := chacha20poly1305.NewX(kek)
		if err != nil {
			return nil, err
		}
		a, err := chacha20poly1305.NewX(dk[:keyLen])
		if err != nil {
			return nil, err
		}
		rec := make([]byte, 0, versionRecordBytes)
		rec = w.Seal(rec, dk[keyLen:][:nonceLen], dk[:keyLen], nil)
		rec = append(rec, dk[keyLen:]...)
		rec = a.Seal(rec, dk[keyLen+nonceLen:], []byte(benchValue), nil)
		return rec[:versionRecordBytes], nil // zero padding: cap is versionRecordBytes
	}
	// open opens a record seal made.
	open := func(rec []byte) error {
		wrapped, nonces := rec[:keyLen+overhead], rec[keyLen+overhead:][:2*nonceLen]
		sealed := rec[keyLen+overhead+2*nonceLen:][:len(benchValue)+overhead]
		w, err := chacha20poly1305.NewX(kek)
		if err != nil {
			return err
		}
		dk, err := w.Open(nil, nonces[:nonceLen], wrapped, nil)
		if err != nil {
			return err
		}
		a, err := chacha20poly1305.NewX(dk)
		if err != nil {
			return err
		}
		_, err = a.Open(nil, nonces[nonceLen:], sealed, nil)
		return err
	}
	secretKey := func(name string) []byte { return []byte("sus-east-1\x00" + name) }
	copyValue := func(txn *badger.Txn, key []byte) ([]byte, error) {
		item, err := txn.Get(key)
		if err != nil {
			return nil, err
		}
		return item.ValueCopy(nil)
	}

	switch target {
	case "secretsmanager.GetSecretValue":
		vkey := []byte("v" + benchGetSecret + "/00000000-0000-4000-8000-000000000001")
		rec, err := seal()
		if err != nil {
			b.Fatal(err)
		}
		err = db.Update(func(txn *badger.Txn) error {
			if err := txn.Set(secretKey(benchGetSecret), make([]byte, secretRecordBase+secretRecordPerVersion)); err != nil {
				return err
			}
			return txn.Set(vkey, rec)
		})
		if err != nil {
			b.Fatal(err)
		}
		return func() error {
			return db.View(func(txn *badger.Txn) error {
				if _, err := copyValue(txn, secretKey(benchGetSecret)); err != nil {
					return err
				}
				rec, err := copyValue(txn, vkey)
				if err != nil {
					return err
				}
				return open(rec)
			})
		}, nil
	case "secretsmanager.PutSecretValue":
		fill := func(first, n int) {
			rec, err := seal()
			if err != nil {
				b.Fatal(err)
			}
			wb := db.NewWriteBatch()
			defer wb.Cancel()
			for i := first; i < first+n; i++ {
				name := versionsName(fixedVersions, i)
				for v := range fixedVersions {
					if err := wb.Set([]byte(fmt.Sprintf("v%s/%036d", name, v)), rec); err != nil {
						b.Fatal(err)
					}
				}
				if err := wb.Set(secretKey(name), make([]byte, secretRecordBase+secretRecordPerVersion*fixedVersions)); err != nil {
					b.Fatal(err)
				}
			}
			if err := wb.Flush(); err != nil {
				b.Fatal(err)
			}
		}
		var calls atomic.Int64
		return func() error {
			n := int(calls.Add(1) - 1)
			name := putName(n/(putPoolWidth*putsPerSecret), n%putPoolWidth)
			versions := 1 + (n/putPoolWidth)%putsPerSecret // after this call
			if fixedVersions > 0 {
				name, versions = versionsName(fixedVersions, n), fixedVersions
			}
			rec, err := seal()
			if err != nil {
				return err
			}
			return db.Update(func(txn *badger.Txn) error {
				key := secretKey(name)
				if _, err := copyValue(txn, key); err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
					return err
				}
				if err := txn.Set([]byte(fmt.Sprintf("v%s/%036d", name, fixedVersions+n)), rec); err != nil { // after fill's
					return err
				}
				return txn.Set(key, make([]byte, secretRecordBase+secretRecordPerVersion*(versions+1)))
			})
		}, fill
	}
	b.Fatalf("badgerWork: no work for %s", target)
	return nil, nil
}

// BenchmarkDecodeRequest decodes the PutSecretValue body of the wire
// benchmark (1 KiB value) and a GetSecretValue body: with decodeRequest
// (which takes decodeFlat for both), beside json.Unmarshal of the same body
// into the same type (what encoding/json alone costs, without AWS's exact
// member names) and decodeExact (the path of any body decodeFlat and
// plainKeys turn away).
//
//	go test -run '^$' -bench DecodeRequest -benchmem ./awsapi/
func BenchmarkDecodeRequest(b *testing.B) {
	bodies := []struct {
		name string
		body []byte
		typ  func() any
	}{
		{"PutSecretValue", []byte(`{"ClientRequestToken":"00000000-0000-4000-8000-000000000001","SecretId":"` + putName(0, 1) + `","SecretString":"` + benchValue + `"}`), func() any { return new(putSecretValueRequest) }},
		{"GetSecretValue", []byte(`{"SecretId":"` + benchGetSecret + `"}`), func() any { return new(getSecretValueRequest) }},
	}
	for _, c := range bodies {
		for _, d := range []struct {
			name   string
			decode func([]byte, any) error
		}{
			{"decodeRequest", decodeRequest},
			{"json.Unmarshal", json.Unmarshal},
			{"decodeExact", decodeExact},
		} {
			b.Run(c.name+"/"+d.name, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					if err := d.decode(c.body, c.typ()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkHandlerPutSecretValue is a PutSecretValue through the handler
// alone, with no network and no client: the request the SDK sends (the body
// with a fresh ClientRequestToken, the target, the SigV4 Authorization
// header) built in the process, to 1000 secrets in turn, each getting b.N /
// 1000 versions, and the answer thrown away.
//
//	go test -run '^$' -bench HandlerPutSecretValue -benchtime 20000x -benchmem ./awsapi/
func BenchmarkHandlerPutSecretValue(b *testing.B) {
	store, _ := newTestStore(b, secretstore.Options{})
	ctx := context.Background()
	for i := range putPoolWidth {
		if _, err := store.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: putName(0, i), SecretString: benchValue}); err != nil {
			b.Fatal(err)
		}
	}
	h := New(store, Options{})
	const auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/secretsmanager/aws4_request, " +
		"SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, " +
		"Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	w := &discardResponse{h: http.Header{}}
	b.ReportAllocs()
	for i := range b.N {
		body := fmt.Sprintf(`{"ClientRequestToken":"00000000-0000-4000-8000-%012d","SecretId":"%s","SecretString":"%s"}`, i, putName(0, i%putPoolWidth), benchValue)
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "secretsmanager.PutSecretValue")
		req.Header.Set("Authorization", auth)
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// discardResponse is an http.ResponseWriter that keeps only the status.
type discardResponse struct {
	h      http.Header
	status int
}

func (w *discardResponse) Header() http.Header         { return w.h }
func (w *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardResponse) WriteHeader(status int)      { w.status = status }

// BenchmarkWireGetSecretValueAuthz measures what access control costs over
// the wire (issue 13): GetSecretValue of a 1 KiB value through the SDK, on
// one server and one store, signed by one of two keys:
//
//   - .../off: a key without a Principal, which runs on the store itself;
//   - .../on:  a key bound to a principal with 3 identity-based policies
//     (6 statements, one with a tag condition and a policy variable), on a
//     secret whose resource policy has 5 statements (conditions on
//     aws:SourceIp and aws:PrincipalAccount among them), so every request
//     is evaluated against 11 statements;
//   - .../interleaved/sequential: both keys in turn, one call each, each
//     call timed; .../interleaved/concurrent=8: blocks of 64 calls of one
//     key, then of the other, each made by 8 goroutines and timed whole.
//     Both report off-ns/op, on-ns/op and their ratio on/off: a drift of
//     the machine's speed during the run falls on both keys alike.
//
// Signatures are checked in all three. BENCHMARKS.md records the ratio.
// Run (about 40 seconds):
//
//	go test -run '^$' -bench WireGetSecretValueAuthz -benchtime 3s -count 5 ./awsapi/
func BenchmarkWireGetSecretValueAuthz(b *testing.B) {
	ctx := context.Background()
	store, _ := newTestStore(b, secretstore.Options{})
	if _, err := store.CreateSecret(ctx, &secretstore.CreateSecretInput{
		Name: benchGetSecret, SecretString: benchValue, Tags: []secretstore.Tag{{Key: "team", Value: "bench"}},
	}); err != nil {
		b.Fatal(err)
	}
	const account = "arn:aws:iam::123456789012:"
	if _, err := store.PutResourcePolicy(ctx, &secretstore.PutResourcePolicyInput{SecretId: benchGetSecret, ResourcePolicy: `{"Version":"2012-10-17","Statement":[
		{"Sid":"OnlyFromHere","Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["127.0.0.0/8","::1/128","10.0.0.0/8"]}}},
		{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"` + account + `user/partner"},"Action":"secretsmanager:GetSecretValue","Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":["secretsmanager:DeleteSecret","secretsmanager:DeleteResourcePolicy"],"Resource":"*"},
		{"Sid":"Rotation","Effect":"Allow","Principal":{"AWS":"` + account + `role/rotation"},"Action":["secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage","secretsmanager:DescribeSecret"],"Resource":"*"},
		{"Sid":"ThisAccount","Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}}]}`}); err != nil {
		b.Fatal(err)
	}
	app := &secretstore.Principal{Arn: account + "user/app", Tags: map[string]string{"team": "bench"}, Policies: []*policy.Policy{
		identityPolicy(b,
			`{"Sid":"Read","Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"arn:aws:secretsmanager:*:123456789012:secret:bench/*"}`,
			`{"Sid":"Versions","Effect":"Allow","Action":"secretsmanager:ListSecretVersionIds","Resource":"arn:aws:secretsmanager:*:123456789012:secret:bench/*"}`),
		identityPolicy(b,
			`{"Sid":"NoAdmin","Effect":"Deny","Action":["secretsmanager:DeleteSecret","secretsmanager:PutResourcePolicy","secretsmanager:DeleteResourcePolicy"],"Resource":"*"}`,
			`{"Sid":"NoProd","Effect":"Deny","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:*:123456789012:secret:prod/*"}`),
		identityPolicy(b,
			`{"Sid":"List","Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*"}`,
			`{"Sid":"OwnTeam","Effect":"Allow","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}`),
	}}
	off := Credentials{AccessKeyID: "AKIDBENCHOFF", SecretAccessKey: "bench-off-secret-key"}
	on := Credentials{AccessKeyID: "AKIDBENCHON", SecretAccessKey: "bench-on-secret-key", Principal: app}
	url := newTestServer(b, store, Options{Credentials: []Credentials{off, on}}).URL
	client := func(c Credentials) *secretsmanager.Client {
		return testutil.SDKClient(url, "us-east-1", testutil.WithCredentials(c.AccessKeyID, c.SecretAccessKey, ""),
			testutil.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
				t.MaxIdleConns = 64
				t.MaxIdleConnsPerHost = 2 * benchConcurrency
			})))
	}
	clients := map[string]*secretsmanager.Client{"off": client(off), "on": client(on)}
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(benchGetSecret)}
	get := func(ctx context.Context, c *secretsmanager.Client) error {
		out, err := c.GetSecretValue(ctx, in)
		if err != nil {
			return err
		}
		if len(aws.ToString(out.SecretString)) != benchValueLen {
			return errors.New("GetSecretValue: wrong SecretString")
		}
		return nil
	}
	for _, name := range []string{"off", "on"} {
		if err := get(ctx, clients[name]); err != nil { // and warm the connection
			b.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := clients["on"].DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("prod/x")}); err == nil {
		b.Fatal("enforcement is not on: DescribeSecret of prod/x was allowed")
	}
	for _, name := range []string{"off", "on"} {
		b.Run(name, func(b *testing.B) {
			runModes(b, nil, func(ctx context.Context, _ int) error { return get(ctx, clients[name]) })
		})
	}
	// interleaved: the keys take turns, a call each (sequential) or a
	// block of calls each (concurrent), and each key's calls are timed
	// apart.
	names := []string{"off", "on"}
	b.Run("interleaved/sequential", func(b *testing.B) {
		var spent [2]time.Duration
		var calls [2]int
		for i := range b.N {
			k := i % 2
			start := time.Now()
			if err := get(ctx, clients[names[k]]); err != nil {
				b.Fatal(err)
			}
			spent[k] += time.Since(start)
			calls[k]++
		}
		reportInterleaved(b, spent, calls)
	})
	b.Run(fmt.Sprintf("interleaved/concurrent=%d", benchConcurrency), func(b *testing.B) {
		const block = 64 // calls of one key in a row, shared by the goroutines
		var spent [2]time.Duration
		var calls [2]int
		for done, k := 0, 0; done < b.N; done, k = done+block, 1-k {
			n := min(block, b.N-done)
			var next atomic.Int64
			var failed atomic.Pointer[error]
			var wg sync.WaitGroup
			start := time.Now()
			for range benchConcurrency {
				wg.Go(func() {
					for next.Add(1) <= int64(n) && failed.Load() == nil {
						if err := get(ctx, clients[names[k]]); err != nil {
							failed.CompareAndSwap(nil, &err)
						}
					}
				})
			}
			wg.Wait()
			spent[k] += time.Since(start)
			calls[k] += n
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
		}
		reportInterleaved(b, spent, calls)
	})
}

// reportInterleaved reports the time per call of each key, off and on,
// and their ratio.
func reportInterleaved(b *testing.B, spent [2]time.Duration, calls [2]int) {
	if calls[0] == 0 || calls[1] == 0 {
		return
	}
	off := float64(spent[0].Nanoseconds()) / float64(calls[0])
	on := float64(spent[1].Nanoseconds()) / float64(calls[1])
	b.ReportMetric(off, "off-ns/op")
	b.ReportMetric(on, "on-ns/op")
	b.ReportMetric(on/off, "on/off")
}
