//go:build !unix

package awsapi

import (
	"errors"
	"net"
)

func socketTTL(net.Conn) (int, error) { return 0, errors.New("the TTL is read on Unix systems only") }
