package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// The principals of the access-control tests, in the account the server
// uses by default.
const (
	adminKey, adminSecret     = "AKIAADMINEXAMPLE", "admin-secret-key"
	appKey, appSecret         = "AKIAAPPEXAMPLE", "app-secret-key"
	payerKey, payerSecret     = "AKIAPAYEREXAMPLE", "payer-secret-key"
	partnerKey, partnerSecret = "AKIAPARTNEREXAMPLE", "partner-secret-key"

	appArn     = "arn:aws:iam::123456789012:user/app"
	payerArn   = "arn:aws:iam::123456789012:user/payer"
	partnerArn = "arn:aws:iam::123456789012:user/partner"
	secretArns = "arn:aws:secretsmanager:*:123456789012:secret:"
)

// testPrincipals is a principals file: app may read prod/app/* but not
// prod/app/blocked (an explicit Deny in its second policy); payer may list
// and batch-read, and do anything to a secret tagged with its own team
// (a tag condition with a policy variable); partner has no policy of its
// own, and reads shared/db through that secret's resource policy.
var testPrincipals = `{"Principals": [
  {"AccessKeyId": "` + appKey + `", "SecretAccessKey": "` + appSecret + `", "Arn": "` + appArn + `",
   "Policies": [
     {"Version": "2012-10-17", "Statement": [{"Sid": "ReadApp", "Effect": "Allow",
       "Action": "secretsmanager:GetSecretValue", "Resource": "` + secretArns + `prod/app/*"}]},
     {"Version": "2012-10-17", "Statement": {"Sid": "NoBlocked", "Effect": "Deny",
       "Action": "secretsmanager:*", "Resource": "` + secretArns + `prod/app/blocked-*"}}]},
  {"AccessKeyId": "` + payerKey + `", "SecretAccessKey": "` + payerSecret + `", "Arn": "` + payerArn + `",
   "Tags": {"team": "payments"},
   "Policies": [{"Version": "2012-10-17", "Statement": [
     {"Sid": "List", "Effect": "Allow", "Action": ["secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"], "Resource": "*"},
     {"Sid": "OwnTeam", "Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*",
      "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}}}]}]},
  {"AccessKeyId": "` + partnerKey + `", "SecretAccessKey": "` + partnerSecret + `", "Arn": "` + partnerArn + `"}
]}`

// Resource policies of the test secrets.
const (
	noDeletePolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`
	partnerPolicy  = `{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"` + partnerArn + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
)

// writePrincipals writes a principals file of mode 0600 and returns its
// path.
func writePrincipals(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "principals.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedAccessSecrets creates the secrets of the access-control tests through
// the unrestricted key.
func seedAccessSecrets(t *testing.T, admin *secretsmanager.Client) {
	t.Helper()
	ctx := t.Context()
	for _, s := range []struct{ name, value, team, policy string }{
		{"prod/app/db", "app db", "core", ""},
		{"prod/app/blocked", "blocked", "core", ""},
		{"prod/pay/db", "pay db", "payments", noDeletePolicy},
		{"shared/db", "shared", "", partnerPolicy},
	} {
		in := &secretsmanager.CreateSecretInput{Name: aws.String(s.name), SecretString: aws.String(s.value)}
		if s.team != "" {
			in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String(s.team)}}
		}
		if _, err := admin.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
		if s.policy != "" {
			if _, err := admin.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(s.name), ResourcePolicy: aws.String(s.policy)}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// storeSnapshot returns, through the unrestricted client, everything the
// API shows of the store: every secret's description (but the day it was
// last read, which the snapshot itself sets), every version's value and
// the resource policies.
func storeSnapshot(t *testing.T, admin *secretsmanager.Client) string {
	t.Helper()
	ctx := context.Background() // also after the test, in a cleanup
	var b strings.Builder
	list, err := admin.ListSecrets(ctx, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.SecretList {
		id := s.ARN
		d, err := admin.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: id})
		if err != nil {
			t.Fatal(err)
		}
		d.LastAccessedDate = nil
		j, _ := json.Marshal(d)
		b.Write(j)
		vs, err := admin.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: id, IncludeDeprecated: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs.Versions {
			out, err := admin.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: id, VersionId: v.VersionId})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "\n%s %v %q", aws.ToString(v.VersionId), v.VersionStages, aws.ToString(out.SecretString))
		}
		rp, err := admin.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: id})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\npolicy %q\n", aws.ToString(rp.ResourcePolicy))
	}
	return b.String()
}

