//go:build !unix

package awsapi

import "net"

// setNoHops leaves c as it is: the socket option is set on Unix systems
// only.
func setNoHops(net.Conn) {}
