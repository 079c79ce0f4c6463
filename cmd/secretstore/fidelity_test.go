package main

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// TestServeSTSWithPrincipals: serve --principals answers STS's
// GetCallerIdentity on its own port with the identity of the key that
// signed: each principal's ARN and account, and the account root for the
// --access-key-id key, which has no principal.
func TestServeSTSWithPrincipals(t *testing.T) {
	t.Parallel()
	file := writePrincipals(t, testPrincipals)
	srv := startInProcess(t, nil, "--memory", "--quiet", "--principals", file, "--access-key-id", adminKey, "--secret-access-key", adminSecret)
	for _, tc := range []struct{ key, secret, arn string }{
		{appKey, appSecret, appArn},
		{payerKey, payerSecret, payerArn},
		{adminKey, adminSecret, "arn:aws:iam::123456789012:root"},
	} {
		c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider(tc.key, tc.secret, "")})
		out, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity with %s: %v", tc.key, err)
		}
		if aws.ToString(out.Arn) != tc.arn || aws.ToString(out.Account) != "123456789012" || aws.ToString(out.UserId) == "" {
			t.Errorf("GetCallerIdentity with %s = %s %s %s; want %s", tc.key, aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId), tc.arn)
		}
	}
}

// TestServeExtraRegions: serve refuses a replica region that is not an AWS
// Region, and --extra-regions adds one.
func TestServeExtraRegions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{nil, false},
		{[]string{"--extra-regions", "mars-north-9, venus-east-2"}, true},
	} {
		srv := startInProcess(t, nil, append([]string{"--memory", "--quiet"}, tc.args...)...)
		c := sdkClient(srv.URL, "AKID", "SECRET")
		if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("db"),
			AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("mars-north-9")}}})
		var api smithy.APIError
		if tc.ok && err != nil || !tc.ok && (!errors.As(err, &api) || api.ErrorCode() != "InvalidParameterException") {
			t.Errorf("serve %v: ReplicateSecretToRegions to mars-north-9: %v", tc.args, err)
		}
	}
	if r := runCLI(t, nil, "", "serve", "--addr", "127.0.0.1:0", "--memory", "--extra-regions", "Mars"); r.code == 0 || !strings.Contains(r.stderr, "--extra-regions") {
		t.Errorf("serve --extra-regions Mars: exit %d, %s", r.code, r.stderr)
	}
}

