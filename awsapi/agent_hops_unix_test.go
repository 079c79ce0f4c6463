//go:build unix

package awsapi

import (
	"net"
	"syscall"
)

// socketTTL reads the IP TTL of TCP connection c.
func socketTTL(c net.Conn) (int, error) {
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var ttl int
	var serr error
	err = raw.Control(func(fd uintptr) { ttl, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL) })
	if err == nil {
		err = serr
	}
	return ttl, err
}
