package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// client is what the writers and the verifier need from the store: the
// same operations over the wire (wireClient) and through the library
// (libClient).
type client interface {
	// Create creates secret name with a first version token holding value.
	Create(ctx context.Context, name, token, value string) error
	// Put adds version token holding value to name, with VersionStages
	// stages (none: AWSCURRENT moves to it).
	Put(ctx context.Context, name, token, value string, stages []string) error
	// Move is UpdateSecretVersionStage.
	Move(ctx context.Context, name, label, from, to string) error
	// Versions lists the versions of name with their labels; deprecated
	// versions (no label) too when all is set.
	Versions(ctx context.Context, name string, all bool) (map[string][]string, error)
	// Value returns the value of version id of name.
	Value(ctx context.Context, name, id string) (string, error)
	// Holder returns the id of the version of name carrying label, as
	// GetSecretValue with VersionStage finds it.
	Holder(ctx context.Context, name, label string) (string, error)
}

// refusedCodes are the errors with which the store refuses a write before
// it commits anything. A write that fails with one of them certainly did
// not happen; any other failure (a broken connection, a 5xx, a timeout)
// leaves its outcome unknown.
var refusedCodes = map[string]bool{
	"InvalidParameterException": true,
	"InvalidRequestException":   true,
	"ResourceExistsException":   true,
	"ResourceNotFoundException": true,
	"LimitExceededException":    true,
	"ValidationException":       true,
}

// refusal returns the error code of err when err certainly means the write
// was not applied, and "" otherwise. A refused connection is such an
// error: the request was never sent (the wire mode's writers meet it
// between the kill and their stop).
func refusal(err error) string {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "ConnectionRefused"
	}
	var se *secretstore.Error
	if errors.As(err, &se) {
		if c := secretstore.ErrorCode(err); refusedCodes[c] {
			return c
		}
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && refusedCodes[ae.ErrorCode()] {
		return ae.ErrorCode()
	}
	return ""
}

// isNotFound reports whether err is ResourceNotFoundException.
func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() == "ResourceNotFoundException"
	}
	return errors.Is(err, secretstore.ErrResourceNotFound)
}

// isAPIError reports whether err is an answer of the store (an AWS error)
// rather than a failure to get one.
func isAPIError(err error) bool {
	var se *secretstore.Error
	var ae smithy.APIError
	return errors.As(err, &se) || errors.As(err, &ae)
}

// readRetries is how many times the verifier tries a read that failed
// without an answer from the store.
const readRetries = 3

// retryingReads is the verifier's client: a read that fails without an
// answer of the store (a connection the HTTP client closed under it, as
// in aws/aws-sdk-go-v2#2737) is tried again, up to readRetries times in
// all. An answer, error or not, is never retried. Writes are not retried.
type retryingReads struct {
	client
	retries *atomic.Int64 // counts the retries
}

func retryRead[T any](r retryingReads, ctx context.Context, read func() (T, error)) (T, error) {
	for i := 1; ; i++ {
		v, err := read()
		if err == nil || i == readRetries || isAPIError(err) || ctx.Err() != nil {
			return v, err
		}
		r.retries.Add(1)
		time.Sleep(10 * time.Millisecond)
	}
}

func (r retryingReads) Versions(ctx context.Context, name string, all bool) (map[string][]string, error) {
	return retryRead(r, ctx, func() (map[string][]string, error) { return r.client.Versions(ctx, name, all) })
}

func (r retryingReads) Value(ctx context.Context, name, id string) (string, error) {
	return retryRead(r, ctx, func() (string, error) { return r.client.Value(ctx, name, id) })
}

func (r retryingReads) Holder(ctx context.Context, name, label string) (string, error) {
	return retryRead(r, ctx, func() (string, error) { return r.client.Holder(ctx, name, label) })
}

// wireClient talks to a secretstore server with the AWS SDK for Go v2.
type wireClient struct {
	c  *secretsmanager.Client
	tr *http.Transport
}