// apiError returns the AWS error code and message of an SDK error, and the
// HTTP status it came with.
func apiError(err error) (code, message string, status int) {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return "", fmt.Sprint(err), 0
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return api.ErrorCode(), api.ErrorMessage(), status
}

// TestServePrincipalsSDK drives serve --principals with the AWS SDK for Go
// v2: each principal is allowed what its policies and the secrets'
// resource policies allow and denied the rest with AWS's
// AccessDeniedException, and no denied call changes the store.
func TestServePrincipalsSDK(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	file := writePrincipals(t, testPrincipals)
	srv := startInProcess(t, map[string]string{masterKeyEnv: testKeyB64}, "--memory", "--quiet", "--principals", file, "--access-key-id", adminKey, "--secret-access-key", adminSecret) // a key: backups of a throwaway one are refused
	admin := sdkClient(srv.URL, adminKey, adminSecret)
	seedAccessSecrets(t, admin)
	clients := map[string]*secretsmanager.Client{
		appKey:     sdkClient(srv.URL, appKey, appSecret),
		payerKey:   sdkClient(srv.URL, payerKey, payerSecret),
		partnerKey: sdkClient(srv.URL, partnerKey, partnerSecret),
	}
	arns := map[string]string{appKey: appArn, payerKey: payerArn, partnerKey: partnerArn}

	get := func(id string) func(*secretsmanager.Client) (string, error) {
		return func(c *secretsmanager.Client) (string, error) {
			out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.SecretString), nil
		}
	}
	describe := func(id string) func(*secretsmanager.Client) (string, error) {
		return func(c *secretsmanager.Client) (string, error) {
			out, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Name), nil
		}
	}
	call := func(f func(c *secretsmanager.Client) error) func(*secretsmanager.Client) (string, error) {
		return func(c *secretsmanager.Client) (string, error) { return "", f(c) }
	}
	const appDB = "prod/app/db"
	// Every case runs between two snapshots of the store: only reads are
	// allowed, and the denied writes must change nothing.
	cases := []struct {
		name string
		key  string
		call func(*secretsmanager.Client) (string, error)
		want string // the result when allowed
		deny string // the action denied; "" when allowed
		how  string // how the denial message ends
		code string // another error expected, such as ResourceNotFoundException
	}{
		{name: "app reads its secret", key: appKey, call: get(appDB), want: "app db"},
		{name: "app reads it by ARN prefix", key: appKey, call: get("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db"), want: "app db"},
		{name: "app: another team's secret", key: appKey, call: get("prod/pay/db"), deny: "GetSecretValue", how: "because no identity-based policy allows the secretsmanager:GetSecretValue action"},
		{name: "app: an explicit Deny beats its Allow", key: appKey, call: get("prod/app/blocked"), deny: "GetSecretValue", how: "with an explicit deny in an identity-based policy"},
		{name: "app: DescribeSecret", key: appKey, call: describe(appDB), deny: "DescribeSecret"},
		{name: "app: ListSecrets", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
			return err
		}), deny: "ListSecrets"},
		{name: "app: BatchGetSecretValue", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{appDB}})
			return err
		}), deny: "BatchGetSecretValue"},
		{name: "app: GetRandomPassword", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{})
			return err
		}), deny: "GetRandomPassword"},
		{name: "app: PutSecretValue", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(appDB), SecretString: aws.String("changed")})
			return err
		}), deny: "PutSecretValue"},
		{name: "app: CreateSecret", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/app/new"), SecretString: aws.String("v")})
			return err
		}), deny: "CreateSecret"},
		{name: "app: UpdateSecret", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String(appDB), Description: aws.String("changed")})
			return err
		}), deny: "UpdateSecret"},
		{name: "app: TagResource", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(appDB), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}})
			return err
		}), deny: "TagResource"},
		{name: "app: UntagResource", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String(appDB), TagKeys: []string{"team"}})
			return err
		}), deny: "UntagResource"},
		{name: "app: DeleteSecret", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(appDB), ForceDeleteWithoutRecovery: aws.Bool(true)})
			return err
		}), deny: "DeleteSecret"},
		{name: "app: PutResourcePolicy", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(appDB), ResourcePolicy: aws.String(partnerPolicy)})
			return err
		}), deny: "PutResourcePolicy"},
		{name: "app: DeleteResourcePolicy", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String("shared/db")})
			return err
		}), deny: "DeleteResourcePolicy"},
		{name: "app: UpdateSecretVersionStage", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(appDB), VersionStage: aws.String("AWSCURRENT"), RemoveFromVersionId: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}), deny: "UpdateSecretVersionStage"},
		{name: "app: ReplicateSecretToRegions", key: appKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String(appDB), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}})
			return err
		}), deny: "ReplicateSecretToRegions"},
		{name: "app: a missing name it may read", key: appKey, call: get("prod/app/missing"), code: "ResourceNotFoundException"},

		{name: "payer reads by its tag", key: payerKey, call: get("prod/pay/db"), want: "pay db"},
		{name: "payer describes by its tag", key: payerKey, call: describe("prod/pay/db"), want: "prod/pay/db"},
		{name: "payer: another tag", key: payerKey, call: get(appDB), deny: "GetSecretValue"},
		{name: "payer: no tag", key: payerKey, call: describe("shared/db"), deny: "DescribeSecret"},
		{name: "payer: the resource policy's Deny beats its Allow", key: payerKey, call: call(func(c *secretsmanager.Client) error {
			_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("prod/pay/db")})
			return err
		}), deny: "DeleteSecret", how: "with an explicit deny in a resource-based policy"},
		{name: "payer lists what it may describe", key: payerKey, call: func(c *secretsmanager.Client) (string, error) {
			out, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
			if err != nil {
				return "", err
			}
			var names []string
			for _, s := range out.SecretList {
				names = append(names, aws.ToString(s.Name))
			}
			return strings.Join(names, ","), nil
		}, want: "prod/pay/db"},
		{name: "payer's batch lists denied secrets in Errors", key: payerKey, call: func(c *secretsmanager.Client) (string, error) {
			out, err := c.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"prod/pay/db", appDB, "shared/db"}})
			if err != nil {
				return "", err
			}
			var got []string
			for _, v := range out.SecretValues {
				got = append(got, aws.ToString(v.Name)+"="+aws.ToString(v.SecretString))
			}
			for _, e := range out.Errors {
				got = append(got, aws.ToString(e.SecretId)+":"+aws.ToString(e.ErrorCode))
			}
			sort.Strings(got)
			return strings.Join(got, " "), nil
		}, want: "prod/app/db:AccessDeniedException prod/pay/db=pay db shared/db:AccessDeniedException"},

		{name: "partner reads through the resource policy", key: partnerKey, call: get("shared/db"), want: "shared"},
		{name: "partner: not granted DescribeSecret", key: partnerKey, call: describe("shared/db"), deny: "DescribeSecret"},
		{name: "partner: an existing secret", key: partnerKey, call: get(appDB), deny: "GetSecretValue"},
		{name: "partner: a missing secret is denied too", key: partnerKey, call: get("prod/app/missing"), deny: "GetSecretValue"},
		{name: "partner: a missing ARN is denied too", key: partnerKey, call: describe("arn:aws:secretsmanager:us-east-1:123456789012:secret:nowhere-AbCdEf"), deny: "DescribeSecret"},
	}
	before := storeSnapshot(t, admin)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call(clients[tc.key])
			code, msg, status := apiError(err)
			switch {
			case tc.code != "":
				if code != tc.code {
					t.Errorf("got %q, %v; want %s", got, err, tc.code)
				}
			case tc.deny != "":
				want := "User: " + arns[tc.key] + " is not authorized to perform: secretsmanager:" + tc.deny
				if code != "AccessDeniedException" || status != http.StatusBadRequest || !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, tc.how) {
					t.Errorf("got %q, %v (status %d); want HTTP 400 AccessDeniedException %q...%q", got, err, status, want, tc.how)
				}
			case err != nil || got != tc.want:
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if after := storeSnapshot(t, admin); after != before {
		t.Errorf("the denied calls changed the store:\nbefore %s\nafter  %s", before, after)
	}

	// The wire refuses what is not signed by a listed key, with AWS's
	// errors; a principal may not fetch a backup.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"SecretId":"prod/app/db"}`))
	req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"__type":"MissingAuthenticationTokenException"`) {
		t.Errorf("unsigned request: %d %s", resp.StatusCode, body)
	}
	for _, tc := range []struct{ key, secret, code string }{
		{"AKIAUNKNOWNEXAMPLE", "whatever", "UnrecognizedClientException"},
		{appKey, "not-the-secret-key", "InvalidSignatureException"},
	} {
		_, err := get(appDB)(sdkClient(srv.URL, tc.key, tc.secret))
		if code, _, status := apiError(err); code != tc.code || status != http.StatusBadRequest {
			t.Errorf("signed by %s: %v; want %s", tc.key, err, tc.code)
		}
	}
	backup := filepath.Join(t.TempDir(), "backup")
	if r := runCLI(t, nil, "", "backup", backup, "--endpoint-url", srv.URL, "--access-key-id", appKey, "--secret-access-key", appSecret); r.code != exitError || !strings.Contains(r.stderr, "403") {
		t.Errorf("backup signed by a principal: exit %d, %s", r.code, r.stderr)
	}
	mustRun(t, nil, "", "backup", backup, "--endpoint-url", srv.URL, "--access-key-id", adminKey, "--secret-access-key", adminSecret)
	if after := storeSnapshot(t, admin); after != before {
		t.Errorf("the refused requests changed the store")
	}
	// No secret key is ever logged.
	for _, s := range []string{adminSecret, appSecret, payerSecret, partnerSecret, "app db", "pay db"} {
		if strings.Contains(srv.log.String(), s) {
			t.Errorf("the log holds %q:\n%s", s, srv.log)
		}
	}
	if !strings.Contains(srv.log.String(), `msg="access denied" principal=`+appArn+` operation=GetSecretValue region=us-east-1 secret_id=prod/app/blocked reason="ExplicitDeny by statement \"NoBlocked\" (Statement[0]) of identity-based policy #1"`) {
		t.Errorf("the denial of prod/app/blocked is not logged with its statement:\n%s", srv.log)
	}
}

// TestServePrincipalsLogMode: with --authz-mode log, a request the policies
// deny is allowed, and logged with the statement that would deny it.
func TestServePrincipalsLogMode(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	file := writePrincipals(t, testPrincipals)
	srv := startInProcess(t, nil, "--memory", "--quiet", "--principals", file, "--authz-mode", "log", "--access-key-id", adminKey, "--secret-access-key", adminSecret)
	seedAccessSecrets(t, sdkClient(srv.URL, adminKey, adminSecret))
	app := sdkClient(srv.URL, appKey, appSecret)
	out, err := app.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/app/blocked")})
	if err != nil || aws.ToString(out.SecretString) != "blocked" {
		t.Fatalf("GetSecretValue denied by policy, in log mode: %v", err)
	}
	list, err := app.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 4 {
		t.Fatalf("ListSecrets in log mode: %+v, %v", list, err)
	}
	// Signatures are still checked.
	if _, err := sdkClient(srv.URL, appKey, "wrong").ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err == nil {
		t.Error("a bad signature was accepted in log mode")
	}
	for _, want := range []string{
		`authz_mode=log`,
		`msg="would deny" principal=` + appArn + ` reason="ExplicitDeny by statement \"NoBlocked\" (Statement[0]) of identity-based policy #1" message="User: ` + appArn + ` is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/app/blocked with`,
		`msg="would deny" principal=` + appArn + ` reason="ImplicitDeny: no statement allows secretsmanager:ListSecrets on *"`,
	} {
		if !strings.Contains(srv.log.String(), want) {
			t.Errorf("the log does not hold %s:\n%s", want, srv.log)
		}
	}
	if strings.Contains(srv.log.String(), `msg="access denied"`) {
		t.Errorf("log mode logged a denial:\n%s", srv.log)
	}
}

