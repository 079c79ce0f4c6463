package arn

import "testing"

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ARN
		ok   bool
	}{
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", ARN{"aws", "secretsmanager", "us-east-1", "123456789012", "secret:db-AbCdEf"}, true},
		{"arn:aws:iam::123456789012:user/app", ARN{"aws", "iam", "", "123456789012", "user/app"}, true},
		{"arn:aws:s3:::bucket/key:with:colons", ARN{"aws", "s3", "", "", "bucket/key:with:colons"}, true},
		{"arn:aws:secretsmanager:us-east-1:123456789012", ARN{}, false},
		{"db", ARN{}, false},
		{"ARN:aws:s3:::b", ARN{}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestValidRegion(t *testing.T) {
	t.Parallel()
	for r, want := range map[string]bool{
		"us-east-1": true, "us-gov-west-1": true, "ap-southeast-2": true, "us-1": true, "cn-north-1": true,
		"": false, "us-east": false, "us-east-": false, "-1": false, "US-EAST-1": false, "us--1": false,
		"us-east-1a": false, "notaregion": false, "us east 1": false, "eu-west-1\n": false, "é-1": false,
	} {
		if got := ValidRegion(r); got != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", r, got, want)
		}
	}
}

func TestPartition(t *testing.T) {
	t.Parallel()
	for r, want := range map[string]string{
		"us-east-1": "aws", "eu-west-1": "aws", "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-west-1": "aws-us-gov", "us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b",
	} {
		if got := Partition(r); got != want {
			t.Errorf("Partition(%q) = %q, want %q", r, got, want)
		}
	}
	if got := Secret("cn-north-1", "123456789012", "a/b", "AbCdEf"); got != "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a/b-AbCdEf" {
		t.Errorf("Secret = %q", got)
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	const p = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	tests := []struct {
		name, in    string
		ok          bool
		wantName    string
		wantSuffix  string
		wantPartial bool
	}{
		{"a full ARN", p + "db-AbCdEf", true, "db", "AbCdEf", false},
		{"a name with slashes", p + "prod/app/db-a1B2c3", true, "prod/app/db", "a1B2c3", false},
		{"a name that ends like a suffix is read as a full ARN", p + "Name-a1b2c3", true, "Name", "a1b2c3", false},
		{"a partial ARN", p + "db", true, "db", "", true},
		{"a partial ARN ending with the hyphen", p + "Name-a1b2c3-", true, "Name-a1b2c3-", "", true},
		{"a tail of five characters is partial", p + "db-AbCdE", true, "db-AbCdE", "", true},
		{"a suffix with a non-alphanumeric character is partial", p + "db-AbC_Ef", true, "db-AbC_Ef", "", true},
		{"seven characters after the hyphen is partial", p + "db-AbCdEfG", true, "db-AbCdEfG", "", true},
		{"a bare -XXXXXX is partial: no name", p + "-AbCdEf", true, "-AbCdEf", "", true},
		{"another service", "arn:aws:ssm:us-east-1:123456789012:parameter/db", false, "", "", false},
		{"another resource type", "arn:aws:secretsmanager:us-east-1:123456789012:rotation:db", false, "", "", false},
		{"no name", p, false, "", "", false},
		{"not an ARN", "db", false, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseSecret(tt.in)
			if ok != tt.ok || got.Name != tt.wantName || got.Suffix != tt.wantSuffix || got.Partial != tt.wantPartial {
				t.Errorf("ParseSecret(%q) = %+v, %v", tt.in, got, ok)
			}
			if ok && (got.Region != "us-east-1" || got.AccountID != "123456789012" || got.Partition != "aws") {
				t.Errorf("ParseSecret(%q) fields = %+v", tt.in, got.ARN)
			}
		})
	}
}

func FuzzParseSecret(f *testing.F) {
	f.Add("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf")
	f.Add("arn:aws:secretsmanager:us-east-1:123456789012:secret:-")
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseSecret(s)
		if !ok {
			return
		}
		tail := id.Name
		if !id.Partial {
			tail += "-" + id.Suffix
		}
		if id.String() != s || id.Resource != "secret:"+tail || id.Name == "" {
			t.Errorf("ParseSecret(%q) = %+v does not rebuild the input", s, id)
		}
	})
}
