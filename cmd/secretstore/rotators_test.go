package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

const testRotatorARN = "arn:aws:lambda:us-east-1:123456789012:function:my-rotator"

var testEvent = secretstore.RotationEvent{
	Step:               secretstore.StepCreateSecret,
	SecretId:           "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf",
	ClientRequestToken: "11111111-2222-3333-4444-555555555555",
	RotationToken:      "11111111-2222-3333-4444-555555555555",
}

func TestParseRotatorSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    rotatorSpec
		wantErr string
	}{
		{in: testRotatorARN + "=http://127.0.0.1:9000" + rieInvocationsPath,
			want: rotatorSpec{arn: testRotatorARN, url: "http://127.0.0.1:9000" + rieInvocationsPath}},
		{in: "rotate=https://lambda.example/invoke?x=1",
			want: rotatorSpec{arn: "rotate", url: "https://lambda.example/invoke?x=1"}},
		{in: testRotatorARN + "=exec:python3 tests/rotation/rotator.py  --verbose",
			want: rotatorSpec{arn: testRotatorARN, program: []string{"python3", "tests/rotation/rotator.py", "--verbose"}}},
		{in: testRotatorARN, wantErr: "is not ARN=URL or ARN=exec:PROGRAM"},
		{in: "=http://x", wantErr: "is not ARN=URL or ARN=exec:PROGRAM"},
		{in: testRotatorARN + "=", wantErr: "is not ARN=URL or ARN=exec:PROGRAM"},
		{in: testRotatorARN + "=exec:", wantErr: `names no program after "exec:"`},
		{in: testRotatorARN + "=exec:   ", wantErr: `names no program after "exec:"`},
		{in: testRotatorARN + "=ftp://host/x", wantErr: "is neither an http:// or https:// URL nor exec:PROGRAM"},
		{in: testRotatorARN + "=localhost:9000", wantErr: "is neither an http:// or https:// URL nor exec:PROGRAM"},
		{in: testRotatorARN + "=http://", wantErr: "is neither"},
		{in: "my rotator=http://x", wantErr: "contains a space"},
		{in: strings.Repeat("a", maxRotationLambdaARN+1) + "=http://x", wantErr: "longer than 2048"},
	} {
		got, err := parseRotatorSpec(tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseRotatorSpec(%.60q) = %+v, %v; want an error with %q", tc.in, got, err, tc.wantErr)
			}
		case err != nil || got.arn != tc.want.arn || got.url != tc.want.url || !slices.Equal(got.program, tc.want.program):
			t.Errorf("parseRotatorSpec(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// TestServeRotatorFlagErrors checks that serve refuses wrong rotator flags
// with a usage error (exit status 2) before it opens anything.
func TestServeRotatorFlagErrors(t *testing.T) {
	t.Parallel()
	url := testRotatorARN + "=http://127.0.0.1:9000" + rieInvocationsPath
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"--rotator", testRotatorARN}, "is not ARN=URL or ARN=exec:PROGRAM"},
		{"not a URL", []string{"--rotator", testRotatorARN + "=tcp://x:1"}, "neither an http:// or https:// URL"},
		{"the same ARN twice", []string{"--rotator", url, "--rotator", testRotatorARN + "=exec:true"}, "is given twice"},
		{"a program that is not there", []string{"--rotator", testRotatorARN + "=exec:/no/such/rotator --x"}, "--rotator " + testRotatorARN + "=exec:/no/such/rotator --x"},
		{"a zero step timeout", []string{"--rotator", url, "--rotation-step-timeout", "0s"}, "--rotation-step-timeout must be positive"},
		{"a negative step timeout", []string{"--rotation-step-timeout", "-1m"}, "--rotation-step-timeout must be positive"},
		{"not a duration", []string{"--rotation-step-timeout", "soon"}, "rotation-step-timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, "", append([]string{"serve", "--memory", "--addr", "127.0.0.1:0"}, tc.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", r.code, r.stderr, exitUsage, tc.want)
			}
		})
	}
}

