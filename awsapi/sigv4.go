package awsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/arn"
)

// Credentials are an access key pair the server accepts. Requests must be
// signed with AWS Signature Version 4 using one of them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// Principal, when set, is the caller whose key this is: each request
	// signed with it runs on Store.As(principal), with the principal's
	// SourceIP set from the connection and SecureTransport from TLS, so
	// its identity policies and each secret's resource policy decide what
	// it may do. Such a key may not use the control endpoints. Nil: the
	// request runs on the store itself, unrestricted. The handler never
	// changes the Principal; do not change it after New.
	Principal *secretstore.Principal
}

const (
	sigv4Algorithm  = "AWS4-HMAC-SHA256"
	sigv4Service    = "secretsmanager"
	sigv4Terminator = "aws4_request"
	// amzDateFormat is the ISO-8601 basic format of X-Amz-Date.
	amzDateFormat = "20060102T150405Z"
	// scopeDateFormat is the format of the date in the credential scope.
	scopeDateFormat = "20060102"
	// maxClockSkew is how far the request's date may be from the server's
	// clock, either way.
	maxClockSkew = 15 * time.Minute
	// maxEcho bounds how much of a client's Authorization header an error
	// message repeats.
	maxEcho = 256
)

// sigv4Error is what a failed verification returns: the AWS exception name
// (Code), the message AWS sends with it and the HTTP status. Messages never
// contain a signature or a secret key.
type sigv4Error struct {
	Code    string
	Message string
	Status  int
}

func (e *sigv4Error) Error() string { return e.Code + ": " + e.Message }

func missingAuthToken() *sigv4Error {
	return &sigv4Error{Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Status: http.StatusBadRequest}
}

func incompleteSignature(msg string) *sigv4Error {
	return &sigv4Error{Code: "IncompleteSignatureException", Message: msg, Status: http.StatusBadRequest}
}

func invalidSignature(msg string) *sigv4Error {
	return &sigv4Error{Code: "InvalidSignatureException", Message: msg, Status: http.StatusBadRequest}
}

