package mirror

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
)

// server is a store served over HTTP in the Secrets Manager protocol, as
// serve is: an upstream standing in for AWS, or a device. It counts the
// operations it is asked for, and apart the SDK's retries of them, and can
// be stopped and started again on the same address.
type server struct {
	t     testing.TB
	store *secretstore.Store
	URL   string
	addr  string

	mu      sync.Mutex
	calls   map[string]int
	retries int // requests the SDK sent again (Amz-Sdk-Request attempt > 1)
	srv     *http.Server
	refuse  string // an operation answered with AccessDeniedException
}

// newServer opens an in-memory store with o and serves it on a free
// loopback port.
func newServer(t testing.TB, o secretstore.Options) *server {
	t.Helper()
	o.InMemory, o.MasterKey, o.DisableReaper = true, make([]byte, 32), true
	store, err := secretstore.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, store: store, calls: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	s.serve(ln)
	t.Cleanup(func() {
		s.stop()
		store.Close()
	})
	return s
}

func (s *server) serve(ln net.Listener) {
	h := awsapi.New(s.store, awsapi.Options{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
		s.mu.Lock()
		if sdkRetry(r) {
			s.retries++
		} else {
			s.calls[op]++
		}
		refused := op == s.refuse
		s.mu.Unlock()
		if refused {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"AccessDeniedException","Message":"User: test is not authorized to perform: secretsmanager:`+op+`"}`)
			return
		}
		h.ServeHTTP(w, r)
	})}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(ln)
}

// stop closes the server and its connections: its address refuses
// connections until start.
func (s *server) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// start serves again on the address the server had.
func (s *server) start() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ln, err := net.Listen("tcp", s.addr)
		if err == nil {
			s.serve(ln)
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("listening on %s again: %v", s.addr, err)
		}
		time.Sleep(10 * time.Millisecond) // the kernel frees the port
	}
}

// takeCalls returns the operations asked for since the last call, by
// operation, without the SDK's retries of them.
func (s *server) takeCalls() map[string]int {
	c, _ := s.takeCallsAndRetries()
	return c
}

// takeCallsAndRetries returns what takeCalls does, and the number of the
// SDK's retries since the last call.
func (s *server) takeCallsAndRetries() (map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, n := s.calls, s.retries
	s.calls, s.retries = map[string]int{}, 0
	return c, n
}

// sdkRetry reports whether r is an AWS SDK's retry of a request: its
// Amz-Sdk-Request header says attempt=2 or later. The SDK retries an
// answered request when net/http closes the connection under the
// answer's body: the request's writer can fail after the answer came
// (aws/aws-sdk-go-v2#2737), so a retry can follow a request the server
// answered in full.
func sdkRetry(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Amz-Sdk-Request"), ";") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			return n != "1"
		}
	}
	return false
}

// client returns an SDK client of url, as an application would have.
func client(url string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// endpoint returns the Endpoint of url, as --mirror-from gives it.
func endpoint(t testing.TB, url string) *Endpoint {
	t.Helper()
	e, err := ParseEndpoint(context.Background(), "--mirror-from", url, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// secretView is what a client sees of a secret: DescribeSecret's members
// a mirror keeps, and the value of each labelled version.
type secretView struct {
	ARN, Name, Description string
	Tags                   []string
	Stages                 map[string][]string
	Values                 map[string]string
	Created, Changed       time.Time
	Deleted                bool
}

// view returns every secret of the endpoint at url, scheduled for
// deletion ones included, by name, as read with the SDK.
func view(t testing.TB, url string) map[string]secretView {
	t.Helper()
	ctx := context.Background()
	c := client(url)
	views := map[string]secretView{}
	pages := secretsmanager.NewListSecretsPaginator(c, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("listing %s: %v", url, err)
		}
		for _, e := range page.SecretList {
			d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: e.ARN})
			if err != nil {
				t.Fatal(err)
			}
			v := secretView{ARN: aws.ToString(d.ARN), Name: aws.ToString(d.Name), Description: aws.ToString(d.Description),
				Stages: map[string][]string{}, Values: map[string]string{}, Created: aws.ToTime(d.CreatedDate),
				Changed: aws.ToTime(d.LastChangedDate), Deleted: d.DeletedDate != nil}
			for _, tag := range d.Tags {
				v.Tags = append(v.Tags, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
			}
			sort.Strings(v.Tags)
			for id, stages := range d.VersionIdsToStages {
				v.Stages[id] = slices.Sorted(slices.Values(stages))
				if v.Deleted {
					continue
				}
				val, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: d.ARN, VersionId: aws.String(id)})
				if err != nil {
					t.Fatalf("reading %s %s at %s: %v", v.Name, id, url, err)
				}
				v.Values[id] = aws.ToString(val.SecretString) + string(val.SecretBinary)
			}
			views[v.Name] = v
		}
	}
	return views
}

// sameViews fails the test where the device's secrets differ from the
// upstream's, naming a few.
func sameViews(t testing.TB, what string, device, upstream map[string]secretView) {
	t.Helper()
	if len(device) != len(upstream) {
		t.Errorf("%s: the device has %d secrets, the upstream %d", what, len(device), len(upstream))
	}
	shown := 0
	for name, want := range upstream {
		got, ok := device[name]
		if !reflect.DeepEqual(got, want) && shown < 3 {
			shown++
			t.Errorf("%s: %s on the device is\n%+v (present %v)\nupstream\n%+v", what, name, got, ok, want)
		}
	}
}

// wantAPIError fails the test unless err is the AWS error code whose
// message contains msg.
func wantAPIError(t testing.TB, err error, code, msg string) {
	t.Helper()
	var ae interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("got %v, want %s with %q", err, code, msg)
	}
}