// TestURLRotator posts events to a fake Lambda runtime interface emulator
// and checks how each kind of answer is read.
func TestURLRotator(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		answer  func(w http.ResponseWriter, r *http.Request)
		expire  bool     // the step's time is up once the request has arrived
		wantErr []string // each in the error; nil: success
		never   []string // none of these in the error
	}{
		{name: "null: success", answer: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "null") }},
		{name: "a return value is not quoted", answer: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"password":"hunter2"}`) }},
		{name: "empty body", answer: func(w http.ResponseWriter, r *http.Request) {}},
		{name: "errorType: the function raised", answer: func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"errorMessage":"testSecret: cannot log in","errorType":"ValueError","requestId":"r","stackTrace":["  File \"x.py\", line 1, password='hunter2'"]}`)
		}, wantErr: []string{"rotation function " + testRotatorARN + " failed: ValueError: testSecret: cannot log in"}, never: []string{"hunter2", "stackTrace"}},
		{name: "X-Amz-Function-Error", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			io.WriteString(w, `"hunter2"`)
		}, wantErr: []string{"failed: Unhandled"}, never: []string{"hunter2"}},
		{name: "HTTP 502", answer: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "upstream said hunter2")
		}, wantErr: []string{"answered 502 Bad Gateway"}, never: []string{"hunter2"}},
		{name: "HTTP 404 with an errorType is the function's error", answer: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errorType":"ResourceNotFoundException","errorMessage":"Function not found"}`)
		}, wantErr: []string{"ResourceNotFoundException: Function not found"}},
		{name: "the step timeout cancels the request", answer: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, expire: true, wantErr: []string{"context deadline exceeded"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got rotationEvent
			var path, contentType string
			arrived := make(chan struct{})
			lambda := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				path, contentType = r.URL.Path, r.Header.Get("Content-Type")
				json.NewDecoder(r.Body).Decode(&got)
				mu.Unlock()
				close(arrived)
				tc.answer(w, r)
			}))
			defer lambda.Close()
			f := &rotatorFlags{stepTimeout: time.Minute}
			if err := f.Set(testRotatorARN + "=" + lambda.URL + rieInvocationsPath); err != nil {
				t.Fatal(err)
			}
			rotators, _ := f.rotators(nil, discardLog())
			var ctx context.Context = t.Context()
			if tc.expire {
				limit := newStepLimit(ctx)
				go func() { <-arrived; limit.expire() }()
				ctx = limit
			}
			err := rotators[testRotatorARN].Rotate(ctx, nil, testEvent)
			mu.Lock()
			defer mu.Unlock()
			if path != rieInvocationsPath || contentType != "application/json" || got != (rotationEvent{
				Step: testEvent.Step, SecretId: testEvent.SecretId, ClientRequestToken: testEvent.ClientRequestToken, RotationToken: testEvent.RotationToken,
			}) {
				t.Errorf("the function got %s (%s) %+v", path, contentType, got)
			}
			checkStepError(t, err, tc.wantErr, tc.never)
		})
	}
}

// stepLimit is a step's context whose time runs out when the test says
// (expire), as a deadline would: Err is then context.DeadlineExceeded.
type stepLimit struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newStepLimit(parent context.Context) *stepLimit {
	return &stepLimit{Context: parent, done: make(chan struct{})}
}

func (l *stepLimit) expire() { l.once.Do(func() { close(l.done) }) }

func (l *stepLimit) Done() <-chan struct{} { return l.done }

