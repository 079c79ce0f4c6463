package main

// The rotation functions of serve. Each --rotator ARN=TARGET registers, under
// ARN (the RotationLambdaARN that RotateSecret names), a rotator that hands
// every step's event, as JSON with the field names of AWS's rotation event,
//
//	{"Step":"createSecret","SecretId":"arn:aws:secretsmanager:...","ClientRequestToken":"...","RotationToken":"..."}
//
// to a rotation function outside the server:
//
//   - TARGET http://HOST:PORT/PATH: the event is POSTed to the URL. The AWS
//     Lambda runtime interface emulator (the aws-lambda-rie in AWS's base
//     images) listens on /2015-03-31/functions/function/invocations, so the
//     image of a rotation function that runs on AWS runs here unchanged. A
//     step fails on an answer that is not 2xx, that carries the header
//     X-Amz-Function-Error, or whose body is a JSON object with errorType
//     (Lambda's answer for a function that raised).
//   - TARGET exec:PROGRAM ARGS...: PROGRAM runs once per step, with ARGS
//     (separated by spaces; none may contain one) and the event on its
//     standard input; exit status 0 is success. Its environment is the
//     server's, plus SECRETS_MANAGER_ENDPOINT and
//     AWS_ENDPOINT_URL_SECRETS_MANAGER (the server's URL), AWS_REGION and
//     AWS_DEFAULT_REGION (the secret's region) and AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY (the server's key pair, or dummy ones when it
//     checks no signatures), without AWS_SESSION_TOKEN or AWS_PROFILE: a
//     rotation function written for AWS, with any AWS SDK, calls this server
//     as it would call Secrets Manager. A step that fails names the exit
//     status and quotes the last lines PROGRAM wrote to stderr (its stdout
//     is discarded).
//
// --rotation-step-timeout bounds each step (Options.RotationStepTimeout);
// when it passes, or the server stops, the request is cancelled or the
// program killed.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/policy"
)

// Limits of the rotators.
const (
	// maxRotationLambdaARN is the longest RotationLambdaARN AWS accepts.
	maxRotationLambdaARN = 2048
	// maxFunctionAnswer is how much of a URL rotator's answer is read.
	maxFunctionAnswer = 1 << 20
	// maxErrorDetail bounds the function's own text (errorType and
	// errorMessage, or the stderr tail) quoted in a failed step's message.
	maxErrorDetail = 512
	// stderrTailLines is how many of the last lines of a program's stderr
	// a failed step quotes.
	stderrTailLines = 5
	// execWaitDelay is how long a killed program's pipes may stay open (held
	// by a child it started) before they are closed.
	execWaitDelay = 2 * time.Second
)

// rieInvocationsPath is where the AWS Lambda runtime interface emulator
// takes invocations.
const rieInvocationsPath = "/2015-03-31/functions/function/invocations"

// Dummy credentials an exec rotator signs with when the server checks no
// signature, the ones serve's own hint suggests.
const (
	dummyAccessKeyID     = "test"
	dummySecretAccessKey = "test"
)

// rotatorFlags are serve's --rotator flags and --rotation-step-timeout.
type rotatorFlags struct {
	specs       []rotatorSpec
	stepTimeout time.Duration
}

// rotatorSpec is one --rotator ARN=TARGET: a URL, or a program and its
// arguments.
type rotatorSpec struct {
	arn     string
	url     string   // for a URL rotator
	program []string // for an exec rotator: PROGRAM ARGS...
}

// register adds --rotator and --rotation-step-timeout to fs.
func (f *rotatorFlags) register(fs *flag.FlagSet) {
	fs.Var(f, "rotator", "run rotations with a function: `ARN=TARGET` registers TARGET for RotationLambdaARN ARN, where TARGET is a URL each step's event is POSTed to (a Lambda runtime emulator: http://HOST:PORT"+rieInvocationsPath+") or exec:PROGRAM ARGS..., run with the event on stdin and this server as its Secrets Manager endpoint; repeatable")
	durationVar(fs, &f.stepTimeout, "rotation-step-timeout", secretstore.DefaultRotationStepTimeout, "fail a rotation step that takes longer than `DURATION` (the request is cancelled, the program killed)")
}

