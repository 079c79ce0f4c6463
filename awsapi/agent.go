package awsapi

// The AWS Secrets Manager Agent's local API (aws/aws-secretsmanager-agent;
// the same API as Lambda's "Parameters and Secrets" extension), served
// from a Store: applications that read secrets with a plain GET from
// localhost run unchanged against it. Its contract, as the Agent has it:
//
//	GET /ping                        "healthy", without a token
//	GET /secretsmanager/get?secretId=ID[&versionId=V][&versionStage=S][&refreshNow=true]
//	GET /v1/ID[?versionId=V][&versionStage=S][&refreshNow=true]   (ID may hold slashes)
//
// Every request but /ping carries the SSRF token in the header
// X-Aws-Parameters-Secrets-Token (or X-Vault-Token). The checks run in the
// Agent's order, each answering with its status and plain-text body: too
// many connections (429 "Connection limit exceeded"), X-Forwarded-For (400
// "Forwarded"), a missing or wrong token (403 "Bad Token"), a method other
// than GET (405 "Not allowed"), an unknown path (404 "Not found"), a bad
// query (400 "unknown parameter: P", "missing parameter secretId",
// "missing secret ID", "invalid refreshNow value"). A read answers
// GetSecretValue's output as the Agent prints it (the caching library's
// serde form: CreatedDate a string of epoch seconds); an error of Secrets
// Manager passes through with its status and the Agent's error body
// {"__type":"CODE", "message":"MESSAGE"}.
//
// Two differences only help: a value is read from the store on every
// request, so a value just written through the SDK API is read at once
// (the Agent caches for 300 seconds; refreshNow is accepted and changes
// nothing), and a message that holds a quote or a control character is
// escaped, so the error body is always JSON.

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/secretstore-go/secretstore"
)

// The Agent's defaults and limits.
const (
	// AgentDefaultAddr is where the Agent listens: loopback, port 2773.
	AgentDefaultAddr = "127.0.0.1:2773"
	// AgentDefaultMaxConnections is the Agent's default max_conn.
	AgentDefaultMaxConnections = 800
	// AgentMaxConnectionsLimit is the largest max_conn the Agent accepts.
	AgentMaxConnectionsLimit = 1000

	agentPathPrefix = "/v1/"
	// agentConnectionLifetime is how long the Agent lets a connection
	// live (MAX_REQ_TIME_SEC): it is closed then, whatever it is doing.
	agentConnectionLifetime = 61 * time.Second
	// agentMaxHeaderBytes is the Agent's buffer limit (MAX_BUF_BYTES).
	agentMaxHeaderBytes = (65 + 256) * 1024
	// agentHealthConnections are the connections past the limit that
	// /ping (and /start_serving) may still use.
	agentHealthConnections = 2
)