func (l *stepLimit) Err() error {
	select {
	case <-l.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestExecRotator runs programs as rotators: their event, environment,
// exit status, stderr and time limit.
func TestExecRotator(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the test programs are sh scripts")
	}
	for _, tc := range []struct {
		name      string
		script    string
		timeout   time.Duration
		expire    bool // the step's time is up once the program has made the file "started"
		wantErr   []string
		never     []string
		checkFile func(t *testing.T, dir string)
	}{
		{name: "exit 0 with the event on stdin and the server in the environment",
			script: `cat >"$1/event"; env >"$1/env"`,
			checkFile: func(t *testing.T, dir string) {
				event, _ := os.ReadFile(filepath.Join(dir, "event"))
				want := `{"Step":"createSecret","SecretId":"` + testEvent.SecretId + `","ClientRequestToken":"` + testEvent.ClientRequestToken + `","RotationToken":"` + testEvent.RotationToken + `"}`
				if string(event) != want {
					t.Errorf("stdin = %s\nwant    %s", event, want)
				}
				b, _ := os.ReadFile(filepath.Join(dir, "env"))
				env := strings.Split(strings.TrimSpace(string(b)), "\n")
				for _, kv := range []string{
					"SECRETS_MANAGER_ENDPOINT=http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:4566",
					"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", // the secret's region
					"AWS_ACCESS_KEY_ID=AKIDROTATOR", "AWS_SECRET_ACCESS_KEY=rotator-secret-key",
					"KEEP_ME=1",
				} {
					if !slices.Contains(env, kv) {
						t.Errorf("the environment has no %s:\n%s", kv, b)
					}
				}
				for _, kv := range env {
					if k, _, _ := strings.Cut(kv, "="); slices.Contains([]string{"AWS_PROFILE", "AWS_SESSION_TOKEN"}, k) || kv == "AWS_REGION=us-west-2" {
						t.Errorf("the environment kept %s", kv)
					}
				}
			}},
		{name: "a non-zero exit quotes the tail of stderr",
			script:  `echo "secret value on stdout"; for i in 1 2 3 4 5 6 7; do echo "line $i" >&2; done; exit 3`,
			wantErr: []string{"rotation function " + testRotatorARN + " (/bin/sh) failed: exit status 3: stderr: line 3 | line 4 | line 5 | line 6 | line 7"},
			never:   []string{"line 2", "secret value"}},
		{name: "silent failure", script: `exit 1`, wantErr: []string{"failed: exit status 1"}, never: []string{"stderr"}},
		{name: "a long stderr is cut", script: `head -c 3000 /dev/zero | tr '\0' x >&2; echo >&2; echo "Error: the end" >&2; exit 1`,
			wantErr: []string{"stderr: ...xxx", "| Error: the end"}},
		{name: "killed at the step timeout", script: `echo started >&2; : >"$1/started"; exec sleep 30`, expire: true,
			wantErr: []string{"was killed: context deadline exceeded: stderr: started"}},
		{name: "a child holding stderr open does not hang the step", script: `sleep 5 >&2 & wait`, timeout: 300 * time.Millisecond,
			wantErr: []string{"was killed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			script := filepath.Join(dir, "rotator.sh")
			if err := os.WriteFile(script, []byte(tc.script+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			f := &rotatorFlags{stepTimeout: time.Minute}
			if err := f.Set(testRotatorARN + "=exec:/bin/sh " + script + " " + dir); err != nil {
				t.Fatal(err)
			}
			if err := f.check(nil); err != nil {
				t.Fatal(err)
			}
			rotators, ep := f.rotators([]awsapi.Credentials{{AccessKeyID: "AKIDROTATOR", SecretAccessKey: "rotator-secret-key"}}, discardLog())
			ep.environ = func() []string {
				return []string{"PATH=" + os.Getenv("PATH"), "KEEP_ME=1", "AWS_PROFILE=prod", "AWS_SESSION_TOKEN=tok", "AWS_REGION=us-west-2"}
			}
			ep.listening("http://127.0.0.1:4566")
			var ctx context.Context = t.Context()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			if tc.expire {
				limit := newStepLimit(ctx)
				go func() {
					testutil.WaitDir(dir, 30*time.Second, func() bool { _, err := os.Stat(filepath.Join(dir, "started")); return err == nil })
					limit.expire()
				}()
				ctx = limit
			}
			start := time.Now()
			err := rotators[testRotatorARN].Rotate(ctx, nil, testEvent)
			if took := time.Since(start); took > execWaitDelay+3*time.Second {
				t.Errorf("the step took %v", took)
			}
			checkStepError(t, err, tc.wantErr, tc.never)
			if tc.checkFile != nil {
				tc.checkFile(t, dir)
			}
		})
	}
}

// TestExecRotatorWaitsForTheServer checks that a program does not run
// before the server listens, and that the step's end stops the wait.
func TestExecRotatorWaitsForTheServer(t *testing.T) {
	t.Parallel()
	f := &rotatorFlags{stepTimeout: time.Minute}
	if err := f.Set(testRotatorARN + "=exec:true"); err != nil {
		t.Fatal(err)
	}
	rotators, ep := f.rotators(nil, discardLog())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := rotators[testRotatorARN].Rotate(ctx, nil, testEvent); err == nil || !strings.Contains(err.Error(), "the server was not listening yet") {
		t.Errorf("before listening: %v", err)
	}
	ep.listening("http://127.0.0.1:4566")
	if err := rotators[testRotatorARN].Rotate(t.Context(), nil, testEvent); err != nil {
		t.Errorf("once listening: %v", err)
	}
}

// TestServeURLRotator runs serve with a rotator at a fake Lambda runtime
// interface emulator whose function rotates with the AWS SDK: a rotation
// that succeeds, and one whose testSecret raises.
func TestServeURLRotator(t *testing.T) {
	t.Parallel()
	var serverURL atomic.Pointer[string]
	var mu sync.Mutex
	steps := map[string][]string{} // by token
	lambda := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev rotationEvent
		if r.URL.Path != rieInvocationsPath || json.NewDecoder(r.Body).Decode(&ev) != nil {
			http.Error(w, "bad invocation", http.StatusBadRequest)
			return
		}
		mu.Lock()
		steps[ev.ClientRequestToken] = append(steps[ev.ClientRequestToken], ev.Step)
		mu.Unlock()
		if err := fakeLambdaStep(r.Context(), sdkClient(*serverURL.Load(), "test", "test"), ev); err != nil {
			json.NewEncoder(w).Encode(map[string]any{"errorType": "ValueError", "errorMessage": err.Error(), "stackTrace": []string{"x"}})
			return
		}
		io.WriteString(w, "null")
	}))
	defer lambda.Close()
	srv := startInProcess(t, nil, "--memory", "--rotator", testRotatorARN+"="+lambda.URL+rieInvocationsPath, "--rotation-step-timeout", "10s")
	serverURL.Store(&srv.URL)
	ctx := t.Context()
	sm := sdkClient(srv.URL, "test", "test")

	for _, tc := range []struct {
		name     string // the secret's; fakeLambdaStep fails testSecret for names starting with "fail"
		wantDone bool
	}{
		{"app/ok", true},
		{"fail/testsecret", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(tc.name), SecretString: aws.String("first value")})
			if err != nil {
				t.Fatal(err)
			}
			out, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(tc.name), RotationLambdaARN: aws.String(testRotatorARN)})
			if err != nil {
				t.Fatal(err)
			}
			token := aws.ToString(out.VersionId)
			if tc.wantDone {
				waitRotated(t, srv.log, sm, tc.name, token, "AWSCURRENT")
				got, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(tc.name)})
				if err != nil || aws.ToString(got.VersionId) != token || aws.ToString(got.SecretString) != "rotated "+token {
					t.Errorf("AWSCURRENT after the rotation: %+v, %v", got, err)
				}
				want := []string{"createSecret", "setSecret", "testSecret", "finishSecret"}
				mu.Lock()
				defer mu.Unlock()
				if !slices.Equal(steps[token], want) {
					t.Errorf("the function was called for %v, want %v", steps[token], want)
				}
				return
			}
			waitFor(t, srv.log, "version="+token+" err=")
			if !strings.Contains(srv.log.String(), "ValueError: testSecret failed") {
				t.Errorf("the log does not give the function's error:\n%s", srv.log)
			}
			d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(tc.name)})
			if err != nil || !slices.Equal(d.VersionIdsToStages[token], []string{"AWSPENDING"}) ||
				!slices.Equal(d.VersionIdsToStages[aws.ToString(created.VersionId)], []string{"AWSCURRENT"}) {
				t.Errorf("labels after a failed testSecret: %v, %v", d.VersionIdsToStages, err)
			}
		})
	}
	if strings.Contains(srv.log.String(), "rotated ") {
		t.Errorf("a secret value reached the log:\n%s", srv.log)
	}
}

