// Package mirror copies secrets between Secrets Manager endpoints through
// the AWS SDK for Go v2: a copy pass from one endpoint to another
// (secretstore copy), and a mirror pass from an endpoint into a local
// store (secretstore serve --mirror-from), each of which can run again and
// again with Loop. The SDK gives a real AWS endpoint the standard
// credential chain and region (environment, shared files, SSO, the
// instance's role) and the standard retries on throttling, which no
// hand-written client would match.
//
// A pass touches only what changed: it lists the source (ListSecrets, 100
// secrets a call) and compares each secret's version ids, labels and
// metadata with what the destination holds before it reads a value, so a
// pass over secrets that have not changed costs about the source's page
// count of calls.
package mirror

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/arn"
)

// endpointAccessKey signs requests to an http(s) endpoint when the
// environment has no AWS keys: a server that checks no signature (serve
// without --access-key-id, LocalStack) takes any.
const endpointAccessKey = "test"

// ConfigError is a mistake in what a person gave: an endpoint URL or a
// filter. A command reports it as a usage error.
type ConfigError struct{ msg string }

func (e *ConfigError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &ConfigError{msg: fmt.Sprintf(format, args...)}
}

// Endpoint is one side of a copy or a mirror: a Secrets Manager endpoint
// and the SDK client that reaches it.
type Endpoint struct {
	// Desc names the endpoint with its region: "aws://eu-west-1" or
	// "http://127.0.0.1:4566?region=us-east-1". Two endpoints with the same
	// Desc are the same.
	Desc string
	// Region is the region the client signs for and whose secrets it sees.
	Region string
	// Client is the SDK client.
	Client *secretsmanager.Client

	calls *atomic.Int64
}

// Calls returns how many HTTP requests the client has sent, retries
// included.
func (e *Endpoint) Calls() int64 { return e.calls.Load() }

// ParseEndpoint returns the endpoint raw names; flag names the flag it came
// from, for messages.
//
//   - "aws" is AWS in the region of the standard configuration
//     (AWS_REGION, the profile's region), "aws://REGION" AWS in REGION;
//     both with the standard credential chain.
//   - "http(s)://HOST:PORT" is any Secrets Manager endpoint (secretstore
//     serve, LocalStack, moto), in the region of "?region=REGION", else
//     AWS_REGION or AWS_DEFAULT_REGION, else us-east-1; signed with
//     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)
//     from getenv, else with the dummy keys "test"/"test".
func ParseEndpoint(ctx context.Context, flag, raw string, getenv func(string) string) (*Endpoint, error) {
	calls := new(atomic.Int64)
	switch {
	case raw == "":
		return nil, configErrorf("%s is required: aws, aws://REGION or http(s)://HOST:PORT", flag)
	case raw == "aws" || strings.HasPrefix(raw, "aws://"):
		region := strings.TrimPrefix(strings.TrimPrefix(raw, "aws"), "://")
		if region != "" && !arn.ValidRegion(region) {
			return nil, configErrorf("%s %q: %q is not a region name like us-east-1", flag, raw, region)
		}
		var opts []func(*config.LoadOptions) error
		if region != "" {
			opts = append(opts, config.WithRegion(region))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("loading the AWS configuration for %s: %w", flag, err)
		}
		if cfg.Region == "" {
			return nil, configErrorf("%s aws: no region is configured; name one (aws://us-east-1) or set AWS_REGION", flag)
		}
		if !arn.ValidRegion(cfg.Region) {
			return nil, configErrorf("%s aws: the configured region %q is not a region name like us-east-1", flag, cfg.Region)
		}
		cfg.HTTPClient = countingClient{calls: calls, next: cfg.HTTPClient} // the standard client, with AWS_CA_BUNDLE
		return &Endpoint{Desc: "aws://" + cfg.Region, Region: cfg.Region, Client: secretsmanager.NewFromConfig(cfg), calls: calls}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, configErrorf("%s %q is not aws, aws://REGION or http(s)://HOST:PORT[?region=REGION]", flag, raw)
	}
	q := u.Query()
	for k := range q {
		if k != "region" {
			return nil, configErrorf("%s %q: the only query parameter is region", flag, raw)
		}
	}
	region := firstNonEmpty(q.Get("region"), getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), secretstore.DefaultRegion)
	if !arn.ValidRegion(region) {
		return nil, configErrorf("%s %q: region %q is not a region name like us-east-1", flag, raw, region)
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	token := getenv("AWS_SESSION_TOKEN")
	if id == "" || secret == "" {
		id, secret, token = endpointAccessKey, endpointAccessKey, ""
	}
	base := u.Scheme + "://" + u.Host
	client := secretsmanager.New(secretsmanager.Options{
		Region:       region,
		BaseEndpoint: aws.String(base),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		HTTPClient:   countingClient{calls: calls, next: awshttp.NewBuildableClient()},
	})
	return &Endpoint{Desc: base + "?region=" + region, Region: region, Client: client, calls: calls}, nil
}

// countingClient counts the requests it sends.
type countingClient struct {
	calls *atomic.Int64
	next  aws.HTTPClient
}

func (c countingClient) Do(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.Do(r)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// FilterKeys are the keys of ListSecrets filters (FilterNameStringType).
func FilterKeys() []string {
	return []string{"all", "description", "name", "owning-service", "primary-region", "tag-key", "tag-value"}
}

// Filters are ListSecrets filters: they select the secrets of a pass.
type Filters []types.Filter

// ParseFilters turns KEY=VALUE flags into ListSecrets filters, one per
// key, in the order the keys first appear; flag names the flag, for
// messages. A VALUE starting with ! negates, as in ListSecrets.
func ParseFilters(flag string, flags []string) (Filters, error) {
	var filters Filters
	for _, s := range flags {
		key, value, ok := strings.Cut(s, "=")
		if !ok || value == "" {
			return nil, configErrorf("%s %q: want KEY=VALUE, such as name=prod/", flag, s)
		}
		if !slices.Contains(FilterKeys(), key) {
			return nil, configErrorf("%s %q: the key must be one of %s", flag, s, strings.Join(FilterKeys(), ", "))
		}
		i := slices.IndexFunc(filters, func(f types.Filter) bool { return string(f.Key) == key })
		if i < 0 {
			filters = append(filters, types.Filter{Key: types.FilterNameStringType(key)})
			i = len(filters) - 1
		}
		filters[i].Values = append(filters[i].Values, value)
	}
	return filters, nil
}
