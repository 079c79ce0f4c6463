package policy

import "testing"

// BenchmarkEvaluate is a GetSecretValue by a user with three identity-based
// policies, against a secret whose resource policy has five statements.
func BenchmarkEvaluate(b *testing.B) {
	identity := []*Policy{
		mustIdentity(b, doc(
			`{"Sid":"Describe","Effect":"Allow","Action":["secretsmanager:Describe*","secretsmanager:List*"],"Resource":"*"}`,
			`{"Sid":"NoDelete","Effect":"Deny","Action":"secretsmanager:Delete*","Resource":"*"}`)),
		mustIdentity(b, doc(
			`{"Sid":"ReadProd","Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:BatchGetSecretValue"],"Resource":"`+secretArn+`prod/*","Condition":{"StringEquals":{"secretsmanager:ResourceTag/team":"blue"}}}`,
			`{"Sid":"Home","Effect":"Allow","Action":"secretsmanager:*","Resource":"`+secretArn+`home/${aws:username}/*"}`)),
		mustIdentity(b, doc(
			`{"Sid":"TLSOnly","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
			`{"Sid":"Network","Effect":"Deny","Action":"secretsmanager:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}`)),
	}
	resource := mustResource(b, doc(
		`{"Sid":"App","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`,
		`{"Sid":"Auditors","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/audit1","arn:aws:iam::111122223333:user/audit2"]},"Action":"secretsmanager:DescribeSecret","Resource":"*"}`,
		`{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`,
		`{"Sid":"NoOldVersions","Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:VersionStage":"AWSPREVIOUS"}}}`,
		`{"Sid":"Window","Effect":"Deny","Principal":"*","Action":"secretsmanager:PutResourcePolicy","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}`))

	req := baseRequest()
	req.SetResourceTags(map[string]string{"team": "blue", "env": "prod"})
	req.Set(KeySecureTransport, "true")
	req.Set(KeySourceIP, "10.20.30.40")
	req.Set(KeyVersionStage, "AWSCURRENT")
	req.Set("aws:PrincipalOrgID", "o-abc123")
	req.Set(KeySecretID, "prod/app/db")

	if d := Evaluate(req, identity, resource); !d.Allowed || d.Sid != "ReadProd" {
		b.Fatalf("decision %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(req, identity, resource)
	}
}