// fakeLambdaStep is a rotation function in Go with the AWS SDK: the new
// value is "rotated TOKEN"; testSecret fails for secrets named fail*.
func fakeLambdaStep(ctx context.Context, sm *secretsmanager.Client, ev rotationEvent) error {
	switch ev.Step {
	case "createSecret":
		_, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(ev.SecretId),
			ClientRequestToken: aws.String(ev.ClientRequestToken), SecretString: aws.String("rotated " + ev.ClientRequestToken),
			VersionStages: []string{"AWSPENDING"}})
		return err
	case "testSecret":
		if strings.Contains(ev.SecretId, ":secret:fail") {
			return errors.New("testSecret failed: the new password is refused")
		}
	case "finishSecret":
		d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretId)})
		if err != nil {
			return err
		}
		in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(ev.SecretId), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(ev.ClientRequestToken)}
		for id, stages := range d.VersionIdsToStages {
			if slices.Contains(stages, "AWSCURRENT") {
				in.RemoveFromVersionId = aws.String(id)
			}
		}
		if _, err = sm.UpdateSecretVersionStage(ctx, in); err != nil {
			return err
		}
		_, err = sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(ev.SecretId),
			VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: aws.String(ev.ClientRequestToken)})
		return err
	}
	return nil
}

// goRotatorArg, as the first argument of this test binary, makes it a
// rotation function for exec rotators (goRotator): the tests whose subject
// is the server, not the function's language, run it rather than the
// Python one, which costs a second of CPU a step.
const goRotatorArg = "-secretstore-test-rotator"

