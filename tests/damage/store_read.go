package main

// How the harness reads everything a store holds: the one place that knows
// which operations a full read calls, for the library (in a child process)
// and over the wire (the AWS SDK against "secretstore serve").

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// dump is what a full read of a store found.
type dump struct {
	// ListErr is the error of ListSecrets, if it failed.
	ListErr string `json:",omitempty"`
	// Secrets are those listed and those of the acknowledged list, by name.
	Secrets []*gotSecret
}

// gotSecret is one secret as read.
type gotSecret struct {
	Name string
	// Listed is set when ListSecrets (with IncludePlannedDeletion) lists it.
	Listed bool `json:",omitempty"`
	// NotFound is set when DescribeSecret says it does not exist; Err holds
	// DescribeSecret's error otherwise.
	NotFound    bool              `json:",omitempty"`
	Err         string            `json:",omitempty"`
	Description string            `json:",omitempty"`
	Tags        map[string]string `json:",omitempty"`
	Deleted     bool              `json:",omitempty"` // scheduled for deletion
	// Versions are ListSecretVersionIds' versions with their labels
	// (sorted), deprecated ones included; VersionsErr its error.
	Versions    map[string][]string `json:",omitempty"`
	VersionsErr string              `json:",omitempty"`
	// Values are GetSecretValue of each version, by id, and Current is
	// GetSecretValue with neither VersionId nor VersionStage. A secret
	// scheduled for deletion has no value to read (InvalidRequestException,
	// as in AWS): it is restored first (RestoreSecret; the reader works on
	// a copy that is thrown away), and RestoreErr is its error.
	Values     map[string]*gotValue `json:",omitempty"`
	Current    *gotValue            `json:",omitempty"`
	RestoreErr string               `json:",omitempty"`
}

// gotValue is one GetSecretValue answer.
type gotValue struct {
	VersionID string   `json:",omitempty"`
	Labels    []string `json:",omitempty"` // sorted
	SHA256    string   `json:",omitempty"` // of the value's bytes
	Binary    bool     `json:",omitempty"`
	Err       string   `json:",omitempty"`
}

