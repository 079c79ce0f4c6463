package main

// secretstore policy simulate: what serve --principals would decide for one
// request of one principal, and which statement decides it, as IAM's policy
// simulator answers. The request is the store's own (Store.PolicyRequest,
// the builder its views run): the secret's ARN, tags, primary region and
// rotation function, and its resource policy, are read from --data when the
// secret is there (without --data, from an empty store in memory, where it
// is not); the principal's ARN, tags and identity policies from the
// principals file; the time is now, aws:SecureTransport is false (serve
// speaks plain HTTP); any other condition key comes from --context.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
)

// simulateFlags are the flags of policy simulate.
type simulateFlags struct {
	principals     string
	accessKeyID    string
	action         string
	secret         string
	data           string
	region         string
	account        string
	resourcePolicy string
	context        contextFlag
	json           bool
	keys           keyFlags
}

func setupPolicy(fs *flag.FlagSet) runFunc {
	f := &simulateFlags{}
	fs.StringVar(&f.principals, "principals", "", "the principals `FILE`, as serve --principals reads it (required)")
	fs.StringVar(&f.accessKeyID, "access-key-id", "", "simulate the principal of this access key `ID` (required)")
	fs.StringVar(&f.action, "action", "", "the `ACTION`, such as secretsmanager:GetSecretValue (required)")
	fs.StringVar(&f.secret, "secret", "", "the secret's `NAME` or ARN (the Name for CreateSecret; none for ListSecrets, GetRandomPassword, BatchGetSecretValue; optional for ValidateResourcePolicy)")
	fs.StringVar(&f.data, "data", "", "read the secret, with its tags and resource policy, from data folder `DIR` (the server must be stopped); without it, or when the secret is not there, it is taken not to exist")
	fs.StringVar(&f.region, "region", secretstore.DefaultRegion, "the `REGION` of the request")
	fs.StringVar(&f.account, "account", secretstore.DefaultAccountID, "the 12-digit `ACCOUNT` id in ARNs, as given to serve")
	fs.StringVar(&f.resourcePolicy, "resource-policy", "", "evaluate the resource policy in `FILE` in place of the secret's")
	fs.Var(&f.context, "context", "set a condition `KEY=VALUE`, such as aws:SourceIp=10.0.0.7 or secretsmanager:VersionStage=AWSCURRENT (repeat for more, or for more values of a key)")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON, for scripts")
	f.keys.register(fs)
	return func(ctx context.Context, c *cli, args []string) error {
		if args[0] != "simulate" {
			return usageErrorf("unknown policy command %q: the policy command is \"policy simulate\"", args[0])
		}
		return simulate(ctx, c, f)
	}
}

// contextFlag is --context KEY=VALUE, repeated.
type contextFlag []contextEntry

type contextEntry struct{ key, value string }

func (f *contextFlag) String() string { return "" }

func (f *contextFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return errors.New("give KEY=VALUE, such as aws:SourceIp=10.0.0.7")
	}
	*f = append(*f, contextEntry{strings.TrimSpace(k), v})
	return nil
}

// Simulation is the result of policy simulate, with --json. Its members
// are named as those of IAM's EvaluationResult.
type Simulation struct {
	EvalActionName   string // secretsmanager:<Operation>
	EvalResourceName string // the secret's ARN; "*" for an action on no secret
	// EvalDecision is "allowed", "explicitDeny" or "implicitDeny".
	EvalDecision string
	Principal    string // the principal's ARN
	AccessKeyId  string
	// SecretFound says whether the secret was found in the data folder
	// (its tags and resource policy then took part).
	SecretFound bool
	// MatchedStatements holds the statement that decided (none for an
	// implicit deny).
	MatchedStatements []MatchedStatement
	// Message is the AccessDeniedException message the server would send;
	// none when allowed.
	Message string
}

// MatchedStatement is the statement that decided a simulation.
type MatchedStatement struct {
	// SourcePolicyId names the policy: "Policies[<i>]" of the principal,
	// or "ResourcePolicy".
	SourcePolicyId string
	// SourcePolicyType is IAM's: "user" or "role" for the principal's
	// policies, "resource" for the secret's.
	SourcePolicyType string
	Sid              string
	Statement        json.RawMessage // as written, compacted
}

// simulation is what simulate evaluates.
type simulation struct {
	req         policy.Request
	identity    []*policy.Policy
	identityDoc []json.RawMessage
	resource    *policy.Policy
	resourceDoc []byte
	found       bool   // the secret is in --data
	foundNote   string // where the resource's facts come from, for people
}

