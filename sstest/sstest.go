// Package sstest runs AWS Secrets Manager inside a Go test: an in-memory
// secretstore served in the Secrets Manager wire protocol by an
// httptest.Server, an AWS SDK for Go v2 client configured for it, and a
// clock the test moves instead of sleeping.
//
//	func TestReadsPassword(t *testing.T) {
//		s := sstest.New(t)
//		s.Store.Put(t.Context(), "prod/db/password", "hunter2")
//		got, err := readPassword(t.Context(), s.Client) // code under test, via the SDK
//		...
//	}
//
// Code that builds its own client from an aws.Config takes s.Config; code in
// another process or language takes s.URL as its endpoint (for the AWS
// CLI, --endpoint-url; for the SDKs, AWS_ENDPOINT_URL_SECRETS_MANAGER). The
// region a request is signed for picks the store's region, as on AWS; a
// client for another region is
//
//	secretsmanager.New(s.Client.Options(), func(o *secretsmanager.Options) { o.Region = "eu-west-1" })
//
// Everything is closed when the test ends. Each Server is independent, so
// parallel tests do not share secrets.
package sstest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/testhook"
)

// The region of every Server, and the access key pair of its Config. The
// server accepts any signature, so the keys only need to be there.
const (
	region          = "us-east-1"
	accessKeyID     = "AKIASSTESTEXAMPLE000"
	secretAccessKey = "sstest-secret-access-key"
)

// Server is a running Secrets Manager for one test.
type Server struct {
	// Store is the store the server serves: a test can set up secrets and
	// check the outcome through it directly, without the SDK.
	Store *secretstore.Store
	// Client is an AWS SDK client for the server. It does not retry an
	// error the server sends (a ResourceNotFoundException, a
	// ThrottlingException, a 500: one attempt each), so it reaches the code
	// under test at once rather than after the SDK's backoff.
	//
	// It does retry, up to twice and with no delay, a request that failed
	// in the connection itself: "use of closed network connection" or
	// "connection reset", while sending the request or while reading the
	// response (as "deserialization failed"). The first is a known race of
	// the SDK with net/http (aws-sdk-go-v2 issue #2737, which the SDK's
	// default retryer also retries): smithy-go closes the request body once
	// the response headers are in, and when net/http's connection writer
	// has not yet finished with that body, it takes the close for a write
	// error and closes the connection while the SDK is still reading a
	// response larger than net/http's 4 KiB read buffer. Any Go server
	// gives it, roughly once in 10,000 such calls, and more often under
	// -race. Client's HTTP client also removes the race at its source, by
	// giving net/http its own in-memory copy of each request body, which
	// the SDK's close does not touch, so the retry is only a second line of
	// defence. A retried write is safe in practice: the SDK sends the same
	// ClientRequestToken again, which makes CreateSecret, PutSecretValue and
	// UpdateSecret idempotent.
	Client *secretsmanager.Client
	// Config is the aws.Config Client was made from: region us-east-1,
	// static dummy credentials, BaseEndpoint set to URL, and Client's HTTP
	// client and retryer (above). Give it to code that makes its own client
	// (secretsmanager.NewFromConfig); a client made with
	// secretsmanager.New(s.Client.Options(), ...) has them too.
	Config aws.Config
	// Clock is the store's clock. It starts at the time New was called,
	// truncated to the millisecond (the precision AWS reports), and moves
	// only when the test moves it: see Advance.
	Clock *secretstore.FakeClock
	// URL is the server's base URL, http://127.0.0.1:PORT. It also serves
	// the test-control endpoints POST /_secretstore/clock, /reap and /reset.
	URL string

	tb testing.TB
}

// New starts a Server for the test tb and closes it (server, then store) in
// tb.Cleanup. The store is in memory, with a random master key, in region
// us-east-1; its background reaper is off, so secrets whose recovery window
// has ended are purged only when the test calls Reap. New fails the test if
// anything cannot be started.
func New(tb testing.TB) *Server {
	tb.Helper()
	key, err := secretstore.NewMasterKey()
	if err != nil {
		tb.Fatalf("sstest: %v", err)
	}
	clock := secretstore.NewFakeClock(time.Now().UTC().Truncate(time.Millisecond))
	store, err := secretstore.Open(context.Background(), secretstore.Options{
		InMemory:      true,
		MasterKey:     key,
		Region:        region,
		Clock:         clock,
		DisableReaper: true,
	})
	if err != nil {
		tb.Fatalf("sstest: opening the store: %v", err)
	}
	srv := httptest.NewServer(awsapi.New(store, awsapi.Options{TestMode: true, Clock: clock}))
	tb.Cleanup(func() {
		// The client closes its connections first, so that the side left
		// waiting out TCP's TIME_WAIT is the client's: on the server's side,
		// thousands of such sockets (a test binary starting many servers)
		// make every later listen on port 0 slow, as the kernel searches
		// past them for a free port.
		srv.Client().CloseIdleConnections()
		srv.Close()
		if err := store.Close(); err != nil {
			tb.Errorf("sstest: closing the store: %v", err)
		}
	})
	retryer := newRetryer()
	cfg := aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   &http.Client{Transport: ownBodyTransport{srv.Client().Transport}},
		Retryer:      func() aws.Retryer { return retryer },
	}
	return &Server{
		Store:  store,
		Client: secretsmanager.NewFromConfig(cfg),
		Config: cfg,
		Clock:  clock,
		URL:    srv.URL,
		tb:     tb,
	}
}

// Advance moves the store's clock forward by d and returns the new time.
// Recovery windows end by this clock: a secret deleted with a 7-day window
// is gone once the clock has moved 7 days on.
func (s *Server) Advance(d time.Duration) time.Time {
	return s.Clock.Advance(d)
}

// Reap runs one reaper pass now, as the background reaper of a real store
// would: it purges the secrets whose recovery window has ended and prunes
// old deprecated versions. It fails the test on an error, so call it from
// the test's goroutine.
func (s *Server) Reap() secretstore.ReapStats {
	s.tb.Helper()
	stats, err := s.Store.Reap(context.Background())
	if err != nil {
		s.tb.Fatalf("sstest: reaping: %v", err)
	}
	return stats
}

// Reset empties the store, every region, with no recovery window: a test
// that shares one Server between subtests can start each from nothing. It
// fails the test on an error, so call it from the test's goroutine.
func (s *Server) Reset() {
	s.tb.Helper()
	if err := testhook.Reset(context.Background(), s.Store); err != nil {
		s.tb.Fatalf("sstest: resetting the store: %v", err)
	}
}