// goRotator is a rotation function as a program: it reads the event on
// stdin and runs fakeLambdaStep against the server named in its
// environment, with the keys the server gives it (as a function written
// with an AWS SDK finds them). With ROTATOR_HANG_ONCE=FILE, setSecret, the
// first time only, writes its process id to FILE and then hangs for 30
// seconds, so a test can kill the server in the middle of a step. It
// returns the program's exit status.
func goRotator() int {
	var ev rotationEvent
	if err := json.NewDecoder(os.Stdin).Decode(&ev); err != nil {
		fmt.Fprintln(os.Stderr, "reading the event:", err)
		return 1
	}
	if f := os.Getenv("ROTATOR_HANG_ONCE"); f != "" && ev.Step == "setSecret" {
		if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			<-time.After(30 * time.Second) // a step that hangs: the test kills the server meanwhile
		}
	}
	sm := testutil.SDKClient(os.Getenv("SECRETS_MANAGER_ENDPOINT"), os.Getenv("AWS_REGION"),
		testutil.WithCredentials(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""))
	if err := fakeLambdaStep(context.Background(), sm, ev); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", ev.Step, err)
		return 1
	}
	return 0
}

// TestServeExecRotatorPython runs serve, checking signatures, with the
// Python rotation function of tests/rotation (boto3, AWS's template) as an
// exec rotator: a rotation, whose new AWSCURRENT the AWS CLI reads. (A
// step that fails: TestServeExecRotatorStepFails.)
func TestServeExecRotatorPython(t *testing.T) {
	t.Parallel()
	python, script := pythonRotator(t)
	awsCLI := newAWSCLI(t)
	ctx := t.Context()
	const akid, secret = "AKIDROTATION", "rotation-secret-access-key"
	const first = `{"username":"app","password":"first-password-0123456789"}`
	srv := startProcess(t, nil, "--memory", "--quiet", "--access-key-id", akid, "--secret-access-key", secret,
		"--rotator", testRotatorARN+"=exec:"+python+" "+script, "--rotation-step-timeout", "30s")
	sm := sdkClient(srv.URL, akid, secret)
	out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String(first)})
	if err != nil {
		t.Fatal(err)
	}
	created := aws.ToString(out.VersionId)
	rotated, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("app/db"), RotationLambdaARN: aws.String(testRotatorARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}})
	if err != nil {
		t.Fatal(err)
	}
	token := aws.ToString(rotated.VersionId)
	waitRotated(t, srv.log, sm, "app/db", token, "AWSCURRENT")
	cliOut, err := runAWSCLI(awsCLI, srv.URL, akid, secret, "get-secret-value", "--secret-id", "app/db")
	if err != nil {
		t.Fatalf("aws secretsmanager get-secret-value: %v\n%s\nserver log:\n%s", err, cliOut, srv.log)
	}
	var got struct{ VersionId, SecretString string }
	if err := json.Unmarshal([]byte(cliOut), &got); err != nil {
		t.Fatalf("aws secretsmanager get-secret-value printed %q", cliOut)
	}
	var value map[string]string
	json.Unmarshal([]byte(got.SecretString), &value)
	if got.VersionId != token || value["username"] != "app" || len(value["password"]) != 32 || value["password"] == "first-password-0123456789" {
		t.Fatalf("AWSCURRENT after the rotation: version %v, value with username %q and a password of %d characters", got.VersionId, value["username"], len(value["password"]))
	}
	d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/db")})
	if err != nil || !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != testRotatorARN || d.LastRotatedDate == nil || d.NextRotationDate == nil ||
		d.RotationRules == nil || aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != 30 {
		t.Errorf("DescribeSecret after the rotation: %+v, %v", d, err)
	} else if !slices.Equal(d.VersionIdsToStages[created], []string{"AWSPREVIOUS"}) {
		t.Errorf("labels after the rotation: %v", d.VersionIdsToStages)
	}
	for _, v := range []string{"first-password-0123456789", value["password"]} {
		if strings.Contains(srv.log.String(), v) {
			t.Errorf("a secret value reached the server's log:\n%s", srv.log)
		}
	}
}

