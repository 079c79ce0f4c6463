package sstest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore/sstest"
)

// cleanupTB is a testing.TB whose cleanups the benchmark runs itself, at the
// end of each iteration, rather than at the end of the benchmark.
type cleanupTB struct {
	testing.TB
	fns []func()
}

func (t *cleanupTB) Cleanup(fn func()) { t.fns = append(t.fns, fn) }

// cleanup runs the cleanups registered, last first, as testing does.
func (t *cleanupTB) cleanup() {
	for i := len(t.fns) - 1; i >= 0; i-- {
		t.fns[i]()
	}
	t.fns = t.fns[:0]
}

// createAnswer is the body secretstore sends for the benchmark's
// CreateSecret, which the floor sends back as it is.
const createAnswer = `{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:first-AbCdEf","Name":"first","VersionId":"5b0a5e9e-3f6c-4d35-9a8e-0f6a2c1b7d4e"}`

// BenchmarkNewAndFirstCall is what a test using sstest pays before its own
// work: sstest.New, then its first call through the SDK client (a
// CreateSecret of a 1 KiB value). ns/op is that time; the cleanup that
// closes the server and the store runs off the clock, and its time is the
// metric close-ns/op.
//
// Beside it, interleaved call by call so that both see the same machine,
// the floor (floor-ns/op): an httptest.Server whose handler reads the body
// and writes secretstore's answer, and an SDK client made for it the same
// way, then the same call: the cost of a loopback HTTP server and a first
// SDK call alone. x-floor is the ratio.
//
//	go test -run '^$' -bench NewAndFirstCall -benchmem -benchtime 3000x -count 5 ./sstest/
func BenchmarkNewAndFirstCall(b *testing.B) {
	tb := &cleanupTB{TB: b}
	value := aws.String(string(make([]byte, 1024)))
	floor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, createAnswer)
	})
	var sst, flr, closing time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		start := time.Now()
		b.StartTimer()
		s := sstest.New(tb)
		_, err := s.Client.CreateSecret(b.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("first"), SecretString: value})
		b.StopTimer()
		sst += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		tb.cleanup()
		closing += time.Since(start)

		start = time.Now()
		srv := httptest.NewServer(floor)
		c := secretsmanager.NewFromConfig(aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider("AKIASSTESTEXAMPLE000", "sstest-secret-access-key", ""),
			BaseEndpoint: aws.String(srv.URL),
			HTTPClient:   srv.Client(),
		})
		_, err = c.CreateSecret(b.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("first"), SecretString: value})
		flr += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		srv.Client().CloseIdleConnections()
		srv.Close()
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(sst), "ns/op")
	b.ReportMetric(per(flr), "floor-ns/op")
	b.ReportMetric(float64(sst)/float64(flr), "x-floor")
	b.ReportMetric(per(closing), "close-ns/op")
}
