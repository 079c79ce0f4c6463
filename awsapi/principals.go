package awsapi

import (
	"net/http"
	"net/netip"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// Access control. A key of Options.Credentials with a Principal is a
// caller whose requests the store authorizes (Store.As): the handler only
// says who signed and from where; the policies are evaluated, and a denial
// worded, by the library. A key without a Principal is unrestricted, as
// every key is when none has one.

// caller returns the store a request signed with cred runs on: store
// itself for a key without a Principal (or no key), else a view bound to
// a copy of the principal that knows the request's source address and
// whether it came over TLS.
func caller(store *secretstore.Store, cred *Credentials, r *http.Request) *secretstore.Store {
	if cred == nil || cred.Principal == nil {
		return store
	}
	p := *cred.Principal
	p.SourceIP = sourceIP(r)
	p.SecureTransport = r.TLS != nil
	return store.As(&p)
}

// sourceIP returns the address r came from (aws:SourceIp), an IPv4 address
// in an IPv6 form unmapped, or "" when it is not an IP address (a Unix
// socket, a test recorder). Forwarding headers are not trusted: any client
// could set them.
func sourceIP(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return ap.Addr().Unmap().WithZone("").String()
}

// restrictedControl is the refusal of a control endpoint to a key bound to
// a principal: those endpoints (backup, clock, reap, reset) reach every
// secret at once, beyond what any policy grants, so only an unrestricted
// key may use them.
func restrictedControl(cred *Credentials) *controlError {
	return &controlError{
		Code: awsmodel.AccessDenied,
		Error: "User: " + cred.Principal.Arn + " is not authorized to use the control endpoints: they answer only a key " +
			"with no principal (serve --access-key-id), not one of --principals",
	}
}
