package awsapi

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"encoding/xml"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/secretstore-go/secretstore"
)

// STS's GetCallerIdentity, on the same port as Secrets Manager. Tools
// written for AWS ask STS who they are before they write (segmentio/chamber
// before every write, Terraform's AWS provider for the account ID), and
// send that request to the endpoint they were given for Secrets Manager,
// as LocalStack answers both on one port. A Handler answers it in STS's
// two protocols: the Query protocol the SDKs have always used (a
// form-encoded POST with Action=GetCallerIdentity, answered in STS's XML)
// and the AWS JSON protocol of newer SDKs (X-Amz-Target:
// AWSSecurityTokenServiceV20110615.GetCallerIdentity). The identity is the
// caller's: the principal of the key that signed the request (its ARN,
// account and a user ID derived from the ARN), or, for a key with no
// principal or with no credentials configured, the account root of the
// store's account. Every other STS action is refused with STS's
// InvalidAction error, in the protocol of the request.

const (
	// stsTargetPrefix starts the X-Amz-Target of STS's JSON protocol.
	stsTargetPrefix = "AWSSecurityTokenServiceV20110615."
	// stsVersion is STS's API version, the Query protocol's Version.
	stsVersion = "2011-06-15"
	// stsNamespace is the XML namespace of STS's answers.
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	// stsService is the SigV4 service of STS.
	stsService = "sts"
)

// isSTS reports whether r is a call of STS: a JSON call whose X-Amz-Target
// is STS's, or a Query call (a form-encoded body, or an Action in the
// query string, and no X-Amz-Target), which no Secrets Manager call is.
func isSTS(r *http.Request) bool {
	target := r.Header.Get("X-Amz-Target")
	if target != "" {
		return strings.HasPrefix(target, stsTargetPrefix)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" {
		return true
	}
	return r.URL.Query().Has("Action")
}

// stsCall is one STS request, parsed.
type stsCall struct {
	json   bool   // the JSON protocol (else Query)
	ctype  string // the JSON protocol's Content-Type, echoed in the answer
	action string
}

// stsError is an STS error: its code, its type (Sender or Receiver), its
// message and its HTTP status.
type stsError struct {
	code, typ, message string
	status             int
}

// serveSTS answers an STS request (see isSTS).
func (h *Handler) serveSTS(w http.ResponseWriter, r *http.Request) int {
	call := stsCall{json: r.Header.Get("X-Amz-Target") != ""}
	if call.json {
		call.action = strings.TrimPrefix(r.Header.Get("X-Amz-Target"), stsTargetPrefix)
		call.ctype = "application/x-amz-json-1.0"
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-amz-json-1.1" {
			call.ctype = mt
		}
	}
	reqID := w.Header().Get("X-Amzn-Requestid")
	fail := func(e *stsError) int { return writeSTSError(w, call, reqID, e) }

	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return fail(&stsError{"InvalidAction", "Sender", "STS is answered with POST (or GET) requests, not " + clip(r.Method, 16) + ".", http.StatusBadRequest})
	}
	if r.ContentLength > h.opts.MaxBodyBytes {
		return fail(&stsError{"RequestEntityTooLarge", "Sender", "The request body is too large.", http.StatusRequestEntityTooLarge})
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes), r.ContentLength)
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return fail(&stsError{"RequestEntityTooLarge", "Sender", "The request body is too large.", http.StatusRequestEntityTooLarge})
		}
		return fail(&stsError{"MalformedInput", "Sender", "The request body could not be read.", http.StatusBadRequest})
	}
	if !call.json {
		params := r.URL.Query()
		if len(body) > 0 {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				return fail(&stsError{"MalformedInput", "Sender", "The request body is not form-encoded parameters.", http.StatusBadRequest})
			}
			for k, vs := range form {
				params[k] = append(params[k], vs...)
			}
		}
		call.action = params.Get("Action")
		if call.action == "" {
			return fail(&stsError{"MissingAction", "Sender", "The request must contain the parameter Action.", http.StatusBadRequest})
		}
		if v := params.Get("Version"); v != "" && v != stsVersion {
			return fail(&stsError{"InvalidAction", "Sender", "Could not find operation " + clip(call.action, 64) + " for version " + clip(v, 32), http.StatusBadRequest})
		}
	}

	var cred *Credentials
	if len(h.opts.Credentials) > 0 {
		c, e := authenticateFor(stsService, r, body, h.opts.Credentials, h.opts.Now())
		if e != nil {
			return fail(stsAuthError(e))
		}
		cred = c
	}
	if call.action != "GetCallerIdentity" {
		return fail(&stsError{"InvalidAction", "Sender", "Could not find operation " + clip(call.action, 64) + " for version " + stsVersion +
			" (secretstore answers only GetCallerIdentity of STS)", http.StatusBadRequest})
	}
	id := callerIdentity(h.store, cred)
	if call.json {
		b, _ := json.Marshal(id)
		writeSTSBody(w, http.StatusOK, call.ctype, b)
		return http.StatusOK
	}
	resp := stsResponse{Xmlns: stsNamespace, Result: id}
	resp.Metadata.RequestID = reqID
	b, _ := xml.Marshal(resp)
	writeSTSBody(w, http.StatusOK, "text/xml", append([]byte(xml.Header), b...))
	return http.StatusOK
}