// TestServeExecRotatorStepFails runs serve with an exec rotator (the Go
// one) whose testSecret fails, as TestServeExecRotatorPython runs AWS's
// template: AWSCURRENT stays, the new version keeps AWSPENDING, the log
// quotes the function's stderr, and a new rotation is refused until that
// one is done. (The Python template's failing step makes no call the
// rotation that succeeds does not, so the Go function costs a fraction of
// its CPU for the same check of the server.)
func TestServeExecRotatorStepFails(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := startProcess(t, nil, "--memory", "--quiet", "--rotator", testRotatorARN+"=exec:"+binary+" "+goRotatorArg, "--rotation-step-timeout", "30s")
	sm := sdkClient(srv.URL, "test", "test")
	const first = "first-password-0123456789"
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("fail/db"), SecretString: aws.String(first)})
	if err != nil {
		t.Fatal(err)
	}
	failed, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("fail/db"), RotationLambdaARN: aws.String(testRotatorARN)})
	if err != nil {
		t.Fatal(err)
	}
	token := aws.ToString(failed.VersionId)
	waitFor(t, srv.log, "version="+token+" err=")
	if !strings.Contains(srv.log.String(), "testSecret: testSecret failed: the new password is refused") {
		t.Errorf("the log does not quote the function's stderr:\n%s", srv.log)
	}
	if cur, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("fail/db")}); err != nil ||
		aws.ToString(cur.VersionId) != aws.ToString(created.VersionId) || aws.ToString(cur.SecretString) != first {
		t.Errorf("AWSCURRENT after the failed rotation: %v", err)
	}
	pending, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("fail/db"), VersionStage: aws.String("AWSPENDING")})
	if err != nil || aws.ToString(pending.VersionId) != token || !slices.Equal(pending.VersionStages, []string{"AWSPENDING"}) || aws.ToString(pending.SecretString) != "rotated "+token {
		t.Errorf("AWSPENDING after the failed rotation: %+v, %v; want version %s", pending, err, token)
	}
	var ire *types.InvalidRequestException
	if _, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("fail/db")}); !errors.As(err, &ire) ||
		!strings.Contains(err.Error(), "A previous rotation isn't complete. That rotation will be reattempted.") {
		t.Errorf("RotateSecret during the failed rotation: %v", err)
	}
	if strings.Contains(srv.log.String(), first) || strings.Contains(srv.log.String(), "rotated "+token) {
		t.Errorf("a secret value reached the server's log:\n%s", srv.log)
	}
}

