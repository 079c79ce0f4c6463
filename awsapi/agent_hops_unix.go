//go:build unix

package awsapi

import (
	"net"
	"syscall"
)

// setNoHops sets the time-to-live (hop limit) of c's packets to 1, as the
// Agent does to its connections: an answer cannot cross a router. A
// connection that is not TCP, or whose option cannot be set, is left as
// it is.
func setNoHops(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	v6 := false
	if a, ok := tc.LocalAddr().(*net.TCPAddr); ok && a.IP.To4() == nil {
		v6 = true
	}
	_ = raw.Control(func(fd uintptr) {
		if v6 {
			_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS, 1)
			return
		}
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL, 1)
	})
}
