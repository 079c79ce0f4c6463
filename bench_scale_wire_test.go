package secretstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// The wire part of BenchmarkScale (bench_scale_test.go), here because this
// package can import awsapi, which imports secretstore.
func init() {
	secretstore.ScaleWire = scaleWire
}

// scaleWire serves s with awsapi.New on a loopback httptest.Server and
// returns a GetSecretValue through the AWS SDK for Go v2 client the wire
// benchmarks of awsapi use (no retries, keep-alive connections), and a
// function that stops the server.
func scaleWire(tb testing.TB, s *secretstore.Store) (get func(name string) error, stop func()) {
	srv := httptest.NewServer(awsapi.New(s, awsapi.Options{}))
	c := testutil.SDKClient(srv.URL, "us-east-1", testutil.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = 4
	})))
	in := &secretsmanager.GetSecretValueInput{}
	return func(name string) error {
		in.SecretId = aws.String(name)
		_, err := c.GetSecretValue(context.Background(), in)
		return err
	}, srv.Close
}