// secret returns the secret called name, or nil.
func (d *dump) secret(name string) *gotSecret {
	for _, s := range d.Secrets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// storeAPI is what readAll calls: the same operations through the library
// (libAPI) and over the wire (wireAPI). Errors are the store's answers;
// notFound tells ResourceNotFoundException.
type storeAPI interface {
	// list returns every secret, those scheduled for deletion included.
	list(ctx context.Context) ([]string, error)
	describe(ctx context.Context, name string) (description string, tags map[string]string, deleted bool, err error)
	// versions returns every version, deprecated ones included, with its
	// labels.
	versions(ctx context.Context, name string) (map[string][]string, error)
	// value is GetSecretValue of version id ("": AWSCURRENT).
	value(ctx context.Context, name, id string) (*gotValue, error)
	// restore cancels the scheduled deletion of name (RestoreSecret).
	restore(ctx context.Context, name string) error
	notFound(err error) bool
}

// readAll reads everything api's store holds about the secrets it lists
// and those called names.
func readAll(ctx context.Context, api storeAPI, names []string) *dump {
	d := &dump{}
	listed, err := api.list(ctx)
	if err != nil {
		d.ListErr = oneLine(err.Error())
	}
	all := slices.Clone(names)
	for _, n := range listed {
		if !slices.Contains(all, n) {
			all = append(all, n)
		}
	}
	slices.Sort(all)
	for _, name := range all {
		s := &gotSecret{Name: name, Listed: slices.Contains(listed, name)}
		d.Secrets = append(d.Secrets, s)
		var err error
		s.Description, s.Tags, s.Deleted, err = api.describe(ctx, name)
		if err != nil {
			s.NotFound = api.notFound(err)
			if !s.NotFound {
				s.Err = oneLine(err.Error())
			}
			continue
		}
		vs, err := api.versions(ctx, name)
		if err != nil {
			s.VersionsErr = oneLine(err.Error())
		}
		for id, labels := range vs {
			vs[id] = slices.Sorted(slices.Values(labels))
		}
		s.Versions = vs
		if s.Deleted {
			if err := api.restore(ctx, name); err != nil {
				s.RestoreErr = oneLine(err.Error())
				continue
			}
		}
		s.Current = readValue(ctx, api, name, "")
		s.Values = map[string]*gotValue{}
		for _, id := range slices.Sorted(maps.Keys(vs)) {
			s.Values[id] = readValue(ctx, api, name, id)
		}
	}
	return d
}

func readValue(ctx context.Context, api storeAPI, name, id string) *gotValue {
	v, err := api.value(ctx, name, id)
	if err != nil {
		return &gotValue{Err: oneLine(err.Error())}
	}
	slices.Sort(v.Labels)
	return v
}

// oneLine returns s on one line, at most 300 bytes of it.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// ---- through the library ----------------------------------------------------

// libResult is what the library reading child prints: whether Open
// opened the folder, how it refused it, and what it read.
type libResult struct {
	Opened bool
	// Err is Open's error; Corrupt and WrongKey say whether it matches
	// secretstore.ErrCorrupt and secretstore.ErrWrongMasterKey.
	Err      string `json:",omitempty"`
	Corrupt  bool   `json:",omitempty"`
	WrongKey bool   `json:",omitempty"`
	Dump     *dump  `json:",omitempty"`
	// CloseErr is Close's error after the read.
	CloseErr string `json:",omitempty"`
}

// libOptions are the Options with which the library child opens a folder:
// the master key from keyFile, no reaper (it would write), and writes
// unsynced: GetSecretValue stamps LastAccessedDate, a write, and
// durability is not what the child checks.
func libOptions(dir, keyFile string) secretstore.Options {
	return secretstore.Options{Dir: dir, MasterKeyFile: keyFile, DisableReaper: true, SyncWrites: new(false)}
}

// libRead opens the folder dir with the key in keyFile and reads
// everything: the library child's work.
func libRead(ctx context.Context, dir, keyFile string, names []string) *libResult {
	s, err := secretstore.Open(ctx, libOptions(dir, keyFile))
	if err != nil {
		return &libResult{Err: err.Error(), Corrupt: errors.Is(err, secretstore.ErrCorrupt),
			WrongKey: errors.Is(err, secretstore.ErrWrongMasterKey)}
	}
	r := &libResult{Opened: true, Dump: readAll(ctx, libAPI{s}, names)}
	if err := s.Close(); err != nil {
		r.CloseErr = err.Error()
	}
	return r
}

// libAPI reads a Store opened in this process.
type libAPI struct{ s *secretstore.Store }

func (l libAPI) list(ctx context.Context) ([]string, error) {
	var names []string
	in := &secretstore.ListSecretsInput{IncludePlannedDeletion: true, SortBy: secretstore.SortByName}
	for range 10_000 {
		out, err := l.s.ListSecrets(ctx, in)
		if err != nil {
			return names, err
		}
		for _, e := range out.SecretList {
			names = append(names, e.Name)
		}
		if out.NextToken == "" {
			return names, nil
		}
		in.NextToken = out.NextToken
	}
	return names, errors.New("ListSecrets: too many pages")
}

func (l libAPI) describe(ctx context.Context, name string) (string, map[string]string, bool, error) {
	out, err := l.s.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: name})
	if err != nil {
		return "", nil, false, err
	}
	return out.Description, tagMap(out.Tags), !out.DeletedDate.IsZero(), nil
}

func (l libAPI) versions(ctx context.Context, name string) (map[string][]string, error) {
	m := map[string][]string{}
	for v, err := range l.s.AllSecretVersions(ctx, &secretstore.ListSecretVersionIdsInput{SecretId: name, IncludeDeprecated: true}) {
		if err != nil {
			return m, err
		}
		m[v.VersionId] = v.VersionStages
	}
	return m, nil
}

func (l libAPI) value(ctx context.Context, name, id string) (*gotValue, error) {
	out, err := l.s.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: name, VersionId: id})
	if err != nil {
		return nil, err
	}
	v := &gotValue{VersionID: out.VersionId, Labels: out.VersionStages, Binary: out.SecretBinary != nil}
	if v.Binary {
		v.SHA256 = sha256Hex(out.SecretBinary)
	} else {
		v.SHA256 = sha256Hex([]byte(out.SecretString))
	}
	return v, nil
}

func (l libAPI) restore(ctx context.Context, name string) error {
	_, err := l.s.RestoreSecret(ctx, &secretstore.RestoreSecretInput{SecretId: name})
	return err
}

func (libAPI) notFound(err error) bool { return errors.Is(err, secretstore.ErrResourceNotFound) }