// TestServePrincipalsAWSCLI drives serve --principals with the AWS CLI
// (botocore), when it is installed.
func TestServePrincipalsAWSCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	cli := newAWSCLI(t)
	file := writePrincipals(t, testPrincipals)
	srv := startInProcess(t, nil, "--memory", "--quiet", "--principals", file, "--access-key-id", adminKey, "--secret-access-key", adminSecret)
	admin := sdkClient(srv.URL, adminKey, adminSecret)
	seedAccessSecrets(t, admin)
	before := storeSnapshot(t, admin)
	for _, tc := range []struct {
		name, key, secret string
		args              []string
		stdout            string // what a success prints
		stderr            string // what a failure prints
	}{
		{"app reads its secret", appKey, appSecret, []string{"get-secret-value", "--secret-id", "prod/app/db", "--query", "SecretString"}, `"app db"`, ""},
		{"app may not describe it", appKey, appSecret, []string{"describe-secret", "--secret-id", "prod/app/db"}, "", // botocore prints "An error occurred (AccessDeniedException) when calling the DescribeSecret operation (reached max retries: 0): User: ..."
			"User: " + appArn + " is not authorized to perform: secretsmanager:DescribeSecret on resource: prod/app/db because"},
		{"an explicit Deny beats an Allow", appKey, appSecret, []string{"get-secret-value", "--secret-id", "prod/app/blocked"}, "", "with an explicit deny in an identity-based policy"},
		{"a tag condition", payerKey, payerSecret, []string{"get-secret-value", "--secret-id", "prod/pay/db", "--query", "SecretString"}, `"pay db"`, ""},
		{"a resource policy grants partner", partnerKey, partnerSecret, []string{"get-secret-value", "--secret-id", "shared/db", "--query", "SecretString"}, `"shared"`, ""},
		{"a denied write", partnerKey, partnerSecret, []string{"put-secret-value", "--secret-id", "shared/db", "--secret-string", "changed"}, "", "(AccessDeniedException)"},
		{"an unknown key", "AKIAUNKNOWNEXAMPLE", "whatever", []string{"list-secrets"}, "", "(UnrecognizedClientException)"},
		{"an unsigned request", appKey, appSecret, []string{"get-secret-value", "--secret-id", "prod/app/db", "--no-sign-request"}, "", "(MissingAuthenticationTokenException)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code, err := cli.Run([]string{"AWS_ACCESS_KEY_ID=" + tc.key, "AWS_SECRET_ACCESS_KEY=" + tc.secret},
				append([]string{"--endpoint-url", srv.URL, "--output", "json", "secretsmanager"}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.stderr == "" {
				if code != 0 || strings.TrimSpace(stdout) != tc.stdout {
					t.Errorf("aws %v: exit %d\n%s%s", tc.args, code, stdout, stderr)
				}
				return
			}
			if code == 0 || !strings.Contains(stderr, tc.stderr) || !strings.Contains(stderr, "An error occurred (") {
				t.Errorf("aws %v: exit %d; want %q in\n%s", tc.args, code, tc.stderr, stderr)
			}
		})
	}
	t.Cleanup(func() { // after the parallel subtests
		if after := storeSnapshot(t, admin); after != before {
			t.Errorf("the denied calls changed the store")
		}
	})
}

