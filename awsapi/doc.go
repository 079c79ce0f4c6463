// Package awsapi serves a *secretstore.Store in the AWS Secrets Manager wire
// protocol (AWS JSON 1.1), so the official AWS SDKs and the AWS CLI work
// against it with --endpoint-url.
//
// A Handler answers POST / with X-Amz-Target: secretsmanager.<Operation>
// for every operation the store implements, translating the JSON body to
// the library's input and the library's errors to AWS's error bodies
// ({"__type":"ResourceNotFoundException","Message":"..."}, status 400;
// InternalServiceError is 500). The rules of Secrets Manager live in the
// library: this package only checks what the JSON protocol adds (absent
// required members, values the library reads as absent, member types,
// sizes), as AWS's front end does.
//
// The region of a request is the one in its SigV4 credential scope, so a
// client configured for eu-west-1 sees that region's secrets; a request
// with no usable scope uses the store's own region. Signatures are verified
// only when Options.Credentials is set; otherwise any signature, or none, is
// accepted, as local emulators do.
//
// A key whose Credentials name a Principal is a caller with policies: each
// request it signs runs on Store.As(principal), with aws:SourceIp taken from
// the connection and aws:SecureTransport from TLS, so the principal's
// identity policies and the secret's resource policy decide it, as in AWS.
// A denial is 400 AccessDeniedException with AWS's message; with a
// principal whose AuditOnly is set it is only logged. The control
// endpoints below answer only keys with no Principal.
//
// An Agent serves the local API of the AWS Secrets Manager Agent (GET
// /secretsmanager/get, /v1/ID and /ping, guarded by its SSRF token) from
// the same store, with the Agent's answers and refusals: see agent.go.
//
// Divergences from AWS, all deliberate:
//   - The store is consistent at once: a forced delete frees the name
//     immediately (AWS takes a few seconds), and ListSecrets shows a new
//     secret at once (AWS may lag by minutes).
//   - A body larger than Options.MaxBodyBytes (default 1 MiB) is refused with
//     413 RequestEntityTooLargeException; AWS's front end has its own limit.
//   - A method other than POST gets 404 UnknownOperationException (but for
//     the health endpoints below).
//   - Messages for malformed JSON are in AWS's style but not word for word.
//   - A string member that is not valid UTF-8, or has a \u escape for an
//     unpaired UTF-16 surrogate, gets 400 SerializationException naming the
//     member (never its value), rather than being stored with U+FFFD in
//     place of what was sent; so does a SecretBinary that is not a base64
//     string (a list of numbers, say).
//   - A Content-Type other than application/x-amz-json-1.1 (or 1.0, or
//     application/json, or none) gets 400 SerializationException.
//
// STS's GetCallerIdentity is answered on the same port (sts.go), as tools
// written for LocalStack expect: a form-encoded POST with
// Action=GetCallerIdentity (STS's Query protocol, answered in its XML) or
// X-Amz-Target: AWSSecurityTokenServiceV20110615.GetCallerIdentity (its
// JSON protocol), with the identity of the key's Principal, or the root of
// the store's account; other STS actions get STS's InvalidAction error.
//
// The operations are the rows of the store's operation table; the
// endpoints that are not Secrets Manager operations are routed in one
// place, Handler.endpoint (handler.go).
//
// With Options.TestMode the handler also serves test-control endpoints
// under /_secretstore/: POST /_secretstore/clock moves Options.Clock,
// forwards or backwards ({"advance":"720h"}, {"advance":"-1h"} or
// {"set":"2030-01-01T00:00:00Z"}; {"set":"now"} returns to the real time),
// POST /_secretstore/reap runs Store.Reap, and POST /_secretstore/reset
// empties the store and puts a RealTimeClock back on the real time. With Options.Backup, GET /_secretstore/backup streams
// Store.Backup. With Credentials these endpoints must be signed like any
// call (403 otherwise); without, the backup is served to loopback clients
// only.
//
// Whatever the Options, the handler answers health checks, unsigned, with
// GET (or HEAD): GET /ping answers "healthy" (as the Secrets Manager Agent
// does), GET /_secretstore/health the readiness document (HealthStatus:
// status, version, uptime, whether a write can be made now and why not,
// and the mirror's last pass when there is one), and GET
// /_localstack/health LocalStack's shape ({"services":{"secretsmanager":
// "running"},...}), so tools written to wait for LocalStack wait for this.
// They answer 503 when a write would be refused (a full disk, a failed
// fsync, a read-only data folder) or the store is closed, and name no
// secret. Options.OnRequest reports every other request, for metrics.
package awsapi
