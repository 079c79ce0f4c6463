package main

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore"
)

// clientIn returns functions that run client command lines on the data
// folder data: run fails the test unless the command succeeds and returns
// its stdout; fail runs a command (with "value" on stdin) that must fail with exit status code and
// print each of want on stderr, and nothing on stdout.
func clientIn(t *testing.T, data string) (run func(stdin string, args ...string) string, fail func(code int, want []string, args ...string)) {
	env := map[string]string{masterKeyEnv: testKeyB64}
	run = func(stdin string, args ...string) string {
		t.Helper()
		return mustRun(t, env, stdin, append(args, "--data", data)...)
	}
	fail = func(code int, want []string, args ...string) {
		t.Helper()
		r := runCLI(t, env, "value", append(args, "--data", data)...)
		if r.code != code {
			t.Errorf("secretstore %s: exit %d, want %d; stderr %q", strings.Join(args, " "), r.code, code, r.stderr)
		}
		for _, w := range want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("secretstore %s: stderr %q, want %q in it", strings.Join(args, " "), r.stderr, w)
			}
		}
		if r.stdout != "" {
			t.Errorf("secretstore %s printed %q on a failure", strings.Join(args, " "), r.stdout)
		}
	}
	return run, fail
}

// describe opens the store in data through the library and describes secret
// name in region; nil if it does not exist there.
func describe(t *testing.T, data, region, name string) *secretstore.DescribeSecretOutput {
	t.Helper()
	s, err := openAgain(secretstore.Options{Dir: data, MasterKey: testKey, Region: region, DisableReaper: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.DescribeSecret(context.Background(), &secretstore.DescribeSecretInput{SecretId: name})
	if errors.Is(err, secretstore.ErrResourceNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// replicaRegions returns the regions of the ReplicationStatus of d.
func replicaRegions(d *secretstore.DescribeSecretOutput) []string {
	var regions []string
	for _, st := range d.ReplicationStatus {
		regions = append(regions, st.Region)
	}
	return regions
}

// inRegion returns arn with its region swapped for region.
func inRegion(arn, region string) string {
	parts := strings.SplitN(arn, ":", 5)
	parts[3] = region
	return strings.Join(parts, ":")
}

// replicationJSON is the --json output of replicate and unreplicate.
type replicationJSON struct {
	ARN               string
	ReplicationStatus []struct {
		Region, KmsKeyId, Status, StatusMessage string
		LastAccessedDate                        *time.Time
	}
}

func (r replicationJSON) regions() []string {
	var regions []string
	for _, st := range r.ReplicationStatus {
		regions = append(regions, st.Region)
	}
	return regions
}

// TestClientReplication walks a secret through replicate, unreplicate and
// promote, in plain text and in JSON, and checks the replicas through get
// and the library.
func TestClientReplication(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	run, fail := clientIn(t, data)
	var put struct{ ARN string }
	decode(t, run("v1", "put", "app/db", "--json"), &put)

	// replicate prints every replica, one a line.
	out := run("", "replicate", "app/db", "--regions", "eu-west-1,ap-south-1")
	if !regexp.MustCompile(`^eu-west-1\s+InSync\s+Replication succeeded\nap-south-1\s+InSync\s+Replication succeeded\n$`).MatchString(out) {
		t.Errorf("replicate =\n%s", out)
	}
	// The replicas are readable in their regions, by name and by their ARN,
	// and are copies of the primary.
	for _, region := range []string{"eu-west-1", "ap-south-1"} {
		if got := run("", "get", "app/db", "--region", region); got != "v1\n" {
			t.Errorf("get --region %s = %q", region, got)
		}
		if got := run("", "get", inRegion(put.ARN, region), "--region", region); got != "v1\n" {
			t.Errorf("get of the replica's ARN in %s = %q", region, got)
		}
		d := describe(t, data, region, "app/db")
		if d.ARN != inRegion(put.ARN, region) || d.PrimaryRegion != "us-east-1" || d.ReplicationStatus != nil {
			t.Errorf("the replica in %s: ARN %s, PrimaryRegion %q, ReplicationStatus %+v", region, d.ARN, d.PrimaryRegion, d.ReplicationStatus)
		}
	}
	if d := describe(t, data, "us-east-1", "app/db"); d.PrimaryRegion != "us-east-1" || !slices.Equal(replicaRegions(d), []string{"eu-west-1", "ap-south-1"}) {
		t.Errorf("the primary: PrimaryRegion %q, replicas %v", d.PrimaryRegion, replicaRegions(d))
	}

	// A replica is read-only; a write to the primary reaches it.
	fail(exitError, []string{"InvalidParameterException: Operation not permitted on a replica secret. Call must be made in primary secret's region."},
		"put", "app/db", "--region", "eu-west-1")
	run("v2", "put", "app/db")
	if got := run("", "get", "app/db", "--region", "eu-west-1"); got != "v2\n" {
		t.Errorf("get in eu-west-1 after a put to the primary = %q", got)
	}

	// --json: ReplicateSecretToRegionsOutput, every replica listed, with the
	// key of each and the day it was last read.
	var rep replicationJSON
	out = run("", "replicate", "app/db", "--regions", "sa-east-1", "--kms-key-id", "alias/sa", "--json")
	decode(t, out, &rep)
	if rep.ARN != put.ARN || !slices.Equal(rep.regions(), []string{"eu-west-1", "ap-south-1", "sa-east-1"}) {
		t.Errorf("replicate --json = %+v", rep)
	}
	for _, st := range rep.ReplicationStatus {
		wantKey, wasRead := "alias/aws/secretsmanager", st.Region != "sa-east-1"
		if st.Region == "sa-east-1" {
			wantKey = "alias/sa"
		}
		if st.KmsKeyId != wantKey || st.Status != "InSync" || st.StatusMessage != "Replication succeeded" || (st.LastAccessedDate != nil) != wasRead {
			t.Errorf("replicate --json, %s: %+v", st.Region, st)
		}
	}
	// The members are the AWS members in their order; those with no value
	// (a replica never read has no LastAccessedDate) are left out.
	wantShape := "{\n  \"ARN\": \"" + put.ARN + "\",\n  \"ReplicationStatus\": [\n    {\n      \"Region\": \"eu-west-1\","
	if !strings.HasPrefix(out, wantShape) || !strings.HasSuffix(out, `
    {
      "Region": "sa-east-1",
      "KmsKeyId": "alias/sa",
      "Status": "InSync",
      "StatusMessage": "Replication succeeded"
    }
  ]
}
`) {
		t.Errorf("replicate --json =\n%s", out)
	}

	// --regions may be repeated.
	out = run("", "replicate", "app/db", "--regions", "us-west-2", "--regions", "ca-central-1,")
	if n := strings.Count(out, "InSync"); n != 5 || !strings.Contains(out, "us-west-2 ") || !strings.Contains(out, "ca-central-1 ") {
		t.Errorf("replicate with --regions twice =\n%s", out)
	}

	// unreplicate deletes the replicas at once and prints those left; a
	// region with no replica is ignored.
	out = run("", "unreplicate", "app/db", "--regions", "us-west-2,eu-north-1", "--regions", "ca-central-1")
	if !regexp.MustCompile(`^eu-west-1\s+InSync\s+Replication succeeded\nap-south-1\s+InSync\s+.*\nsa-east-1\s+InSync\s+.*\n$`).MatchString(out) {
		t.Errorf("unreplicate =\n%s", out)
	}
	for _, region := range []string{"us-west-2", "ca-central-1"} {
		fail(exitError, []string{"ResourceNotFoundException: Secrets Manager can't find the specified secret."}, "get", "app/db", "--region", region)
	}
	decode(t, run("", "unreplicate", "app/db", "--regions", "ap-south-1", "--json"), &rep)
	if rep.ARN != put.ARN || !slices.Equal(rep.regions(), []string{"eu-west-1", "sa-east-1"}) {
		t.Errorf("unreplicate --json = %+v", rep)
	}

	// promote, in the replica's region, makes it standalone and writable;
	// the primary no longer lists it.
	euARN := inRegion(put.ARN, "eu-west-1")
	if out := run("", "promote", "app/db", "--region", "eu-west-1"); out != euARN+" is a standalone secret now, writable in eu-west-1; its former primary no longer replicates to it\n" {
		t.Errorf("promote = %q", out)
	}
	if d := describe(t, data, "eu-west-1", "app/db"); d.ARN != euARN || d.PrimaryRegion != "" {
		t.Errorf("the promoted secret: ARN %s, PrimaryRegion %q", d.ARN, d.PrimaryRegion)
	}
	if d := describe(t, data, "us-east-1", "app/db"); !slices.Equal(replicaRegions(d), []string{"sa-east-1"}) {
		t.Errorf("the primary's replicas after promote: %v", replicaRegions(d))
	}
	run("eu v3", "put", "app/db", "--region", "eu-west-1")
	run("v3", "put", "app/db")
	if got := run("", "get", "app/db", "--region", "eu-west-1"); got != "eu v3\n" {
		t.Errorf("the promoted secret = %q, want its own write", got)
	}
	if got := run("", "get", "app/db", "--region", "sa-east-1"); got != "v3\n" {
		t.Errorf("the replica left = %q, want the primary's write", got)
	}
	if out := run("", "promote", "app/db", "--region", "sa-east-1", "--json"); out != "{\n  \"ARN\": \""+inRegion(put.ARN, "sa-east-1")+"\"\n}\n" {
		t.Errorf("promote --json = %q", out)
	}

	// With no replica left, unreplicate says so; --json with an empty list.
	run("", "replicate", "app/db", "--regions", "ap-south-1")
	if out := run("", "unreplicate", "app/db", "--regions", "ap-south-1"); out != "app/db has no replicas left\n" {
		t.Errorf("unreplicate of the last replica = %q", out)
	}
	if out := run("", "unreplicate", "app/db", "--regions", "ap-south-1", "--json"); out != "{\n  \"ARN\": \""+put.ARN+"\",\n  \"ReplicationStatus\": []\n}\n" {
		t.Errorf("unreplicate --json with no replica = %q", out)
	}
	if d := describe(t, data, "us-east-1", "app/db"); d.PrimaryRegion != "" || d.ReplicationStatus != nil {
		t.Errorf("the primary with no replicas: PrimaryRegion %q, ReplicationStatus %+v", d.PrimaryRegion, d.ReplicationStatus)
	}
}

// TestClientReplicateForce: a region that holds a secret of the same name is
// Failed, and replicate exits with status 1 after printing the status;
// --force replaces a standalone secret there, never one that is part of
// another replication.
func TestClientReplicateForce(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	run, fail := clientIn(t, data)
	env := map[string]string{masterKeyEnv: testKeyB64}
	run("primary", "put", "db")
	run("local", "put", "db", "--region", "eu-west-1")

	for _, tt := range []struct {
		name     string
		args     []string
		stdout   string // a regular expression
		stderr   []string
		noStderr string
		local    string // the value of the secret in eu-west-1, left alone
	}{
		{"without --force", []string{"replicate", "db", "--regions", "eu-west-1"},
			`^eu-west-1\s+Failed\s+Secret with this name already exists in this region\n$`,
			[]string{"secretstore replicate: the replication to eu-west-1 failed: Secret with this name already exists in this region. ",
				`"secretstore unreplicate db --regions eu-west-1" removes it; then replicate with --force`}, "", "local"},
		{"--json", []string{"replicate", "db2", "--regions", "ap-south-1,eu-west-1", "--json"},
			`(?s)^\{\n  "ARN": "arn:\S+:us-east-1:\S+:secret:db2-\S+",\n  "ReplicationStatus": \[\n.*"Region": "ap-south-1",\n.*"Status": "InSync",\n.*"Region": "eu-west-1",\n.*"Status": "Failed",\n      "StatusMessage": "Secret with this name already exists in this region"\n    \}\n  \]\n\}\n$`,
			[]string{"the replication to eu-west-1 failed"}, "ap-south-1", "local"},
		{"--force on a secret that is part of another replication", []string{"replicate", "other", "--regions", "eu-west-1", "--force"},
			`^eu-west-1\s+Failed\s+Secret with this name already exists in this region and is part of another secret's replication`,
			[]string{"the replication to eu-west-1 failed: Secret with this name already exists in this region and is part of another secret's replication"}, "--force", "eu primary"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			switch tt.args[1] {
			case "db2":
				run("db2", "put", "db2")
				run("local", "put", "db2", "--region", "eu-west-1")
			case "other":
				run("other", "put", "other")
				run("eu primary", "put", "other", "--region", "eu-west-1")
				run("", "replicate", "other", "--region", "eu-west-1", "--regions", "sa-east-1")
			}
			r := runCLI(t, env, "", append(tt.args, "--data", data)...)
			if r.code != exitError || !regexp.MustCompile(tt.stdout).MatchString(r.stdout) {
				t.Errorf("exit %d, stdout\n%s\nwant exit 1 and %s", r.code, r.stdout, tt.stdout)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q, want %q in it", r.stderr, w)
				}
			}
			if tt.noStderr != "" && strings.Contains(r.stderr, tt.noStderr) {
				t.Errorf("stderr %q, want no %q in it", r.stderr, tt.noStderr)
			}
			if got := run("", "get", tt.args[1], "--region", "eu-west-1"); got != tt.local+"\n" {
				t.Errorf("the secret in eu-west-1 = %q, want %q, left alone", got, tt.local)
			}
		})
	}

	// The Failed region must be removed before it is tried again; then
	// --force replaces the secret there.
	fail(exitError, []string{"InvalidParameterException: Secret db is already replicated to eu-west-1. Remove the region from replication first to replicate it again."},
		"replicate", "db", "--regions", "eu-west-1", "--force")
	if out := run("", "unreplicate", "db", "--regions", "eu-west-1"); out != "db has no replicas left\n" {
		t.Errorf("unreplicate of a Failed region = %q", out)
	}
	if got := run("", "get", "db", "--region", "eu-west-1"); got != "local\n" {
		t.Errorf("unreplicate of a Failed region deleted the secret there: %q", got)
	}
	localARN := describe(t, data, "eu-west-1", "db").ARN
	if out := run("", "replicate", "db", "--regions", "eu-west-1", "--force"); !regexp.MustCompile(`^eu-west-1\s+InSync\s+Replication succeeded\n$`).MatchString(out) {
		t.Errorf("replicate --force = %q", out)
	}
	if got := run("", "get", "db", "--region", "eu-west-1"); got != "primary\n" {
		t.Errorf("get in eu-west-1 after replicate --force = %q", got)
	}
	if d := describe(t, data, "eu-west-1", "db"); d.ARN == localARN || d.PrimaryRegion != "us-east-1" {
		t.Errorf("the replica after --force: ARN %s (the replaced secret's was %s), PrimaryRegion %q", d.ARN, localARN, d.PrimaryRegion)
	}
}

// TestClientReplicationErrors checks the exit status and message of each
// failure, and that none changes the store.
func TestClientReplicationErrors(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	run, fail := clientIn(t, data)
	run("v", "put", "db")
	run("v", "put", "plain")
	run("", "replicate", "db", "--regions", "eu-west-1")
	plainARN := describe(t, data, "us-east-1", "plain").ARN
	dbARN := describe(t, data, "us-east-1", "db").ARN
	notFound := "ResourceNotFoundException: Secrets Manager can't find the specified secret."
	onReplica := "InvalidParameterException: Operation not permitted on a replica secret. Call must be made in primary secret's region."

	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"replicate an unknown secret", []string{"replicate", "nope", "--regions", "ap-south-1"}, exitError,
			[]string{"secretstore replicate: " + notFound}},
		{"unreplicate an unknown secret", []string{"unreplicate", "nope", "--regions", "eu-west-1"}, exitError,
			[]string{"secretstore unreplicate: " + notFound}},
		{"promote an unknown secret", []string{"promote", "nope", "--region", "eu-west-1"}, exitError,
			[]string{"secretstore promote: " + notFound}},
		{"promote in a region the secret is not in", []string{"promote", "db", "--region", "ap-south-1"}, exitError,
			[]string{"secretstore promote: " + notFound}},
		{"promote a secret that is not replicated", []string{"promote", "plain"}, exitError,
			[]string{"secretstore promote: InvalidRequestException: Secret " + plainARN + " is not a replica secret, so there is no replication to stop. Call StopReplicationToReplica in a replica's region."}},
		{"promote a primary", []string{"promote", "db", "--region", "us-east-1"}, exitError,
			[]string{"secretstore promote: InvalidRequestException: Secret " + dbARN + " is not a replica secret"}},
		{"promote with a bad --region", []string{"promote", "db", "--region", "Europe"}, exitUsage,
			[]string{`secretstore promote: --region "Europe" is not a region name like us-east-1`}},
		{"replicate to a bad region name", []string{"replicate", "db", "--regions", "ap-south-1,EU West"}, exitError,
			[]string{`secretstore replicate: ValidationException: 1 validation error detected: Value 'EU West' at 'addReplicaRegions.2.member.region' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-)+\d+$`}},
		{"unreplicate a bad region name", []string{"unreplicate", "db", "--regions", "Europe"}, exitError,
			[]string{`secretstore unreplicate: ValidationException: 1 validation error detected: Value 'Europe' at 'removeReplicaRegions.1.member'`}},
		{"replicate with a bad --region", []string{"replicate", "db", "--region", "us_east_1", "--regions", "ap-south-1"}, exitUsage,
			[]string{`--region "us_east_1" is not a region name like us-east-1`}},
		{"replicate to the primary's region", []string{"replicate", "db", "--regions", "us-east-1"}, exitError,
			[]string{"secretstore replicate: InvalidParameterException: Invalid replica region."}},
		{"replicate to a region twice", []string{"replicate", "db", "--regions", "ap-south-1", "--regions", "ap-south-1"}, exitError,
			[]string{"secretstore replicate: InvalidParameterException: The region ap-south-1 appears more than once in AddReplicaRegions."}},
		{"replicate to a region replicated already", []string{"replicate", "db", "--regions", "ap-south-1,eu-west-1"}, exitError,
			[]string{"secretstore replicate: InvalidParameterException: Secret db is already replicated to eu-west-1."}},
		{"replicate a replica", []string{"replicate", "db", "--region", "eu-west-1", "--regions", "ap-south-1"}, exitError,
			[]string{"secretstore replicate: " + onReplica}},
		{"unreplicate from a replica", []string{"unreplicate", "db", "--region", "eu-west-1", "--regions", "eu-west-1"}, exitError,
			[]string{"secretstore unreplicate: " + onReplica}},
		{"replicate without --regions", []string{"replicate", "db"}, exitUsage,
			[]string{"secretstore replicate: replicate needs --regions: the regions to replicate to"}},
		{"replicate with an empty --regions", []string{"replicate", "db", "--regions", ","}, exitUsage,
			[]string{"replicate needs --regions"}},
		{"unreplicate without --regions", []string{"unreplicate", "db"}, exitUsage,
			[]string{"secretstore unreplicate: unreplicate needs --regions: the regions whose replicas are deleted"}},
		{"replicate without NAME", []string{"replicate", "--regions", "ap-south-1"}, exitUsage,
			[]string{"secretstore replicate: replicate takes NAME, got 0 argument(s)", "secretstore replicate [flags] NAME"}},
		{"promote with two names", []string{"promote", "db", "plain", "--region", "eu-west-1"}, exitUsage,
			[]string{"secretstore promote: promote takes NAME, got 2 argument(s)"}},
		{"an unknown flag", []string{"unreplicate", "db", "--region-list", "eu-west-1"}, exitUsage,
			[]string{"flag provided but not defined: -region-list"}},
	} {
		t.Run(tt.name, func(t *testing.T) { fail(tt.code, tt.want, tt.args...) })
	}

	// Nothing changed.
	if d := describe(t, data, "us-east-1", "db"); !slices.Equal(replicaRegions(d), []string{"eu-west-1"}) {
		t.Errorf("the primary's replicas = %v", replicaRegions(d))
	}
	if d := describe(t, data, "eu-west-1", "db"); d == nil || d.PrimaryRegion != "us-east-1" {
		t.Errorf("the replica: %+v", d)
	}
	for _, region := range []string{"ap-south-1", "us-east-1"} {
		if d := describe(t, data, region, "nope"); d != nil {
			t.Errorf("an error created nope in %s", region)
		}
	}
	if d := describe(t, data, "ap-south-1", "db"); d != nil {
		t.Errorf("an error replicated db to ap-south-1")
	}
	if d := describe(t, data, "us-east-1", "plain"); d.PrimaryRegion != "" {
		t.Errorf("plain: %+v", d)
	}
}

func TestRegionsFlag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--regions", "eu-west-1"}, []string{"eu-west-1"}},
		{[]string{"--regions", "eu-west-1,ap-south-1"}, []string{"eu-west-1", "ap-south-1"}},
		{[]string{"--regions", "eu-west-1", "--regions", "ap-south-1,sa-east-1"}, []string{"eu-west-1", "ap-south-1", "sa-east-1"}},
		{[]string{"--regions", " eu-west-1 , ap-south-1,"}, []string{"eu-west-1", "ap-south-1"}},
		{[]string{"--regions", ",,"}, nil},
		{[]string{"--regions", "EU West"}, []string{"EU West"}}, // the store checks the names
		{nil, nil},
	} {
		fs := newFlagSet("t")
		var r regionsFlag
		fs.Var(&r, "regions", "")
		if err := fs.Parse(tt.args); err != nil || !slices.Equal(r, tt.want) {
			t.Errorf("%q: %q, %v; want %q", tt.args, r, err, tt.want)
		}
	}
}