func unrecognizedClient() *sigv4Error {
	return &sigv4Error{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid.", Status: http.StatusBadRequest}
}

const signatureMismatchMessage = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// sigv4Auth is a parsed Authorization header.
type sigv4Auth struct {
	credential    string // as sent: AKID/date/region/service/aws4_request
	signedHeaders string // as sent: a;b;c
	signature     string

	accessKeyID, date, region, service string
}

// echo is the Authorization header without its signature, for error
// messages, cut to a reasonable length.
func (a *sigv4Auth) echo() string {
	s := sigv4Algorithm
	sep := " "
	if a.credential != "" {
		s += sep + "Credential=" + a.credential
		sep = ", "
	}
	if a.signedHeaders != "" {
		s += sep + "SignedHeaders=" + a.signedHeaders
	}
	if len(s) > maxEcho {
		s = s[:maxEcho] + "..."
	}
	return "Authorization=" + s
}

// parseAuthorization parses an AWS4-HMAC-SHA256 Authorization header value.
// The three parameters may come in any order, with or without spaces after
// the commas. It returns an IncompleteSignatureException when a parameter is
// missing or the credential scope is malformed.
func parseAuthorization(v string) (*sigv4Auth, *sigv4Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	if alg != sigv4Algorithm {
		if len(alg) > 64 {
			alg = alg[:64] + "..."
		}
		return nil, incompleteSignature(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'. Only '%s' is supported.", alg, sigv4Algorithm))
	}
	a := &sigv4Auth{}
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.TrimSpace(k) {
		case "Credential":
			a.credential, haveCred = strings.TrimSpace(val), true
		case "SignedHeaders":
			a.signedHeaders, haveSigned = strings.TrimSpace(val), true
		case "Signature":
			a.signature, haveSig = strings.TrimSpace(val), true
		}
	}
	var missing strings.Builder
	if !haveCred || a.credential == "" {
		missing.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if !haveSig || a.signature == "" {
		missing.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !haveSigned || a.signedHeaders == "" {
		missing.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if missing.Len() > 0 {
		return nil, incompleteSignature(missing.String() + a.echo())
	}

	parts := strings.Split(a.credential, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return nil, incompleteSignature("Authorization header requires a 'Credential' parameter of the form " +
			"'<access key ID>/<YYYYMMDD>/<region>/<service>/aws4_request'. " + a.echo())
	}
	a.accessKeyID, a.date, a.region, a.service = parts[0], parts[1], parts[2], parts[3]
	if _, err := time.Parse(scopeDateFormat, a.date); err != nil || len(a.date) != len(scopeDateFormat) {
		return nil, incompleteSignature("Credential should be scoped to a valid date in the form YYYYMMDD. " + a.echo())
	}
	if !arn.ValidRegion(a.region) {
		return nil, incompleteSignature("Credential should be scoped to a valid region. " + a.echo())
	}
	if parts[4] != sigv4Terminator {
		return nil, incompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request'. " + a.echo())
	}
	return a, nil
}

// credentialScope parses the Authorization header in h and returns the
// parts of its credential scope. ok is false when there is no
// AWS4-HMAC-SHA256 Authorization header or it is malformed. It does not check
// the signature; the handler uses it to pick the region even when
// verification is off.
func credentialScope(h http.Header) (accessKeyID, date, region, service string, ok bool) {
	v := h.Get("Authorization")
	if v == "" {
		return "", "", "", "", false
	}
	a, err := parseAuthorization(v)
	if err != nil {
		return "", "", "", "", false
	}
	return a.accessKeyID, a.date, a.region, a.service, true
}

// verifySigV4 checks the AWS Signature Version 4 of r against creds. body is
// the full request body (already read from r.Body); now is the server's
// clock. It returns nil when the request is correctly signed by one of creds
// for the secretsmanager service, within 15 minutes of now. Presigned
// (query-string) requests are not supported and are treated as unsigned.
func verifySigV4(r *http.Request, body []byte, creds []Credentials, now time.Time) *sigv4Error {
	_, err := authenticate(r, body, creds, now)
	return err
}

// authenticate is verifySigV4, returning also the credentials that signed
// the request (nil on failure).
func authenticate(r *http.Request, body []byte, creds []Credentials, now time.Time) (*Credentials, *sigv4Error) {
	return authenticateFor(sigv4Service, r, body, creds, now)
}

// authenticateFor is authenticate for a request to service (the credential
// scope's service: secretsmanager, or sts for the STS endpoint).
func authenticateFor(service string, r *http.Request, body []byte, creds []Credentials, now time.Time) (*Credentials, *sigv4Error) {
	authValues := r.Header.Values("Authorization")
	if len(authValues) == 0 || strings.TrimSpace(authValues[0]) == "" {
		return nil, missingAuthToken()
	}
	if len(authValues) > 1 {
		return nil, incompleteSignature("Request must contain exactly one Authorization header.")
	}
	auth, serr := parseAuthorization(authValues[0])
	if serr != nil {
		return nil, serr
	}

	// The request time: X-Amz-Date, else Date.
	var reqTime time.Time
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(amzDateFormat, v)
		if err != nil {
			if len(v) > 64 {
				v = v[:64] + "..."
			}
			return nil, incompleteSignature(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v))
		}
		reqTime = t
	} else if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return nil, incompleteSignature("Date header must be in RFC 1123 format.")
		}
		reqTime = t.UTC()
	} else {
		return nil, incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " + auth.echo())
	}
	amzDate := reqTime.Format(amzDateFormat)

	if auth.service != service {
		return nil, invalidSignature("Credential should be scoped to correct service: '" + service + "'. ")
	}
	if d := reqTime.Format(scopeDateFormat); auth.date != d {
		return nil, invalidSignature(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", auth.date, d, amzDate))
	}

	now = now.UTC()
	if reqTime.Before(now.Add(-maxClockSkew)) {
		return nil, invalidSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.Add(-maxClockSkew).Format(amzDateFormat), now.Format(amzDateFormat)))
	}
	if reqTime.After(now.Add(maxClockSkew)) {
		return nil, invalidSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, now.Add(maxClockSkew).Format(amzDateFormat), now.Format(amzDateFormat)))
	}

	cred := lookupCredentials(creds, auth.accessKeyID)
	if cred == nil {
		return nil, unrecognizedClient()
	}
	secret := cred.SecretAccessKey

	bodySum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(bodySum[:])
	if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" && !strings.EqualFold(v, payloadHash) {
		return nil, invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}

	signedHeaders := strings.Split(auth.signedHeaders, ";")
	hasHost := false
	for _, name := range signedHeaders {
		if strings.EqualFold(name, "host") {
			hasHost = true
		}
	}
	if !hasHost {
		return nil, invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}

	canonical := canonicalRequest(r, signedHeaders, auth.signedHeaders, payloadHash)
	canonicalSum := sha256.Sum256([]byte(canonical))
	scope := auth.date + "/" + auth.region + "/" + auth.service + "/" + sigv4Terminator
	stringToSign := sigv4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(canonicalSum[:])

	key := signingKey(secret, auth.date, auth.region, auth.service)
	want := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(auth.signature))) != 1 {
		return nil, invalidSignature(signatureMismatchMessage)
	}
	return cred, nil
}