// String returns the flags' values, as flag.Value requires.
func (f *rotatorFlags) String() string {
	if f == nil {
		return ""
	}
	var parts []string
	for _, s := range f.specs {
		parts = append(parts, s.arn+"="+s.target())
	}
	return strings.Join(parts, ",")
}

// target returns the URL (without a password) or exec:PROGRAM ARGS... of s.
func (s rotatorSpec) target() string {
	if s.program != nil {
		return "exec:" + strings.Join(s.program, " ")
	}
	return redactURL(s.url)
}

// Set parses one --rotator ARN=URL or ARN=exec:PROGRAM ARGS...
func (f *rotatorFlags) Set(v string) error {
	s, err := parseRotatorSpec(v)
	if err != nil {
		return err
	}
	for _, o := range f.specs {
		if o.arn == s.arn {
			return fmt.Errorf("%s is given twice: one rotator per ARN", s.arn)
		}
	}
	f.specs = append(f.specs, s)
	return nil
}

// parseRotatorSpec reads ARN=URL or ARN=exec:PROGRAM ARGS...
func parseRotatorSpec(v string) (rotatorSpec, error) {
	name, target, ok := strings.Cut(v, "=")
	name, target = strings.TrimSpace(name), strings.TrimSpace(target)
	switch {
	case !ok || name == "" || target == "":
		return rotatorSpec{}, fmt.Errorf("%q is not ARN=URL or ARN=exec:PROGRAM [ARGS...]", v)
	case len(name) > maxRotationLambdaARN:
		return rotatorSpec{}, fmt.Errorf("the ARN of %q is longer than %d characters, the longest RotationLambdaARN", v, maxRotationLambdaARN)
	case strings.ContainsAny(name, " \t\n"):
		return rotatorSpec{}, fmt.Errorf("the ARN %q contains a space", name)
	}
	s := rotatorSpec{arn: name}
	if cmdline, isExec := strings.CutPrefix(target, "exec:"); isExec {
		if s.program = strings.Fields(cmdline); len(s.program) == 0 {
			return rotatorSpec{}, fmt.Errorf("%q names no program after \"exec:\"", v)
		}
		return s, nil
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return rotatorSpec{}, fmt.Errorf("%q: %q is neither an http:// or https:// URL nor exec:PROGRAM", v, target)
	}
	s.url = u.String()
	return s, nil
}

// check validates the step timeout, and finds the program of each exec
// rotator; src names the flags, for a value from the environment.
func (f *rotatorFlags) check(src flagSources) error {
	if f.stepTimeout <= 0 {
		return usageErrorf("%s must be positive, got %v", src.name("rotation-step-timeout"), f.stepTimeout)
	}
	for _, s := range f.specs {
		if s.program == nil {
			continue
		}
		if _, err := exec.LookPath(s.program[0]); err != nil {
			return usageErrorf("%s %s=exec:%s: %v", src.name("rotator"), s.arn, strings.Join(s.program, " "), err)
		}
	}
	return nil
}

// repeatable marks --rotator as a flag that may be given more than once:
// its environment variable holds one ARN=TARGET a line.
func (f *rotatorFlags) repeatable() {}

// redactURL returns u with its password, if any, replaced by xxxxx.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Redacted()
}