func simulate(ctx context.Context, c *cli, f *simulateFlags) error {
	switch {
	case f.principals == "":
		return usageErrorf("give the principals file with --principals")
	case f.accessKeyID == "":
		return usageErrorf("give the access key of the principal to simulate with --access-key-id")
	case f.action == "":
		return usageErrorf("give the action to simulate with --action, such as secretsmanager:GetSecretValue")
	}
	if err := checkPlace(nil, f.region, f.account); err != nil {
		return err
	}
	op, err := secretsManagerOperation(f.action)
	if err != nil {
		return err
	}
	switch res := op.Row().Resource; {
	case res == awsmodel.NoResource && f.secret != "":
		return usageErrorf("%s acts on no secret (its resource is *): leave out --secret", op.Action())
	case (res == awsmodel.SecretResource || res == awsmodel.NewSecretResource) && f.secret == "":
		return usageErrorf("%s acts on a secret: name it with --secret", op.Action())
	}
	pf, err := loadPrincipals(f.principals, f.account)
	if err != nil {
		return err
	}
	e := pf.lookup(f.accessKeyID)
	if e == nil {
		return fmt.Errorf("no principal of %s has the access key %s", f.principals, f.accessKeyID)
	}
	p := *e.creds.Principal
	p.SourceIP, p.SecureTransport, p.AuditOnly = "", false, false // what --context does not set: serve speaks plain HTTP
	sim := &simulation{identity: p.Policies, identityDoc: e.documents}
	if err := f.request(ctx, c, op, &p, sim); err != nil {
		return err
	}
	if f.resourcePolicy != "" {
		doc, err := os.ReadFile(f.resourcePolicy)
		if err != nil {
			return fmt.Errorf("reading --resource-policy: %w", err)
		}
		if sim.resource, err = policy.ParseResource(doc); err != nil {
			return fmt.Errorf("--resource-policy %s: MalformedPolicyDocumentException: %w", f.resourcePolicy, err)
		}
		sim.resourceDoc = doc
	}
	given := map[string][]string{} // a key --context sets replaces what was there
	for _, kv := range f.context {
		k := strings.ToLower(kv.key)
		given[k] = append(given[k], kv.value)
		sim.req.Set(k, given[k]...)
	}
	d := policy.Evaluate(&sim.req, sim.identity, sim.resource)
	out := sim.result(d, e)
	if sim.req.Resource != "*" && f.secret != "" {
		out.Message = d.MessageOn(f.secret) // the server names the secret as the caller did
	}
	if f.json {
		return writeJSON(c.stdout, out)
	}
	return sim.print(c.stdout, out, d, f)
}

// secretsManagerOperation returns the operation of action, given as
// secretsmanager:<Operation> or <Operation>, in any case: a row of the
// operation table.
func secretsManagerOperation(action string) (awsmodel.Op, error) {
	name := action
	if svc, op, ok := strings.Cut(action, ":"); ok {
		if !strings.EqualFold(svc, "secretsmanager") {
			return 0, usageErrorf("--action %q is not a Secrets Manager action (secretsmanager:<Operation>)", action)
		}
		name = op
	}
	var names []string
	for _, op := range awsmodel.Operations() {
		if strings.EqualFold(op.String(), name) {
			return op, nil
		}
		names = append(names, op.String())
	}
	return 0, usageErrorf("--action %q is not a Secrets Manager action; they are secretsmanager: followed by one of %s", action, strings.Join(names, ", "))
}