// AgentTokenVariables returns the environment variables the Agent reads
// its SSRF token from, in the order it reads them: the first one set wins.
func AgentTokenVariables() []string {
	return []string{"AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}
}

// agentTokenHeaders are the request headers the token may come in, in the
// order the Agent tries them.
var agentTokenHeaders = [...]string{"X-Aws-Parameters-Secrets-Token", "X-Vault-Token"}

// ErrNoAgentToken is AgentToken finding none of AgentTokenVariables set.
var ErrNoAgentToken = errors.New("environment variable not found")

// AgentToken returns the SSRF token as the Agent reads it: the value of
// the first of AgentTokenVariables that getenv finds set (not empty), or,
// when that value is file://PATH, the contents of that file with the white
// space around them trimmed. None set is ErrNoAgentToken; an unreadable
// file, or one that holds only white space, is an error too.
func AgentToken(getenv func(string) string) (string, error) {
	vars := AgentTokenVariables()
	for _, name := range vars {
		v := getenv(name)
		if v == "" {
			continue
		}
		path, isFile := strings.CutPrefix(v, "file://")
		if !isFile {
			return v, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("could not read SSRF token variable(s) %s: %s names a file that cannot be read: %w", strings.Join(vars, ", "), name, err)
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return "", fmt.Errorf("could not read SSRF token variable(s) %s: the file %s (from %s) is empty", strings.Join(vars, ", "), path, name)
		}
		return token, nil
	}
	return "", fmt.Errorf("could not read SSRF token variable(s) %s: %w", strings.Join(vars, ", "), ErrNoAgentToken)
}

// AgentOptions configure an Agent.
type AgentOptions struct {
	// Token is the SSRF token every request but /ping must carry.
	// Required: see AgentToken.
	Token string
	// MaxConnections bounds the connections served at once, 1 to
	// AgentMaxConnectionsLimit; 0 means AgentDefaultMaxConnections. A
	// request on a connection past the limit gets 429; /ping may use two
	// more.
	MaxConnections int
	// Principal, when set, is who the Agent's reads run as: the principal's
	// IAM policies and the secrets' resource policies decide what it may
	// read, as for a request signed with its key (see Store.As).
	Principal *secretstore.Principal
	// Logger receives one line per request (path, status, duration, the
	// secret id, the error code); default none. Never a value or a token.
	Logger *slog.Logger
}

// Agent serves the Secrets Manager Agent's API from a store. It is an
// http.Handler; Serve runs it on a listener with the Agent's connection
// limit and lifetime.
type Agent struct {
	store *secretstore.Store
	opts  AgentOptions
	token []byte

	open     atomic.Int64  // connections open, for the limit
	lifetime time.Duration // agentConnectionLifetime; tests shorten it

	mu     sync.Mutex
	srv    *http.Server
	timers map[net.Conn]*time.Timer // each open connection's end
}

// NewAgent returns the Agent API of store (its region is the one read).
func NewAgent(store *secretstore.Store, o AgentOptions) (*Agent, error) {
	switch {
	case o.Token == "":
		return nil, errors.New("awsapi: the Agent API needs an SSRF token (AgentOptions.Token)")
	case o.MaxConnections == 0:
		o.MaxConnections = AgentDefaultMaxConnections
	case o.MaxConnections < 1 || o.MaxConnections > AgentMaxConnectionsLimit:
		return nil, fmt.Errorf("awsapi: the Agent's maximum number of connections must be in the range 1 to %d", AgentMaxConnectionsLimit)
	}
	return &Agent{store: store, opts: o, token: []byte(o.Token), lifetime: agentConnectionLifetime}, nil
}

// agentError is a refusal: a status and its plain-text body.
type agentError struct {
	status int
	body   string
	code   string // the AWS error code, for the log, when it passes one on
}

func (e *agentError) Error() string { return e.body }

// connKey is the context key of a connection's place when it was opened.
type connKey struct{}

// ServeHTTP serves one request.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	path := r.URL.EscapedPath()
	body, secretID, err := a.serve(r, path)
	status := http.StatusOK
	var ae *agentError
	if errors.As(err, &ae) {
		status, body = ae.status, []byte(ae.body)
	}
	// As the Agent answers: no Content-Type, the body as it is.
	w.Header()["Content-Type"] = nil
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if a.opts.Logger != nil {
		attrs := []slog.Attr{slog.String("path", clip(path, 2048)), slog.Int("status", status), slog.Duration("duration", time.Since(start))}
		if secretID != "" {
			attrs = append(attrs, slog.String("secret_id", clip(secretID, 2048)))
		}
		if ae != nil && ae.code != "" {
			attrs = append(attrs, slog.String("error_code", ae.code))
		} else if ae != nil {
			attrs = append(attrs, slog.String("refused", ae.body))
		}
		a.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "agent request", attrs...)
	}
}

