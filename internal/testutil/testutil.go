// Package testutil holds plumbing shared by the module's tests: one way to
// build an AWS SDK for Go v2 Secrets Manager client for a test server, a
// benchmark's wait for the background work of its setup (Settle), and the
// way to start a child process of a test built for its platform, also
// under an emulator (Command). Only _test.go files import it.
package testutil

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

const (
	// defaultAccessKeyID and defaultSecretAccessKey are the static dummy
	// keys an SDKClient signs with unless WithCredentials sets others: the
	// example keys of AWS's documentation.
	defaultAccessKeyID     = "AKIDEXAMPLE"
	defaultSecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	// requestTimeout bounds each request of an SDKClient made without
	// WithHTTPClient, so a server that never answers fails the test instead
	// of hanging it until go test's own timeout.
	requestTimeout = time.Minute
)

// SDKClient returns a Secrets Manager client for the server at endpoint,
// signing for region. It signs with static dummy keys (AKIDEXAMPLE), sends
// every request to endpoint (BaseEndpoint), does not retry
// (RetryMaxAttempts 1) so an error reaches the test at once, and uses the
// SDK's own HTTP client with a one-minute limit on each request, so a server
// that never answers fails the test rather than hangs it. Each opt then
// changes the options, as in secretsmanager.New: see WithCredentials and
// WithHTTPClient.
func SDKClient(endpoint, region string, opts ...func(*secretsmanager.Options)) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:           region,
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider(defaultAccessKeyID, defaultSecretAccessKey, ""),
		HTTPClient:       awshttp.NewBuildableClient().WithTimeout(requestTimeout),
		RetryMaxAttempts: 1,
	}, opts...)
}

// WithCredentials is an SDKClient option that signs with the static keys
// accessKeyID and secretAccessKey and, if not empty, sessionToken.
func WithCredentials(accessKeyID, secretAccessKey, sessionToken string) func(*secretsmanager.Options) {
	return func(o *secretsmanager.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken)
	}
}

// WithHTTPClient is an SDKClient option that sends requests through c, for
// example an httptest.Server's Client().
func WithHTTPClient(c secretsmanager.HTTPClient) func(*secretsmanager.Options) {
	return func(o *secretsmanager.Options) { o.HTTPClient = c }
}