// stsIdentity is the answer of STS's GetCallerIdentity.
type stsIdentity struct {
	Arn     string `json:"Arn" xml:"Arn"`
	UserId  string `json:"UserId" xml:"UserId"`
	Account string `json:"Account" xml:"Account"`
}

// stsResponse is GetCallerIdentity's answer in STS's XML.
type stsResponse struct {
	XMLName  xml.Name    `xml:"GetCallerIdentityResponse"`
	Xmlns    string      `xml:"xmlns,attr"`
	Result   stsIdentity `xml:"GetCallerIdentityResult"`
	Metadata struct {
		RequestID string `xml:"RequestId"`
	} `xml:"ResponseMetadata"`
}

// callerIdentity returns who signed with cred: its principal, or the root
// of the store's account for a key without one (or no key).
func callerIdentity(store *secretstore.Store, cred *Credentials) stsIdentity {
	account := store.AccountID()
	if cred == nil || cred.Principal == nil {
		return stsIdentity{Arn: "arn:aws:iam::" + account + ":root", UserId: account, Account: account}
	}
	a := cred.Principal.Arn
	parts := strings.SplitN(a, ":", 6)
	if len(parts) == 6 && len(parts[4]) == 12 {
		account = parts[4]
	}
	return stsIdentity{Arn: a, UserId: uniqueID(a), Account: account}
}

// uniqueID returns the user ID STS gives the principal arn: the account ID
// for the root user; AROA... and ":<session>" for a role session; AIDA...
// for a user (AROA... for a role's own ARN). IAM's unique IDs are random;
// these are derived from the ARN, so a principal keeps its ID across
// restarts.
func uniqueID(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return "AIDA" + idOf(arn)
	}
	res := parts[5]
	switch {
	case res == "root":
		return parts[4]
	case strings.HasPrefix(res, "assumed-role/"):
		role, session, _ := strings.Cut(strings.TrimPrefix(res, "assumed-role/"), "/")
		return "AROA" + idOf("arn:"+parts[1]+":iam::"+parts[4]+":role/"+role) + ":" + session
	case strings.HasPrefix(res, "role/"):
		return "AROA" + idOf(arn)
	}
	return "AIDA" + idOf(arn)
}

// idOf is the 17 characters after the prefix of a unique ID, from s.
func idOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// stsAuthError is a signature failure as STS words it.
func stsAuthError(e *sigv4Error) *stsError {
	code, status := e.Code, http.StatusForbidden
	switch e.Code {
	case "UnrecognizedClientException":
		code = "InvalidClientTokenId"
	case "InvalidSignatureException":
		code = "SignatureDoesNotMatch"
	case "MissingAuthenticationTokenException":
		code, status = "MissingAuthenticationToken", http.StatusBadRequest
	case "IncompleteSignatureException":
		code, status = "IncompleteSignature", http.StatusBadRequest
	}
	return &stsError{code, "Sender", e.Message, status}
}

// writeSTSError writes e in the protocol of call: STS's XML ErrorResponse,
// or a JSON error body with the x-amzn-query-error header of a service
// that speaks both.
func writeSTSError(w http.ResponseWriter, call stsCall, reqID string, e *stsError) int {
	if call.json {
		b, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.message})
		w.Header().Set("X-Amzn-Query-Error", e.code+";"+e.typ)
		writeSTSBody(w, e.status, call.ctype, b)
		return e.status
	}
	var resp struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Xmlns   string   `xml:"xmlns,attr"`
		Error   struct {
			Type    string `xml:"Type"`
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
		RequestID string `xml:"RequestId"`
	}
	resp.Xmlns = stsNamespace
	resp.Error.Type, resp.Error.Code, resp.Error.Message = e.typ, e.code, e.message
	resp.RequestID = reqID
	b, _ := xml.Marshal(resp)
	writeSTSBody(w, e.status, "text/xml", append([]byte(xml.Header), b...))
	return e.status
}

// writeSTSBody writes an STS answer of Content-Type ctype.
func writeSTSBody(w http.ResponseWriter, status int, ctype string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