// TestServeRotationSurvivesKill9 kills the server (SIGKILL) while the
// rotation function (goRotator) hangs in setSecret, and starts it again:
// the rotation is taken up at once and completes with the value
// createSecret put before the kill; no version is lost.
func TestServeRotationSurvivesKill9(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	marker := filepath.Join(t.TempDir(), "in-setSecret")
	env := []string{masterKeyEnv + "=" + testKeyB64, "ROTATOR_HANG_ONCE=" + marker}
	args := []string{"--data", data, "--quiet", "--rotator", testRotatorARN + "=exec:" + binary + " " + goRotatorArg}
	srv := startProcess(t, env, args...)
	ctx := t.Context()
	sm := sdkClient(srv.URL, "test", "test")
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("first-password-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("app/db"), RotationLambdaARN: aws.String(testRotatorARN)})
	if err != nil {
		t.Fatal(err)
	}
	token := aws.ToString(out.VersionId)
	var pid []byte
	if !testutil.WaitDir(filepath.Dir(marker), 30*time.Second, func() bool { pid, _ = os.ReadFile(marker); return len(pid) > 0 }) {
		t.Fatalf("the rotation function never reached setSecret:\n%s", srv.log)
	}
	pending, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPENDING")})
	if err != nil || aws.ToString(pending.VersionId) != token {
		t.Fatalf("AWSPENDING during setSecret: %+v, %v", pending, err)
	}
	srv.kill()
	if n, err := strconv.Atoi(string(pid)); err == nil { // the function, orphaned by the kill
		if p, err := os.FindProcess(n); err == nil {
			p.Kill()
		}
	}

	srv = startProcess(t, env, args...)
	sm = sdkClient(srv.URL, "test", "test")
	waitRotated(t, srv.log, sm, "app/db", token, "AWSCURRENT")
	cur, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
	if err != nil || aws.ToString(cur.VersionId) != token || aws.ToString(cur.SecretString) != aws.ToString(pending.SecretString) {
		t.Errorf("AWSCURRENT after the restart is version %s (%v); want %s with the value createSecret put before the kill", aws.ToString(cur.VersionId), err, token)
	}
	versions, err := sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("app/db"), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string][]string{}
	for _, v := range versions.Versions {
		stages[aws.ToString(v.VersionId)] = v.VersionStages
	}
	if len(stages) != 2 || !slices.Equal(stages[token], []string{"AWSCURRENT"}) || !slices.Equal(stages[aws.ToString(created.VersionId)], []string{"AWSPREVIOUS"}) {
		t.Errorf("versions after the restart: %v", stages)
	}
	previous, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(previous.SecretString) != "first-password-0123456789" {
		t.Errorf("AWSPREVIOUS after the restart: %v", err)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// checkStepError checks a step's error: nil when want is empty, else an
// error holding each of want and none of never.
func checkStepError(t *testing.T, err error, want, never []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Errorf("the step failed: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("the step succeeded; want an error with %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\nhas no %q", err, w)
		}
	}
	for _, n := range never {
		if strings.Contains(err.Error(), n) {
			t.Errorf("error %q\nquotes %q", err, n)
		}
	}
}

// waitRotated waits until the server whose log is log says the rotation
// to version id succeeded, and then checks that version id of secret name
// has exactly the given labels.
func waitRotated(t *testing.T, log *syncBuffer, sm *secretsmanager.Client, name, id string, stages ...string) {
	t.Helper()
	if log.await(regexp.MustCompile(`msg="rotation succeeded" .*version=`+regexp.QuoteMeta(id)), nil, 30*time.Second) == nil {
		t.Fatalf("the rotation to version %s of %s never succeeded:\n%s", id, name, log)
	}
	d, err := sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.VersionIdsToStages[id], stages) {
		t.Fatalf("version %s of %s has the labels %v after its rotation, want %v", id, name, d.VersionIdsToStages, stages)
	}
}