// rotators builds the rotators the flags name, for Options.Rotators (nil
// for none), and logs them. Exec rotators wait, before they run a program,
// for the server's URL, which listening(url) gives them; creds are the key
// pair the server accepts, if any.
func (f *rotatorFlags) rotators(creds []awsapi.Credentials, log *slog.Logger) (map[string]secretstore.Rotator, *rotatorEndpoint) {
	ep := &rotatorEndpoint{ready: make(chan struct{}), environ: os.Environ, accessKeyID: dummyAccessKeyID, secretAccessKey: dummySecretAccessKey}
	if len(creds) > 0 {
		ep.accessKeyID, ep.secretAccessKey = creds[0].AccessKeyID, creds[0].SecretAccessKey
	}
	if len(f.specs) == 0 {
		return nil, ep
	}
	m := make(map[string]secretstore.Rotator, len(f.specs))
	for _, s := range f.specs {
		log.Info("rotator", "arn", s.arn, "function", s.target(), "step_timeout", f.stepTimeout)
		if s.program != nil {
			m[s.arn] = &execRotator{arn: s.arn, program: s.program, endpoint: ep}
		} else {
			m[s.arn] = &urlRotator{arn: s.arn, url: s.url, shown: redactURL(s.url), client: &http.Client{}}
		}
	}
	return m, ep
}

// rotationEvent is the JSON a rotation function receives, with the field
// names of the event AWS sends a rotation Lambda function.
type rotationEvent struct {
	Step               string `json:"Step"`
	SecretId           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	RotationToken      string `json:"RotationToken,omitempty"`
}

// eventJSON returns ev as a rotation function receives it.
func eventJSON(ev secretstore.RotationEvent) []byte {
	b, _ := json.Marshal(rotationEvent{Step: ev.Step, SecretId: ev.SecretId, ClientRequestToken: ev.ClientRequestToken, RotationToken: ev.RotationToken})
	return b
}

// urlRotator POSTs each step's event to a URL, as Lambda's Invoke API and
// its runtime interface emulator take it.
type urlRotator struct {
	arn    string
	url    string
	shown  string // url without a password, for messages
	client *http.Client
}

// Rotate runs one step: it POSTs the event and reads the function's answer.
func (r *urlRotator) Rotate(ctx context.Context, _ *secretstore.Store, ev secretstore.RotationEvent) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(eventJSON(ev)))
	if err != nil {
		return fmt.Errorf("rotation function %s: %w", r.arn, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("rotation function %s: %w", r.arn, err) // a *url.Error, with no password
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFunctionAnswer))
	if err != nil {
		return fmt.Errorf("rotation function %s at %s: reading its answer: %w", r.arn, r.shown, err)
	}
	// Only errorType and errorMessage are quoted, never the rest of the
	// body, which is the function's return value.
	var fe struct {
		ErrorType    *string `json:"errorType"`
		ErrorMessage string  `json:"errorMessage"`
	}
	isError := json.Unmarshal(body, &fe) == nil && fe.ErrorType != nil
	functionError := resp.Header.Get("X-Amz-Function-Error")
	switch {
	case isError:
		return fmt.Errorf("rotation function %s failed: %s: %s", r.arn, clip(*fe.ErrorType), clip(fe.ErrorMessage))
	case functionError != "":
		return fmt.Errorf("rotation function %s failed: %s", r.arn, clip(functionError))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fmt.Errorf("rotation function %s at %s answered %s", r.arn, r.shown, resp.Status)
	}
	return nil
}

// rotatorEndpoint is what an exec rotator's program is told about the
// server: its URL, known once the server listens, and the key pair to sign
// with.
type rotatorEndpoint struct {
	once            sync.Once
	ready           chan struct{} // closed once url is set
	url             string
	environ         func() []string // the environment programs start from
	accessKeyID     string
	secretAccessKey string
}

// listening gives the exec rotators the server's URL.
func (e *rotatorEndpoint) listening(url string) {
	e.once.Do(func() {
		e.url = url
		close(e.ready)
	})
}

// env returns the environment of a program that rotates a secret of
// region.
func (e *rotatorEndpoint) env(region string) []string {
	override := map[string]string{
		"SECRETS_MANAGER_ENDPOINT":         e.url,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": e.url,
		"AWS_REGION":                       region,
		"AWS_DEFAULT_REGION":               region,
		"AWS_ACCESS_KEY_ID":                e.accessKeyID,
		"AWS_SECRET_ACCESS_KEY":            e.secretAccessKey,
	}
	// Credentials or a profile from the server's environment would win over
	// (or break) the key pair above in some SDKs.
	drop := map[string]bool{"AWS_SESSION_TOKEN": true, "AWS_SECURITY_TOKEN": true, "AWS_PROFILE": true, "AWS_DEFAULT_PROFILE": true}
	var env []string
	for _, kv := range e.environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, set := override[k]; !set && !drop[k] {
			env = append(env, kv)
		}
	}
	for _, k := range []string{"SECRETS_MANAGER_ENDPOINT", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		env = append(env, k+"="+override[k])
	}
	return env
}

