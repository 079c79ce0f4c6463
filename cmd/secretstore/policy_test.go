package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore"
)

// seedAccessFolder makes a data folder, keyed with testKey, holding the
// secrets of the access-control tests (seedAccessSecrets).
func seedAccessFolder(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	data := filepath.Join(t.TempDir(), "data")
	s, err := secretstore.Open(ctx, secretstore.Options{Dir: data, MasterKey: testKey, DisableReaper: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, sec := range []struct{ name, value, team, policy string }{
		{"prod/app/db", "app db", "core", ""},
		{"prod/app/blocked", "blocked", "core", ""},
		{"prod/pay/db", "pay db", "payments", noDeletePolicy},
		{"shared/db", "shared", "", partnerPolicy},
	} {
		in := &secretstore.CreateSecretInput{Name: sec.name, SecretString: sec.value}
		if sec.team != "" {
			in.Tags = []secretstore.Tag{{Key: "team", Value: sec.team}}
		}
		if _, err := s.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
		if sec.policy != "" {
			if _, err := s.PutResourcePolicy(ctx, &secretstore.PutResourcePolicyInput{SecretId: sec.name, ResourcePolicy: sec.policy}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return data
}

// TestPolicySimulate checks policy simulate's decisions and the statements
// it names, and that the server decides every read the same way.
func TestPolicySimulate(t *testing.T) {
	t.Parallel()
	data := seedAccessFolder(t)
	file := writePrincipals(t, testPrincipals)
	env := map[string]string{masterKeyEnv: testKeyB64}
	sourceIPPolicy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(sourceIPPolicy, []byte(`{"Version":"2012-10-17","Statement":[{"Sid":"FromTheOffice","Effect":"Allow","Principal":{"AWS":"`+partnerArn+`"},"Action":"secretsmanager:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/24"}}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		key      string
		action   string
		secret   string
		args     []string // more flags; without --data unless given here
		decision string   // EvalDecision
		source   string   // SourcePolicyId of the deciding statement, "" for none
		sid      string
		resource string // a part of EvalResourceName
	}{
		{"an identity policy allows", appKey, "secretsmanager:GetSecretValue", "prod/app/db", nil, "allowed", "Policies[0]", "ReadApp", ":secret:prod/app/db-"},
		{"an action without its prefix, in any case", appKey, "getsecretvalue", "prod/app/db", nil, "allowed", "Policies[0]", "ReadApp", ":secret:prod/app/db-"},
		{"an explicit Deny in the second policy", appKey, "secretsmanager:GetSecretValue", "prod/app/blocked", nil, "explicitDeny", "Policies[1]", "NoBlocked", ":secret:prod/app/blocked-"},
		{"no statement allows", appKey, "secretsmanager:DescribeSecret", "prod/app/db", nil, "implicitDeny", "", "", ":secret:prod/app/db-"},
		{"a tag condition on the secret's tags", payerKey, "secretsmanager:GetSecretValue", "prod/pay/db", nil, "allowed", "Policies[0]", "OwnTeam", ":secret:prod/pay/db-"},
		{"without --data the tags are unknown", payerKey, "secretsmanager:GetSecretValue", "prod/pay/db", []string{}, "implicitDeny", "", "", ":secret:prod/pay/db-??????"},
		{"the resource policy's Deny", payerKey, "secretsmanager:DeleteSecret", "prod/pay/db", nil, "explicitDeny", "ResourcePolicy", "NoDelete", ":secret:prod/pay/db-"},
		{"the resource policy's Allow", partnerKey, "secretsmanager:GetSecretValue", "shared/db", nil, "allowed", "ResourcePolicy", "Partner", ":secret:shared/db-"},
		{"a secret that is not there", partnerKey, "secretsmanager:GetSecretValue", "prod/app/missing", nil, "implicitDeny", "", "", ":secret:prod/app/missing-??????"},
		{"an action on no secret", payerKey, "secretsmanager:ListSecrets", "", nil, "allowed", "Policies[0]", "List", "*"},
		{"CreateSecret", appKey, "secretsmanager:CreateSecret", "prod/app/new", nil, "implicitDeny", "", "", ":secret:prod/app/new-??????"},
		{"--resource-policy without the context key", partnerKey, "secretsmanager:DescribeSecret", "shared/db", []string{"--data", "", "--resource-policy", sourceIPPolicy}, "implicitDeny", "", "", ":secret:shared/db-"},
		{"--resource-policy with --context", partnerKey, "secretsmanager:DescribeSecret", "shared/db", []string{"--data", "", "--resource-policy", sourceIPPolicy, "--context", "aws:SourceIp=10.0.0.7"}, "allowed", "ResourcePolicy", "FromTheOffice", ":secret:shared/db-"},
		{"--context replaces a key", partnerKey, "secretsmanager:DescribeSecret", "shared/db", []string{"--data", "", "--resource-policy", sourceIPPolicy, "--context", "aws:SourceIp=192.0.2.1", "--context", "aws:SecureTransport=true"}, "implicitDeny", "", "", ":secret:shared/db-"},
	}
	sims := make([]Simulation, len(cases))
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"policy", "simulate", "--principals", file, "--access-key-id", tc.key, "--action", tc.action, "--json"}
			if tc.secret != "" {
				args = append(args, "--secret", tc.secret)
			}
			if tc.args == nil {
				args = append(args, "--data", data)
			}
			for j := 0; j < len(tc.args); j++ {
				if tc.args[j] == "--data" { // --data "" stands for the folder
					args = append(args, "--data", data)
					j++
					continue
				}
				args = append(args, tc.args[j])
			}
			out := mustRun(t, env, "", args...)
			var sim Simulation
			if err := json.Unmarshal([]byte(out), &sim); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			sims[i] = sim
			if sim.EvalDecision != tc.decision || !strings.Contains(sim.EvalResourceName, tc.resource) {
				t.Errorf("decision %s on %s; want %s on ...%s...\n%s", sim.EvalDecision, sim.EvalResourceName, tc.decision, tc.resource, out)
			}
			if (sim.Message == "") != (tc.decision == "allowed") {
				t.Errorf("Message %q with decision %s", sim.Message, sim.EvalDecision)
			}
			var source, sid string
			if len(sim.MatchedStatements) == 1 {
				m := sim.MatchedStatements[0]
				source, sid = m.SourcePolicyId, m.Sid
				var stmt struct{ Sid string }
				if err := json.Unmarshal(m.Statement, &stmt); err != nil || stmt.Sid != tc.sid {
					t.Errorf("Statement %s; want the statement %q", m.Statement, tc.sid)
				}
			}
			if source != tc.source || sid != tc.sid {
				t.Errorf("decided by %q %q; want %q %q\n%s", source, sid, tc.source, tc.sid, out)
			}
		})
	}

	// The server decides the reads as the simulator does.
	pf, err := loadPrincipals(file, secretstore.DefaultAccountID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := openAgain(secretstore.Options{Dir: data, MasterKey: testKey, DisableReaper: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, tc := range cases {
		if tc.args != nil {
			continue // not the folder as it is
		}
		view := s.As(pf.lookup(tc.key).creds.Principal)
		var err error
		switch sims[i].EvalActionName {
		case "secretsmanager:GetSecretValue":
			_, err = view.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: tc.secret})
		case "secretsmanager:DescribeSecret":
			_, err = view.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: tc.secret})
		case "secretsmanager:ListSecrets":
			_, err = view.ListSecrets(ctx, &secretstore.ListSecretsInput{})
		default:
			continue // writes
		}
		if denied := errors.Is(err, secretstore.ErrAccessDenied); denied != (sims[i].EvalDecision != "allowed") {
			t.Errorf("%s: the store answers %v; the simulator %s", tc.name, err, sims[i].EvalDecision)
		}
		var e *secretstore.Error
		if errors.As(err, &e) && errors.Is(err, secretstore.ErrAccessDenied) && e.Message != sims[i].Message {
			t.Errorf("%s: the store's message %q; the simulator's %q", tc.name, e.Message, sims[i].Message)
		}
	}
}

// TestPolicySimulateOutput checks the plain output, for people.
func TestPolicySimulateOutput(t *testing.T) {
	t.Parallel()
	data := seedAccessFolder(t)
	file := writePrincipals(t, testPrincipals)
	env := map[string]string{masterKeyEnv: testKeyB64}
	for _, tc := range []struct {
		key, action, secret string
		data                bool
		want                []string
	}{
		{appKey, "secretsmanager:GetSecretValue", "prod/app/blocked", true, []string{
			"explicitDeny: secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/blocked-",
			"  decided by statement \"NoBlocked\" (Statement[0]) of the principal's policy Policies[1]:\n    {\"Sid\":\"NoBlocked\",\"Effect\":\"Deny\",\"Action\":\"secretsmanager:*\",\"Resource\":\"arn:aws:secretsmanager:*:123456789012:secret:prod/app/blocked-*\"}\n",
			"  the server answers: AccessDeniedException: User: arn:aws:iam::123456789012:user/app is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/app/blocked with",
			" with an explicit deny in an identity-based policy\n",
			"principal: arn:aws:iam::123456789012:user/app (access key AKIAAPPEXAMPLE, 2 identity-based policies)\n",
			"resource:  found in " + data + ", with its tags and resource policy\n",
		}},
		{partnerKey, "secretsmanager:GetSecretValue", "shared/db", true, []string{
			"allowed: secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/db-",
			"  decided by statement \"Partner\" (Statement[0]) of the secret's resource policy:\n    {\"Sid\":\"Partner\",",
		}},
		{appKey, "secretsmanager:PutSecretValue", "prod/app/db", false, []string{
			"implicitDeny: secretsmanager:PutSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-??????\n",
			"  no statement of the principal's policies or of the secret's resource policy allows it\n",
			"resource:  no --data: the secret is taken not to exist (no tags, no resource policy)\n",
		}},
		{payerKey, "secretsmanager:BatchGetSecretValue", "", false, []string{
			"allowed: secretsmanager:BatchGetSecretValue on *\n",
			"each secret it reads also needs secretsmanager:GetSecretValue on it",
		}},
	} {
		args := []string{"policy", "simulate", "--principals", file, "--access-key-id", tc.key, "--action", tc.action}
		if tc.secret != "" {
			args = append(args, "--secret", tc.secret)
		}
		if tc.data {
			args = append(args, "--data", data)
		}
		out := mustRun(t, env, "", args...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("policy simulate %s %s: the output lacks %q:\n%s", tc.action, tc.secret, w, out)
			}
		}
		for _, secret := range []string{appSecret, payerSecret, partnerSecret} {
			if strings.Contains(out, secret) {
				t.Errorf("the output holds a secret key:\n%s", out)
			}
		}
	}
}

// TestPolicySimulateErrors checks the mistakes policy simulate refuses.
func TestPolicySimulateErrors(t *testing.T) {
	t.Parallel()
	file := writePrincipals(t, testPrincipals)
	open := filepath.Join(t.TempDir(), "open.json")
	if err := os.WriteFile(open, []byte(testPrincipals), 0o644); err != nil {
		t.Fatal(err)
	}
	base := func(more ...string) []string {
		return append([]string{"policy", "simulate", "--principals", file, "--access-key-id", appKey}, more...)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"policy"}, exitUsage, "policy takes simulate, got 0 argument(s)"},
		{[]string{"policy", "evaluate"}, exitUsage, `unknown policy command "evaluate"`},
		{[]string{"policy", "simulate", "--access-key-id", appKey, "--action", "GetSecretValue"}, exitUsage, "give the principals file with --principals"},
		{[]string{"policy", "simulate", "--principals", file, "--action", "GetSecretValue"}, exitUsage, "--access-key-id"},
		{base("--secret", "x"), exitUsage, "give the action to simulate with --action"},
		{base("--action", "secretsmanager:Frobnicate", "--secret", "x"), exitUsage, `--action "secretsmanager:Frobnicate" is not a Secrets Manager action; they are secretsmanager: followed by one of BatchGetSecretValue,`},
		{base("--action", "s3:GetObject"), exitUsage, "is not a Secrets Manager action (secretsmanager:<Operation>)"},
		{base("--action", "secretsmanager:Get*", "--secret", "x"), exitUsage, "is not a Secrets Manager action"},
		{base("--action", "ListSecrets", "--secret", "x"), exitUsage, "secretsmanager:ListSecrets acts on no secret (its resource is *): leave out --secret"},
		{base("--action", "GetSecretValue"), exitUsage, "secretsmanager:GetSecretValue acts on a secret: name it with --secret"},
		{base("--action", "GetSecretValue", "--secret", "x", "--context", "novalue"), exitUsage, "give KEY=VALUE"},
		{base("--action", "GetSecretValue", "--secret", "x", "--region", "nowhere"), exitUsage, "--region \"nowhere\" is not a region name"},
		{[]string{"policy", "simulate", "--principals", file, "--access-key-id", "AKIANOBODY", "--action", "ListSecrets"}, exitError, "no principal of " + file + " has the access key AKIANOBODY"},
		{[]string{"policy", "simulate", "--principals", open, "--access-key-id", appKey, "--action", "ListSecrets"}, exitError, "run: chmod 600"},
		{base("--action", "GetSecretValue", "--secret", "x", "--data", filepath.Join(t.TempDir(), "none")), exitError, "there is no data folder"},
		{base("--action", "GetSecretValue", "--secret", "x", "--resource-policy", open), exitError, "--resource-policy " + open + ": MalformedPolicyDocumentException"},
	} {
		r := runCLI(t, nil, "", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}