// lookupSecret returns the secret key of the access key id akid. It compares
// akid with every configured id in constant time and does not stop at the
// first match, so the time taken does not depend on which key matched or on
// how much of an id matched. (Only the lengths of the ids, which are not
// secret, can show.)
func lookupSecret(creds []Credentials, akid string) (secret string, found bool) {
	if c := lookupCredentials(creds, akid); c != nil {
		return c.SecretAccessKey, true
	}
	return "", false
}

// lookupCredentials returns the credentials of the access key id akid, or
// nil; in constant time, as lookupSecret.
func lookupCredentials(creds []Credentials, akid string) *Credentials {
	if akid == "" {
		return nil
	}
	var found *Credentials
	match := 0
	for i := range creds {
		eq := subtle.ConstantTimeCompare([]byte(creds[i].AccessKeyID), []byte(akid))
		if eq == 1 && match == 0 {
			found = &creds[i]
		}
		match |= eq
	}
	return found
}

// canonicalRequest builds the SigV4 canonical request of r. names are the
// signed header names in the order the client listed them, signedHeaders
// the list as the client sent it.
func canonicalRequest(r *http.Request, names []string, signedHeaders, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range names {
		lname := strings.ToLower(name)
		b.WriteString(lname)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, lname))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalHeaderValue returns the values of header name (lower case) in r,
// each with surrounding white space trimmed and runs of spaces collapsed,
// joined with commas. The server moves some headers out of r.Header; those
// are taken from where it put them.
func canonicalHeaderValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	default:
		values = r.Header.Values(name)
		if len(values) == 0 {
			switch name {
			case "content-length":
				if r.ContentLength >= 0 {
					values = []string{strconv.FormatInt(r.ContentLength, 10)}
				}
			case "transfer-encoding":
				values = r.TransferEncoding
			}
		}
	}
	cleaned := make([]string, len(values)) // values may be r.Header's own slice
	for i, v := range values {
		cleaned[i] = strings.TrimSpace(collapseSpaces(v))
	}
	return strings.Join(cleaned, ",")
}

// collapseSpaces replaces every run of spaces in s with a single space.
func collapseSpaces(s string) string {
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' && prevSpace {
			continue
		}
		prevSpace = c == ' '
		b.WriteByte(c)
	}
	return b.String()
}

// canonicalURI returns the SigV4 canonical URI of u: the escaped path as
// sent, URI-encoded once more (every byte except unreserved characters and
// '/'), as for every service but S3. An empty path is "/".
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery returns the SigV4 canonical query string of rawQuery: every
// parameter decoded then URI-encoded, sorted by name and then by value.
func canonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	values, _ := url.ParseQuery(rawQuery) // keep what parses, as the SDKs do
	type param struct{ k, v string }
	var params []param
	for k, vs := range values {
		ek := uriEncode(k, true)
		for _, v := range vs {
			params = append(params, param{ek, uriEncode(v, true)})
		}
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].k != params[j].k {
			return params[i].k < params[j].k
		}
		return params[i].v < params[j].v
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// uriEncode percent-encodes every byte of s except the unreserved characters
// A-Z a-z 0-9 - _ . ~ and, unless encodeSlash, '/'. Hex digits are upper
// case.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xF])
		}
	}
	return b.String()
}

// signingKey derives the SigV4 signing key of secret for one day, region and
// service.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(sigv4Terminator))
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}