// execRotator runs a program for each step, with the event on its standard
// input.
type execRotator struct {
	arn      string
	program  []string
	endpoint *rotatorEndpoint
}

// Rotate runs one step: it runs the program and waits for it to exit; ctx's
// end kills it.
func (r *execRotator) Rotate(ctx context.Context, _ *secretstore.Store, ev secretstore.RotationEvent) error {
	select {
	case <-r.endpoint.ready:
	case <-ctx.Done():
		return fmt.Errorf("rotation function %s: the server was not listening yet: %w", r.arn, ctx.Err())
	}
	region := secretstore.DefaultRegion
	if a, ok := arn.ParseSecret(ev.SecretId); ok {
		region = a.Region
	}
	cmd := exec.CommandContext(ctx, r.program[0], r.program[1:]...)
	cmd.Env = r.endpoint.env(region)
	cmd.Stdin = bytes.NewReader(eventJSON(ev))
	stderr := &tailBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	cmd.WaitDelay = execWaitDelay
	err := cmd.Run()
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("rotation function %s (%s) was killed: %w%s", r.arn, r.program[0], ctx.Err(), stderr.quote())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("rotation function %s (%s) failed: %s%s", r.arn, r.program[0], exit.ProcessState, stderr.quote())
	}
	return fmt.Errorf("rotation function %s: %w", r.arn, err)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

// Write keeps the end of what was written so far and p.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// quote returns ": stderr: " and the last lines written, joined by " | ",
// or "" when nothing was.
func (t *tailBuffer) quote() string {
	var lines []string
	for _, l := range strings.Split(strings.ToValidUTF8(string(t.b), "?"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	lines = lines[max(0, len(lines)-stderrTailLines):]
	tail := strings.Join(lines, " | ")
	if cut := len(tail) - maxErrorDetail; cut > 0 {
		for cut < len(tail) && !utf8.RuneStart(tail[cut]) {
			cut++
		}
		tail = "..." + tail[cut:]
	}
	return ": stderr: " + tail
}

// clip bounds s, a function's own text quoted in an error, to
// maxErrorDetail bytes.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= maxErrorDetail {
		return s
	}
	s = s[:maxErrorDetail]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// execs reports whether any rotator runs a program.
func (f *rotatorFlags) execs() bool {
	for _, s := range f.specs {
		if s.program != nil {
			return true
		}
	}
	return false
}

// rotationRoleName is the principal rotation functions act as when the
// server has principals but no unrestricted key.
const rotationRoleName = "secretstore-rotation"

// rotationCredentials returns a new random key for rotation functions,
// acting as the role arn:aws:iam::ACCOUNT:role/secretstore-rotation, which
// may call every Secrets Manager operation (a secret's resource policy can
// still deny it). The key lives as long as the server and is given only to
// the programs it runs.
func rotationCredentials(account string) (awsapi.Credentials, error) {
	doc := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}`)
	pol, err := policy.ParseIdentity(doc)
	if err != nil {
		return awsapi.Credentials{}, err
	}
	id, secret := make([]byte, 8), make([]byte, 30)
	rand.Read(id)
	rand.Read(secret)
	return awsapi.Credentials{
		AccessKeyID:     "ASIA" + strings.ToUpper(hex.EncodeToString(id)),
		SecretAccessKey: base64.RawURLEncoding.EncodeToString(secret),
		Principal: &secretstore.Principal{
			Arn:      "arn:aws:iam::" + account + ":role/" + rotationRoleName,
			Policies: []*policy.Policy{pol},
		},
	}, nil
}
