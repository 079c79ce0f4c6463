package policy

import (
	"strings"
	"testing"
)

// Names used throughout the tests.
const (
	acct      = "111122223333"
	otherAcct = "444455556666"
	alice     = "arn:aws:iam::111122223333:user/alice"
	bob       = "arn:aws:iam::111122223333:user/bob"
	rootArn   = "arn:aws:iam::111122223333:root"
	secretArn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:"
	prodApp   = secretArn + "prod/app/db-AbCdEf"
	prodOther = secretArn + "prod/other/db-XyZ123"
	aliceHome = secretArn + "home/alice/token-Qw12Er"
	bobHome   = secretArn + "home/bob/token-Ty34Ui"
	getValue  = "secretsmanager:GetSecretValue"
)

// doc wraps statements in a Version 2012-10-17 policy.
func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// allowIf is an identity statement allowing every Secrets Manager action on
// every resource under the given Condition block.
func allowIf(cond string) string {
	return `{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*","Condition":` + cond + `}`
}

const allowAll = `{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}`

// baseRequest is alice reading prod/app/db.
func baseRequest() *Request {
	return &Request{
		Action:   getValue,
		Resource: prodApp,
		Principal: Principal{
			Arn:      alice,
			Username: "alice",
			UserID:   "AIDAALICE00000000001",
			Tags:     map[string]string{"team": "blue", "Dept": "eng"},
		},
	}
}

func mustIdentity(t testing.TB, d string) *Policy {
	t.Helper()
	p, err := ParseIdentity([]byte(d))
	if err != nil {
		t.Fatalf("ParseIdentity(%s): %v", d, err)
	}
	return p
}

func mustResource(t testing.TB, d string) *Policy {
	t.Helper()
	p, err := ParseResource([]byte(d))
	if err != nil {
		t.Fatalf("ParseResource(%s): %v", d, err)
	}
	return p
}