// TestLoadPrincipals checks what a principals file may hold, and that every
// refusal names what is wrong and where, never a secret key.
func TestLoadPrincipals(t *testing.T) {
	t.Parallel()
	const secret = "SECRET-KEY-NEVER-PRINTED"
	principal := func(members string) string {
		return `{"Principals":[{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"` + secret + `",` + members + `}]}`
	}
	const arnMember = `"Arn":"arn:aws:iam::123456789012:user/app"`
	const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    string // a part of the error; "" for none
	}{
		{"the issue's example", `{"Principals": [{
			"AccessKeyId": "AKIAAPPEXAMPLE", "SecretAccessKey": "` + secret + `",
			"Arn": "arn:aws:iam::123456789012:user/app", "Tags": {"team": "payments"},
			"Policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
				"Action": "secretsmanager:GetSecretValue",
				"Resource": "arn:aws:secretsmanager:*:123456789012:secret:prod/app/*"}]}]}]}`, 0o600, ""},
		{"no policies", principal(arnMember), 0o600, ""},
		{"a role", principal(`"Arn":"arn:aws:iam::123456789012:role/app"`), 0o400, ""},
		{"an assumed-role session", principal(`"Arn":"arn:aws:sts::123456789012:assumed-role/app/session-1"`), 0o600, ""},
		{"the account root", principal(`"Arn":"arn:aws:iam::123456789012:root"`), 0o600, ""},
		{"readable by others", principal(arnMember), 0o644, "has mode 0644: it holds secret access keys, so group and others must have no access to it; run: chmod 600 "},
		{"writable by the group", principal(arnMember), 0o620, "has mode 0620"},
		{"not JSON", "{\"Principals\": [\n  {\"Arn\": }]}", 0o600, "not valid JSON at line 2, column 11: invalid character '}'"},
		{"not an object", `[]`, 0o600, "the document must be a JSON object"},
		{"no Principals", `{}`, 0o600, `no "Principals" member`},
		{"an unknown top-level member", `{"Principals":[],"Users":[]}`, 0o600, `unknown member "Users" at the top level`},
		{"Principals twice", `{"Principals":[],"Principals":[]}`, 0o600, `the document: the member "Principals" appears twice`},
		{"Principals not a list", `{"Principals":{}}`, 0o600, `the "Principals" member must be a list of principals`},
		{"no principal", `{"Principals":[]}`, 0o600, `the "Principals" member lists no principal`},
		{"an unknown member", principal(arnMember + `,"Policy":[]`), 0o600, `Principals[0] (arn:aws:iam::123456789012:user/app, access key AKIAEXAMPLE): unknown member "Policy" (a principal has AccessKeyId, SecretAccessKey, Arn, Tags, Policies)`},
		{"a member in the wrong case", principal(arnMember + `,"policies":[]`), 0o600, `unknown member "policies"`},
		{"a member twice", principal(arnMember + `,` + arnMember), 0o600, `Principals[0]: the member "Arn" appears twice; write each once`},
		{"a secret key twice", `{"Principals":[{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"` + secret + `","SecretAccessKey":"` + secret + `",` + arnMember + `}]}`, 0o600, `the member "SecretAccessKey" appears twice`},
		{"no Arn", principal(`"Tags":{}`), 0o600, "Principals[0]: no Arn: give the principal's ARN, such as arn:aws:iam::123456789012:user/app"},
		{"an empty Arn", principal(`"Arn":""`), 0o600, "no Arn"},
		{"no AccessKeyId", `{"Principals":[{"SecretAccessKey":"` + secret + `",` + arnMember + `}]}`, 0o600, "(arn:aws:iam::123456789012:user/app): no AccessKeyId"},
		{"no SecretAccessKey", `{"Principals":[{"AccessKeyId":"AKIAEXAMPLE",` + arnMember + `}]}`, 0o600, "access key AKIAEXAMPLE): no SecretAccessKey"},
		{"a secret key not a string", `{"Principals":[{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":12345678,` + arnMember + `}]}`, 0o600, "SecretAccessKey must be a string"},
		{"a bad access key id", `{"Principals":[{"AccessKeyId":"AKIA/EXAMPLE","SecretAccessKey":"` + secret + `",` + arnMember + `}]}`, 0o600, "AccessKeyId must be 1 to 128 letters, digits or underscores"},
		{"not a principal ARN", principal(`"Arn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:x"`), 0o600, "Arn must be an IAM user, role or root ARN"},
		{"another account", principal(`"Arn":"arn:aws:iam::111122223333:user/app"`), 0o600, "the principal is in account 111122223333, but the server's is 123456789012 (--account)"},
		{"a key given twice", `{"Principals":[
			{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"` + secret + `","Arn":"arn:aws:iam::123456789012:user/a"},
			{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"` + secret + `","Arn":"arn:aws:iam::123456789012:user/b"}]}`, 0o600,
			"Principals[1] (arn:aws:iam::123456789012:user/b, access key AKIAEXAMPLE): access key AKIAEXAMPLE is also the key of Principals[0]"},
		{"tags", principal(arnMember + `,"Tags":{"team":"payments","env":"prod"}`), 0o600, ""},
		{"a tag twice", principal(arnMember + `,"Tags":{"team":"a","team":"b"}`), 0o600, `Tags: the member "team" appears twice`},
		{"tags differing in case", principal(arnMember + `,"Tags":{"team":"a","Team":"b"}`), 0o600, `the tag keys "team" and "Team" differ only in case`},
		{"a tag not a string", principal(arnMember + `,"Tags":{"n":1}`), 0o600, "Tags: n must be a string"},
		{"Tags not an object", principal(arnMember + `,"Tags":["a"]`), 0o600, "Tags must be a JSON object"},
		{"policies", principal(arnMember + `,"Policies":[` + allowAll + `,` + allowAll + `]`), 0o600, ""},
		{"Policies not a list", principal(arnMember + `,"Policies":` + allowAll), 0o600, "Policies must be a list of policy documents"},
		{"a policy as a string", principal(arnMember + `,"Policies":["{}"]`), 0o600, "Policies[0] must be a policy document, as a JSON object"},
		{"a bad policy", principal(arnMember + `,"Policies":[` + allowAll + `,{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}]`), 0o600,
			`Principals[0] (arn:aws:iam::123456789012:user/app, access key AKIAEXAMPLE): Policies[1]: MalformedPolicyDocumentException: Statement[0].Effect`},
		{"a resource policy as an identity policy", principal(arnMember + `,"Policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}]`), 0o600, "Policies[0]: MalformedPolicyDocumentException: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writePrincipals(t, tc.content)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			pf, err := loadPrincipals(path, "123456789012")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("loadPrincipals: %v", err)
			case tc.want == "":
				if len(pf.entries) == 0 || pf.entries[0].creds.Principal == nil || pf.entries[0].creds.SecretAccessKey != secret {
					t.Errorf("loaded %+v", pf.entries)
				}
			case err == nil:
				t.Fatalf("loaded; want an error with %q", tc.want)
			case !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %q; want it to hold %q", err, tc.want)
			case strings.Contains(err.Error(), secret):
				t.Errorf("the error holds the secret key: %v", err)
			case !strings.Contains(err.Error(), path):
				t.Errorf("the error does not name the file: %v", err)
			}
		})
	}
	if _, err := loadPrincipals(filepath.Join(t.TempDir(), "missing.json"), "123456789012"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestServePrincipalsFlags checks the command-line mistakes serve refuses
// before it starts.
func TestServePrincipalsFlags(t *testing.T) {
	t.Parallel()
	file := writePrincipals(t, testPrincipals)
	open := filepath.Join(t.TempDir(), "open.json")
	if err := os.WriteFile(open, []byte(testPrincipals), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--authz-mode", "log"}, exitUsage, "--authz-mode needs --principals"},
		{[]string{"--principals", file, "--authz-mode", "audit"}, exitUsage, `--authz-mode must be enforce or log, not "audit"`},
		{[]string{"--principals", open}, exitError, "run: chmod 600 " + open},
		{[]string{"--principals", file, "--access-key-id", appKey, "--secret-access-key", "x"}, exitError, "access key " + appKey + " is also the unrestricted --access-key-id"},
	} {
		r := runCLI(t, nil, "", append([]string{"serve", "--memory", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("serve %v: exit %d, %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
		if strings.Contains(r.stderr, appSecret) {
			t.Errorf("serve %v printed a secret key", tc.args)
		}
	}
	if r := runCLI(t, nil, "", "help", "serve"); !strings.Contains(r.stdout, "--principals FILE") || !strings.Contains(r.stdout, "--authz-mode enforce") {
		t.Errorf("help serve:\n%s", r.stdout)
	}
}
