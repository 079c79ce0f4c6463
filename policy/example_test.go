package policy_test

import (
	"errors"
	"fmt"

	"github.com/secretstore-go/secretstore/policy"
)

func ExampleEvaluate() {
	identity, err := policy.ParseIdentity([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "ReadProd",
	    "Effect": "Allow",
	    "Action": "secretsmanager:GetSecretValue",
	    "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*",
	    "Condition": {"StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}}
	  }]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	resource, err := policy.ParseResource([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "NoPlainHTTP",
	    "Effect": "Deny",
	    "Principal": "*",
	    "Action": "secretsmanager:*",
	    "Resource": "*",
	    "Condition": {"Bool": {"aws:SecureTransport": "false"}}
	  }]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}

	req := &policy.Request{
		Action:    "secretsmanager:GetSecretValue",
		Resource:  "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
		Principal: policy.Principal{Arn: "arn:aws:iam::111122223333:user/alice", Username: "alice"},
	}
	req.Set(policy.KeySecureTransport, "true")

	// No VersionStage in the request: the Allow's condition fails.
	d := policy.Evaluate(req, []*policy.Policy{identity}, resource)
	fmt.Println(d.Kind)
	fmt.Println(d.Message())

	req.Set(policy.KeyVersionStage, "AWSCURRENT")
	d = policy.Evaluate(req, []*policy.Policy{identity}, resource)
	fmt.Println(d)

	req.Set(policy.KeySecureTransport, "false")
	d = policy.Evaluate(req, []*policy.Policy{identity}, resource)
	fmt.Println(d)
	fmt.Println(d.Message())
	// Output:
	// ImplicitDeny
	// User: arn:aws:iam::111122223333:user/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf because no identity-based policy allows the secretsmanager:GetSecretValue action
	// Allow by statement "ReadProd" (Statement[0]) of identity-based policy #0
	// ExplicitDeny by statement "NoPlainHTTP" (Statement[0]) of the resource-based policy
	// User: arn:aws:iam::111122223333:user/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf with an explicit deny in a resource-based policy
}

func ExampleParseResource_malformed() {
	_, err := policy.ParseResource([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
	    {"Effect": "allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}
	  ]
	}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, policy.ErrMalformed))
	// Output:
	// Statement[1].Effect: must be "Allow" or "Deny", not "allow"
	// true
}

func ExampleValidate() {
	findings, err := policy.Validate([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [{"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"},
	    "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range findings {
		fmt.Println(f.CheckName)
	}
	// Output:
	// BROAD_ACCESS_TO_SECRET
}

func ExampleCreateSecretResource() {
	id, _ := policy.ParseIdentity([]byte(`{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
	  "Action": "secretsmanager:CreateSecret",
	  "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:team/*"}}`))
	for _, name := range []string{"team/db", "other/db"} {
		req := &policy.Request{
			Action:    "secretsmanager:CreateSecret",
			Resource:  policy.CreateSecretResource("aws", "us-east-1", "111122223333", name),
			Principal: policy.Principal{Arn: "arn:aws:iam::111122223333:user/alice"},
		}
		fmt.Println(name, policy.Evaluate(req, []*policy.Policy{id}, nil).Allowed)
	}
	// Output:
	// team/db true
	// other/db false
}