// pythonRotator returns the Python interpreter (its real path, not a
// pyenv shim, which needs the user's HOME) and the path of
// tests/rotation/rotator.py, or skips the test when python3 or boto3 is
// missing: the Python rotation function cannot run.
func pythonRotator(t *testing.T) (python, script string) {
	t.Helper()
	python = testutil.Python(t, "boto3")
	script, err := filepath.Abs(filepath.Join("..", "..", "tests", "rotation", "rotator.py"))
	if err != nil {
		t.Fatal(err)
	}
	return python, script
}

// runAWSCLI runs "aws secretsmanager ARGS..." against the server at url in
// us-east-1, signing with the given keys; it returns the output (stdout,
// then stderr).
func runAWSCLI(cli *testutil.AWSCLI, url, accessKeyID, secretAccessKey string, args ...string) (string, error) {
	stdout, stderr, code, err := cli.Run([]string{"AWS_ACCESS_KEY_ID=" + accessKeyID, "AWS_SECRET_ACCESS_KEY=" + secretAccessKey},
		append([]string{"--endpoint-url", url, "--region", "us-east-1", "secretsmanager"}, args...)...)
	if err == nil && code != 0 {
		err = fmt.Errorf("exit status %d", code)
	}
	return stdout + stderr, err
}

// TestServeExecRotatorWithPrincipalsOnly: a server with principals and no
// unrestricted key gives rotation functions a key of their own (the
// secretstore-rotation role), so a rotation completes.
func TestServeExecRotatorWithPrincipalsOnly(t *testing.T) {
	t.Parallel()
	const akid, secret = "AKIAAPPEXAMPLE", "app-secret-access-key"
	file := writePrincipals(t, `{"Principals": [{"AccessKeyId": "`+akid+`", "SecretAccessKey": "`+secret+`",
		"Arn": "arn:aws:iam::123456789012:user/admin",
		"Policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}]}]}`)
	srv := startProcess(t, nil, "--memory", "--quiet", "--principals", file,
		"--rotator", testRotatorARN+"=exec:"+binary+" "+goRotatorArg, "--rotation-step-timeout", "30s")
	ctx := t.Context()
	sm := sdkClient(srv.URL, akid, secret)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("first-password")}); err != nil {
		t.Fatal(err)
	}
	rotated, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("app/db"), RotationLambdaARN: aws.String(testRotatorARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}})
	if err != nil {
		t.Fatal(err)
	}
	waitRotated(t, srv.log, sm, "app/db", aws.ToString(rotated.VersionId), "AWSCURRENT")
	if strings.Contains(srv.log.String(), "UnrecognizedClient") {
		t.Errorf("the rotation function's key was refused:\n%s", srv.log)
	}
}

func TestRotationCredentials(t *testing.T) {
	t.Parallel()
	a, err := rotationCredentials("123456789012")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := rotationCredentials("123456789012")
	if a.AccessKeyID == b.AccessKeyID || a.SecretAccessKey == b.SecretAccessKey || len(a.SecretAccessKey) < 32 {
		t.Errorf("keys are not random: %q %q", a.AccessKeyID, b.AccessKeyID)
	}
	if a.Principal == nil || a.Principal.Arn != "arn:aws:iam::123456789012:role/secretstore-rotation" || len(a.Principal.Policies) != 1 {
		t.Errorf("principal = %+v", a.Principal)
	}
}