// serve runs the Agent's checks, in its order, and the read.
func (a *Agent) serve(r *http.Request, path string) (body []byte, secretID string, err error) {
	health := path == "/ping" || path == "/start_serving"
	if n, ok := r.Context().Value(connKey{}).(int64); ok {
		limit := int64(a.opts.MaxConnections)
		if health {
			limit += agentHealthConnections
		}
		if n > limit {
			return nil, "", &agentError{status: http.StatusTooManyRequests, body: "Connection limit exceeded"}
		}
	}
	if !health {
		if _, ok := r.Header["X-Forwarded-For"]; ok {
			return nil, "", &agentError{status: http.StatusBadRequest, body: "Forwarded"}
		}
		if !a.tokenOK(r.Header) {
			return nil, "", &agentError{status: http.StatusForbidden, body: "Bad Token"}
		}
	}
	if r.Method != http.MethodGet {
		return nil, "", &agentError{status: http.StatusMethodNotAllowed, body: "Not allowed"}
	}
	var q agentQuery
	switch {
	case path == "/ping":
		return []byte("healthy"), "", nil
	case path == "/secretsmanager/get":
		q, err = parseAgentQuery(r.URL.RawQuery, true)
	case strings.HasPrefix(path, agentPathPrefix):
		// The id is the rest of the path once its dot segments are
		// resolved, not percent-decoded: as the Agent takes it.
		norm := removeDotSegments(path)
		if len(norm) <= len(agentPathPrefix) {
			return nil, "", &agentError{status: http.StatusBadRequest, body: "missing secret ID"}
		}
		q.secretID = norm[len(agentPathPrefix):]
		var params agentQuery
		params, err = parseAgentQuery(r.URL.RawQuery, false)
		q.versionID, q.versionStage = params.versionID, params.versionStage
	default: // /start_serving too: this is not a Lambda extension
		return nil, "", &agentError{status: http.StatusNotFound, body: "Not found"}
	}
	if err != nil {
		return nil, q.secretID, err
	}
	body, err = a.read(r, q)
	return body, q.secretID, err
}

// tokenOK reports whether one of the token headers holds the token (the
// first value of each, compared in constant time).
func (a *Agent) tokenOK(h http.Header) bool {
	ok := false
	for _, name := range agentTokenHeaders {
		if v, present := h[name]; present && len(v) > 0 {
			ok = subtle.ConstantTimeCompare([]byte(v[0]), a.token) == 1 || ok
		}
	}
	return ok
}

// agentQuery is a read the Agent was asked for. A version id or stage
// given empty is kept (set but ""), as the Agent passes it on.
type agentQuery struct {
	secretID                string
	versionID, versionStage *string
	refreshNow              bool
}

// parseAgentQuery parses the query of a request, as the Agent does: the
// pairs in order, form-decoded ('+' is a space), the first bad one
// failing. withSecretID is the /secretsmanager/get form, whose secretId
// is a parameter and required.
func parseAgentQuery(raw string, withSecretID bool) (agentQuery, error) {
	var q agentQuery
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = formDecode(k), formDecode(v)
		switch {
		case k == "secretId" && withSecretID:
			q.secretID = v
		case k == "versionId":
			q.versionID = &v
		case k == "versionStage":
			q.versionStage = &v
		case k == "refreshNow":
			switch strings.ToLower(v) {
			case "true", "1":
				q.refreshNow = true
			case "false", "0":
				q.refreshNow = false
			default:
				return q, &agentError{status: http.StatusBadRequest, body: "invalid refreshNow value"}
			}
		default:
			return q, &agentError{status: http.StatusBadRequest, body: "unknown parameter: " + k}
		}
	}
	if withSecretID && q.secretID == "" {
		return q, &agentError{status: http.StatusBadRequest, body: "missing parameter secretId"}
	}
	return q, nil
}