// newWireClient returns a client for the server at endpoint with its own
// connection pool, so that connections to a killed server are never reused
// against its successor.
func newWireClient(endpoint string, conns int) *wireClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     30 * time.Second,
	}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return &wireClient{c: testutil.SDKClient(endpoint, "us-east-1", testutil.WithHTTPClient(hc)), tr: tr}
}

func (w *wireClient) close() { w.tr.CloseIdleConnections() }

func (w *wireClient) Create(ctx context.Context, name, token, value string) error {
	_, err := w.c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), ClientRequestToken: aws.String(token), SecretString: aws.String(value),
	})
	return err
}

func (w *wireClient) Put(ctx context.Context, name, token, value string, stages []string) error {
	_, err := w.c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(name), ClientRequestToken: aws.String(token), SecretString: aws.String(value),
		VersionStages: stages,
	})
	return err
}

func (w *wireClient) Move(ctx context.Context, name, label, from, to string) error {
	in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(name), VersionStage: aws.String(label)}
	if from != "" {
		in.RemoveFromVersionId = aws.String(from)
	}
	if to != "" {
		in.MoveToVersionId = aws.String(to)
	}
	_, err := w.c.UpdateSecretVersionStage(ctx, in)
	return err
}

func (w *wireClient) Versions(ctx context.Context, name string, all bool) (map[string][]string, error) {
	m := map[string][]string{}
	in := &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name), IncludeDeprecated: aws.Bool(all), MaxResults: aws.Int32(100)}
	for range 1000 { // pages: far more than a secret can hold
		out, err := w.c.ListSecretVersionIds(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, v := range out.Versions {
			m[aws.ToString(v.VersionId)] = v.VersionStages
		}
		if aws.ToString(out.NextToken) == "" {
			return m, nil
		}
		in.NextToken = out.NextToken
	}
	return nil, errors.New("ListSecretVersionIds: too many pages")
}

func (w *wireClient) Value(ctx context.Context, name, id string) (string, error) {
	out, err := w.c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionId: aws.String(id)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SecretString), nil
}

func (w *wireClient) Holder(ctx context.Context, name, label string) (string, error) {
	out, err := w.c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String(label)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// libClient calls a Store opened in this process.
type libClient struct{ s *secretstore.Store }

func (l libClient) Create(ctx context.Context, name, token, value string) error {
	_, err := l.s.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: name, ClientRequestToken: token, SecretString: value})
	return err
}

func (l libClient) Put(ctx context.Context, name, token, value string, stages []string) error {
	_, err := l.s.PutSecretValue(ctx, &secretstore.PutSecretValueInput{
		SecretId: name, ClientRequestToken: token, SecretString: value, VersionStages: stages,
	})
	return err
}

func (l libClient) Move(ctx context.Context, name, label, from, to string) error {
	_, err := l.s.UpdateSecretVersionStage(ctx, &secretstore.UpdateSecretVersionStageInput{
		SecretId: name, VersionStage: label, RemoveFromVersionId: from, MoveToVersionId: to,
	})
	return err
}

func (l libClient) Versions(ctx context.Context, name string, all bool) (map[string][]string, error) {
	m := map[string][]string{}
	for v, err := range l.s.AllSecretVersions(ctx, &secretstore.ListSecretVersionIdsInput{SecretId: name, IncludeDeprecated: all}) {
		if err != nil {
			return nil, err
		}
		m[v.VersionId] = v.VersionStages
	}
	return m, nil
}

func (l libClient) Value(ctx context.Context, name, id string) (string, error) {
	out, err := l.s.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: name, VersionId: id})
	if err != nil {
		return "", err
	}
	return out.SecretString, nil
}

func (l libClient) Holder(ctx context.Context, name, label string) (string, error) {
	out, err := l.s.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: name, VersionStage: label})
	if err != nil {
		return "", err
	}
	return out.VersionId, nil
}