// TestPolicySimulateDeleteSecretKeys: policy simulate decides DeleteSecret
// under its condition keys as the server does: with no --context the
// request is the server's for a DeleteSecret that sets neither member
// (ForceDeleteWithoutRecovery "false", no RecoveryWindowInDays), and
// --context sets the members a call would send.
func TestPolicySimulateDeleteSecretKeys(t *testing.T) {
	t.Parallel()
	const (
		guardKey, guardSecret = "AKIAGUARDEXAMPLE", "guard-secret-key"
		guardArn              = "arn:aws:iam::123456789012:user/guard"
		keepKey, keepSecret   = "AKIAKEEPEXAMPLE", "keep-secret-key"
		keepArn               = "arn:aws:iam::123456789012:user/keep"
	)
	file := writePrincipals(t, `{"Principals": [
  {"AccessKeyId": "`+guardKey+`", "SecretAccessKey": "`+guardSecret+`", "Arn": "`+guardArn+`",
   "Policies": [{"Version": "2012-10-17", "Statement": [
     {"Sid": "Delete", "Effect": "Allow", "Action": ["secretsmanager:DeleteSecret", "secretsmanager:CreateSecret"], "Resource": "*"},
     {"Sid": "NoForce", "Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*",
      "Condition": {"Bool": {"secretsmanager:ForceDeleteWithoutRecovery": "true"}}}]}]},
  {"AccessKeyId": "`+keepKey+`", "SecretAccessKey": "`+keepSecret+`", "Arn": "`+keepArn+`",
   "Policies": [{"Version": "2012-10-17", "Statement": [
     {"Sid": "LongWindow", "Effect": "Allow", "Action": "secretsmanager:DeleteSecret", "Resource": "*",
      "Condition": {"NumericGreaterThanEquals": {"secretsmanager:RecoveryWindowInDays": "14"}}},
     {"Sid": "Create", "Effect": "Allow", "Action": "secretsmanager:CreateSecret", "Resource": "*"}]}]}
]}`)
	srv := startInProcess(t, nil, "--memory", "--quiet", "--principals", file)
	ctx := t.Context()
	cases := []struct {
		name, key, secret string
		context           []string
		in                secretsmanager.DeleteSecretInput
		decision          string
	}{
		{"no member set", guardKey, guardSecret, nil, secretsmanager.DeleteSecretInput{}, "allowed"},
		{"forced", guardKey, guardSecret, []string{"secretsmanager:ForceDeleteWithoutRecovery=true"}, secretsmanager.DeleteSecretInput{ForceDeleteWithoutRecovery: aws.Bool(true)}, "explicitDeny"},
		{"a window of 14 days", keepKey, keepSecret, []string{"secretsmanager:RecoveryWindowInDays=14"}, secretsmanager.DeleteSecretInput{RecoveryWindowInDays: aws.Int64(14)}, "allowed"},
		{"a window of 7 days", keepKey, keepSecret, []string{"secretsmanager:RecoveryWindowInDays=7"}, secretsmanager.DeleteSecretInput{RecoveryWindowInDays: aws.Int64(7)}, "implicitDeny"},
		{"the default window", keepKey, keepSecret, nil, secretsmanager.DeleteSecretInput{}, "implicitDeny"},
	}
	for i, tc := range cases {
		name := "del-" + strconv.Itoa(i)
		args := []string{"policy", "simulate", "--principals", file, "--access-key-id", tc.key, "--action", "secretsmanager:DeleteSecret", "--secret", name, "--json"}
		for _, c := range tc.context {
			args = append(args, "--context", c)
		}
		var sim Simulation
		if out := mustRun(t, nil, "", args...); json.Unmarshal([]byte(out), &sim) != nil || sim.EvalDecision != tc.decision {
			t.Errorf("%s: simulate decides %q; want %s\n%s", tc.name, sim.EvalDecision, tc.decision, out)
		}
		c := sdkClient(srv.URL, tc.key, tc.secret)
		if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
		in := tc.in
		in.SecretId = aws.String(name)
		_, err := c.DeleteSecret(ctx, &in)
		var api smithy.APIError
		if denied := errors.As(err, &api) && api.ErrorCode() == "AccessDeniedException"; denied != (tc.decision != "allowed") || !denied && err != nil {
			t.Errorf("%s: the server answers %v; simulate %s", tc.name, err, tc.decision)
		}
	}
}

// TestServeSTSAWSCLI: the AWS CLI's `aws sts get-caller-identity`, pointed
// at the server, prints the signing principal; another STS command gets
// STS's InvalidAction, which the CLI reads.
func TestServeSTSAWSCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	cli := newAWSCLI(t)
	file := writePrincipals(t, testPrincipals)
	srv := startInProcess(t, nil, "--memory", "--quiet", "--principals", file)
	keys := []string{"AWS_ACCESS_KEY_ID=" + appKey, "AWS_SECRET_ACCESS_KEY=" + appSecret}
	stdout, stderr, code, err := cli.Run(keys, "--endpoint-url", srv.URL, "--output", "json", "sts", "get-caller-identity")
	if err != nil {
		t.Fatal(err)
	}
	var id struct{ UserId, Account, Arn string }
	if code != 0 || json.Unmarshal([]byte(stdout), &id) != nil || id.Arn != appArn || id.Account != "123456789012" || !strings.HasPrefix(id.UserId, "AIDA") {
		t.Errorf("aws sts get-caller-identity: exit %d\n%s%s", code, stdout, stderr)
	}
	_, stderr, code, err = cli.Run(keys, "--endpoint-url", srv.URL, "sts", "get-session-token")
	if err != nil {
		t.Fatal(err)
	}
	if code == 0 || !strings.Contains(stderr, "(InvalidAction)") {
		t.Errorf("aws sts get-session-token: exit %d; want InvalidAction in\n%s", code, stderr)
	}
}