// formDecode decodes an application/x-www-form-urlencoded name or value
// as the Agent's URL library does: '+' is a space, %XX a byte, and a '%'
// not followed by two hex digits stays as it is; bytes that are not UTF-8
// become U+FFFD.
func formDecode(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// removeDotSegments removes the "." and ".." segments of path as a WHATWG
// URL parser does (which the Agent's URL library is): "%2e" counts as ".".
func removeDotSegments(path string) string {
	if !strings.Contains(path, ".") && !strings.Contains(strings.ToLower(path), "%2e") {
		return path
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var out []string
	for i, s := range segs {
		last := i == len(segs)-1
		switch strings.ToLower(s) {
		case ".", "%2e":
			if last {
				out = append(out, "")
			}
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

// read runs GetSecretValue for q, as the Agent asks Secrets Manager, and
// returns the Agent's answer.
func (a *Agent) read(r *http.Request, q agentQuery) ([]byte, error) {
	store := a.store
	if a.opts.Principal != nil {
		store = caller(store, &Credentials{Principal: a.opts.Principal}, r)
	}
	req := &getSecretValueRequest{SecretId: &q.secretID, VersionId: q.versionID, VersionStage: q.versionStage}
	err := req.check()
	var out *secretstore.GetSecretValueOutput
	if err == nil {
		out, err = getSecretValue(r.Context(), store, req)
	}
	if err != nil {
		e := toAPIError(err)
		if e.cause != nil && a.opts.Logger != nil {
			a.opts.Logger.Error("secretstore internal error", "path", "agent", "error", e.cause.Error())
		}
		return nil, &agentError{status: e.status, body: agentErrorBody(e.Type, e.Message), code: e.Type}
	}
	return agentValue(out), nil
}

// agentErrorBody is the Agent's error body: the code and message of the
// Secrets Manager error, or InternalFailure alone.
func agentErrorBody(code, msg string) string {
	if msg == "" || code == "InternalFailure" {
		return `{"__type":"InternalFailure"}`
	}
	return `{"__type":"` + jsonText(code) + `", "message":"` + jsonText(msg) + `"}`
}

// agentValue is GetSecretValue's output as the Agent sends it: its members
// in this order, VersionStages left out when empty, CreatedDate a string of
// epoch seconds.
func agentValue(out *secretstore.GetSecretValueOutput) []byte {
	var b strings.Builder
	b.WriteString(`{"ARN":"` + jsonText(out.ARN) + `","Name":"` + jsonText(out.Name) + `","VersionId":"` + jsonText(out.VersionId) + `"`)
	if out.SecretBinary != nil {
		b.WriteString(`,"SecretBinary":"` + base64.StdEncoding.EncodeToString(out.SecretBinary) + `"`)
	} else {
		b.WriteString(`,"SecretString":"` + jsonText(out.SecretString) + `"`)
	}
	if len(out.VersionStages) > 0 {
		b.WriteString(`,"VersionStages":[`)
		for i, s := range out.VersionStages {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + jsonText(s) + `"`)
		}
		b.WriteByte(']')
	}
	b.WriteString(`,"CreatedDate":` + agentTime(out.CreatedDate) + `}`)
	return []byte(b.String())
}

// agentTime is a time as the Agent prints it: a JSON string of the epoch
// seconds as the shortest decimal of the double (1569534789.046), or null.
func agentTime(t time.Time) string {
	if t.IsZero() {
		return "null"
	}
	return `"` + strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64) + `"`
}

// jsonText escapes s for a JSON string as serde_json does: the quote, the
// backslash and control characters only (\b \f \n \r \t, else \u00xx);
// invalid UTF-8 becomes U+FFFD.
func jsonText(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' || r == utf8.RuneError }) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				const hex = "0123456789abcdef"
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// Serve serves the Agent API on ln until Shutdown or Close: each
// connection counted against the limit while it is open, sent with an IP
// TTL of 1 (no network hop), and closed 61 seconds after it opened, as the
// Agent's are. It returns http.ErrServerClosed after Shutdown or Close.
func (a *Agent) Serve(ln net.Listener) error {
	srv := &http.Server{
		Handler:           a,
		MaxHeaderBytes:    agentMaxHeaderBytes,
		ReadHeaderTimeout: a.lifetime,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			setNoHops(c)
			return context.WithValue(ctx, connKey{}, a.open.Add(1))
		},
		ConnState: func(c net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				timer := time.AfterFunc(a.lifetime, func() { c.Close() })
				a.mu.Lock()
				a.timers[c] = timer
				a.mu.Unlock()
			case http.StateClosed, http.StateHijacked:
				a.open.Add(-1)
				a.mu.Lock()
				if t := a.timers[c]; t != nil {
					t.Stop()
					delete(a.timers, c)
				}
				a.mu.Unlock()
			}
		},
	}
	a.mu.Lock()
	if a.srv != nil {
		a.mu.Unlock()
		return errors.New("awsapi: the Agent is already serving")
	}
	a.srv, a.timers = srv, map[net.Conn]*time.Timer{}
	a.mu.Unlock()
	return srv.Serve(ln)
}

// Shutdown stops Serve gracefully: no new connection is taken, and the
// requests in flight finish, until ctx ends.
func (a *Agent) Shutdown(ctx context.Context) error {
	a.mu.Lock()
	srv := a.srv
	a.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Close stops Serve at once, closing every connection.
func (a *Agent) Close() error {
	a.mu.Lock()
	srv := a.srv
	a.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Close()
}