// request builds the request of operation op for principal p, as the store
// builds it (Store.PolicyRequest), with what the store knows of the secret:
// the one in the data folder when --data is given, else none (an empty
// store in memory). It notes where the resource's facts come from.
func (f *simulateFlags) request(ctx context.Context, c *cli, op awsmodel.Op, p *secretstore.Principal, sim *simulation) error {
	build := func(s *secretstore.Store) error {
		pr, err := s.As(p).PolicyRequest(ctx, op.String(), f.secret)
		if err != nil {
			return err
		}
		sim.req, sim.found = pr.Request, pr.SecretFound
		if pr.ResourcePolicy != "" {
			sim.resourceDoc = []byte(pr.ResourcePolicy)
			if sim.resource, err = policy.ParseResource(sim.resourceDoc); err != nil {
				return fmt.Errorf("the resource policy of %s does not parse: %w", f.secret, err)
			}
		}
		return nil
	}
	var err error
	if f.data != "" {
		cf := clientFlags{data: f.data, region: f.region, account: f.account, keys: f.keys}
		err = cf.withStore(ctx, c, false, build)
	} else {
		var s *secretstore.Store
		if s, err = secretstore.Open(ctx, secretstore.Options{InMemory: true, Region: f.region, AccountID: f.account, DisableReaper: true}); err != nil {
			return err
		}
		err = build(s)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	switch res := op.Row().Resource; {
	case sim.req.Resource == "*":
		sim.foundNote = "the action acts on no secret"
		if op == awsmodel.OpBatchGetSecretValue {
			sim.foundNote += "; each secret it reads also needs secretsmanager:GetSecretValue on it"
		}
	case res == awsmodel.NewSecretResource:
		sim.foundNote = "the ARN the new secret would have; the ?????? stand for its random suffix"
	case sim.found:
		sim.foundNote = "found in " + f.data + ", with its tags and resource policy"
	case f.data == "":
		sim.foundNote = "no --data: the secret is taken not to exist (no tags, no resource policy)"
	default:
		sim.foundNote = "not in " + f.data + ": taken not to exist (no tags, no resource policy)"
	}
	return nil
}

// result returns the Simulation of decision d.
func (sim *simulation) result(d policy.Decision, e *principalEntry) *Simulation {
	out := &Simulation{
		EvalActionName:   sim.req.Action,
		EvalResourceName: sim.req.Resource,
		EvalDecision:     evalDecision(d),
		Principal:        e.creds.Principal.Arn,
		AccessKeyId:      e.creds.AccessKeyID,
		SecretFound:      sim.found,
		Message:          d.Message(),
	}
	switch d.Source {
	case policy.IdentityPolicy:
		typ := "user"
		if !strings.Contains(out.Principal, ":user/") && !strings.HasSuffix(out.Principal, ":root") {
			typ = "role"
		}
		out.MatchedStatements = []MatchedStatement{{
			SourcePolicyId: "Policies[" + strconv.Itoa(d.Policy) + "]", SourcePolicyType: typ, Sid: d.Sid,
			Statement: statementText(sim.identityDoc[d.Policy], d.Statement),
		}}
	case policy.ResourcePolicy:
		out.MatchedStatements = []MatchedStatement{{
			SourcePolicyId: "ResourcePolicy", SourcePolicyType: "resource", Sid: d.Sid,
			Statement: statementText(sim.resourceDoc, d.Statement),
		}}
	}
	return out
}

// evalDecision returns IAM's name of d's outcome.
func evalDecision(d policy.Decision) string {
	switch d.Kind {
	case policy.Allow:
		return "allowed"
	case policy.ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// statementText returns statement i of the policy document doc, compacted:
// an element of its Statement list, or its lone Statement object. Nil if
// it cannot be found (the document parsed, so it can).
func statementText(doc []byte, i int) json.RawMessage {
	ms, err := members(doc, "the policy")
	if err != nil {
		return nil
	}
	for _, m := range ms {
		if m.key != "Statement" {
			continue
		}
		stmt := m.value
		var list []json.RawMessage
		if json.Unmarshal(m.value, &list) == nil {
			if i >= len(list) {
				return nil
			}
			stmt = list[i]
		}
		var b bytes.Buffer
		if err := json.Compact(&b, stmt); err != nil {
			return nil
		}
		return b.Bytes()
	}
	return nil
}

// print writes the simulation for people.
func (sim *simulation) print(w io.Writer, out *Simulation, d policy.Decision, f *simulateFlags) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s on %s\n", out.EvalDecision, out.EvalActionName, out.EvalResourceName)
	switch d.Source {
	case policy.IdentityPolicy:
		fmt.Fprintf(&b, "  decided by %s of the principal's policy Policies[%d]:\n    %s\n", statementName(d), d.Policy, out.MatchedStatements[0].Statement)
	case policy.ResourcePolicy:
		fmt.Fprintf(&b, "  decided by %s of the secret's resource policy:\n    %s\n", statementName(d), out.MatchedStatements[0].Statement)
	default:
		fmt.Fprintf(&b, "  no statement of the principal's policies or of the secret's resource policy allows it\n")
	}
	if out.Message != "" {
		fmt.Fprintf(&b, "  the server answers: AccessDeniedException: %s\n", out.Message)
	}
	policies := "identity-based policies"
	if len(sim.identity) == 1 {
		policies = "identity-based policy"
	}
	fmt.Fprintf(&b, "principal: %s (access key %s, %d %s)\n", out.Principal, out.AccessKeyId, len(sim.identity), policies)
	note := sim.foundNote
	if f.resourcePolicy != "" {
		note += "; resource policy from " + f.resourcePolicy
	}
	fmt.Fprintf(&b, "resource:  %s\n", note)
	_, err := io.WriteString(w, b.String())
	return err
}

// statementName names the deciding statement: its Sid, if any, and place.
func statementName(d policy.Decision) string {
	s := "statement "
	if d.Sid != "" {
		s += strconv.Quote(d.Sid) + " "
	}
	return s + "(Statement[" + strconv.Itoa(d.Statement) + "])"
}