func tagMap(tags []secretstore.Tag) map[string]string {
	if tags == nil {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// ---- over the wire ----------------------------------------------------------

// wireAPI reads a secretstore server with the AWS SDK for Go v2.
type wireAPI struct{ c *secretsmanager.Client }

// newWireAPI returns a reader of the server at endpoint, with its own
// connections, closed by the returned function.
func newWireAPI(endpoint string) (wireAPI, func()) {
	tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 10 * time.Second}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return wireAPI{testutil.SDKClient(endpoint, "us-east-1", testutil.WithHTTPClient(hc))}, tr.CloseIdleConnections
}

// wireAttempts is how many times wireAPI sends a read that got no answer
// (a connection the SDK's HTTP client closed under the read,
// aws/aws-sdk-go-v2#2737); an answer, error or not, is never retried.
const wireAttempts = 3

// call runs read, again when it failed without an answer, and returns its
// error as a wireError.
func call[T any](ctx context.Context, read func() (T, error)) (T, error) {
	for i := 1; ; i++ {
		v, err := read()
		var ae smithy.APIError
		if err == nil {
			return v, nil
		}
		if i == wireAttempts || errors.As(err, &ae) || ctx.Err() != nil {
			return v, wireError{err}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wireError is an SDK error, whose text is its code and message.
type wireError struct{ err error }

func (e wireError) Error() string {
	var ae smithy.APIError
	if errors.As(e.err, &ae) {
		return fmt.Sprintf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	return e.err.Error()
}

func (e wireError) Unwrap() error { return e.err }

func (w wireAPI) list(ctx context.Context) ([]string, error) {
	var names []string
	in := &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true), SortBy: "name"}
	for range 10_000 {
		out, err := call(ctx, func() (*secretsmanager.ListSecretsOutput, error) { return w.c.ListSecrets(ctx, in) })
		if err != nil {
			return names, err
		}
		for _, e := range out.SecretList {
			names = append(names, aws.ToString(e.Name))
		}
		if aws.ToString(out.NextToken) == "" {
			return names, nil
		}
		in.NextToken = out.NextToken
	}
	return names, errors.New("ListSecrets: too many pages")
}

func (w wireAPI) describe(ctx context.Context, name string) (string, map[string]string, bool, error) {
	out, err := call(ctx, func() (*secretsmanager.DescribeSecretOutput, error) {
		return w.c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	})
	if err != nil {
		return "", nil, false, err
	}
	var tags map[string]string
	if out.Tags != nil {
		tags = map[string]string{}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return aws.ToString(out.Description), tags, out.DeletedDate != nil, nil
}

func (w wireAPI) versions(ctx context.Context, name string) (map[string][]string, error) {
	m := map[string][]string{}
	in := &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name), IncludeDeprecated: aws.Bool(true)}
	for range 1000 {
		out, err := call(ctx, func() (*secretsmanager.ListSecretVersionIdsOutput, error) { return w.c.ListSecretVersionIds(ctx, in) })
		if err != nil {
			return m, err
		}
		for _, v := range out.Versions {
			m[aws.ToString(v.VersionId)] = v.VersionStages
		}
		if aws.ToString(out.NextToken) == "" {
			return m, nil
		}
		in.NextToken = out.NextToken
	}
	return m, errors.New("ListSecretVersionIds: too many pages")
}

func (w wireAPI) value(ctx context.Context, name, id string) (*gotValue, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)}
	if id != "" {
		in.VersionId = aws.String(id)
	}
	out, err := call(ctx, func() (*secretsmanager.GetSecretValueOutput, error) { return w.c.GetSecretValue(ctx, in) })
	if err != nil {
		return nil, err
	}
	v := &gotValue{VersionID: aws.ToString(out.VersionId), Labels: out.VersionStages, Binary: out.SecretBinary != nil}
	if v.Binary {
		v.SHA256 = sha256Hex(out.SecretBinary)
	} else {
		v.SHA256 = sha256Hex([]byte(aws.ToString(out.SecretString)))
	}
	return v, nil
}

func (w wireAPI) restore(ctx context.Context, name string) error {
	_, err := call(ctx, func() (*secretsmanager.RestoreSecretOutput, error) {
		return w.c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String(name)})
	})
	return err
}

func (wireAPI) notFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ResourceNotFoundException"
}
