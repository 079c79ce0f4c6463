package mirror

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// sideError is a failed call to one side of a copy.
type sideError struct {
	side string // "source" or "destination"
	err  error
}

func (e *sideError) Error() string { return "at the " + e.side + ": " + ErrorText(e.err) }
func (e *sideError) Unwrap() error { return e.err }

// ErrorText describes err for a report line: the operation, and the AWS
// exception's code and message when the service answered with one. AWS
// messages never contain a secret value, and neither does this.
func ErrorText(err error) string {
	op := ""
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		op = oe.Operation() + ": "
	}
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		return op + ae.ErrorCode() + ": " + ae.ErrorMessage()
	case errors.Is(err, context.Canceled):
		return op + "interrupted"
	}
	return err.Error()
}

// listError is a failed listing of an endpoint.
type listError struct {
	desc string
	err  error
}

func (e *listError) Error() string {
	return "listing the secrets of " + e.desc + ": " + ErrorText(e.err)
}
func (e *listError) Unwrap() error { return e.err }

// isNotFound reports whether err is AWS's ResourceNotFoundException.
func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// list returns the secrets of e that filters find, those scheduled for
// deletion included, by name.
func list(ctx context.Context, e *Endpoint, filters Filters) ([]types.SecretListEntry, error) {
	var all []types.SecretListEntry
	pages := secretsmanager.NewListSecretsPaginator(e.Client, &secretsmanager.ListSecretsInput{
		Filters:                filters,
		IncludePlannedDeletion: aws.Bool(true),
		MaxResults:             aws.Int32(100),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, &listError{e.Desc, err}
		}
		all = append(all, page.SecretList...)
	}
	slices.SortFunc(all, func(a, b types.SecretListEntry) int {
		return strings.Compare(aws.ToString(a.Name), aws.ToString(b.Name))
	})
	return all, nil
}

// formatTime formats t for people: RFC 3339 in UTC.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// plural returns "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
