package main

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretstore-go/secretstore/internal/mirror"
)

// reachable makes one cheap call to e, the side named name (ListSecrets of one secret) and
// returns an error when e cannot be reached at all: nothing listens there,
// the host is unknown, the connection times out. An endpoint that answers,
// even with an AWS error (AccessDeniedException), is reachable. copy asks
// both sides first, so that an endpoint that is down is reported once,
// before anything is copied, rather than once per secret.
func reachable(ctx context.Context, name string, e *mirror.Endpoint) error {
	_, err := e.Client.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
	var ae smithy.APIError
	if err == nil || errors.As(err, &ae) {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	cause := err
	var ne *net.OpError
	if errors.As(err, &ne) {
		cause = ne
	}
	return fmt.Errorf("cannot reach the %s %s (%v): is it running, and is the address right? Nothing was copied", name, e.Desc, cause)
}
