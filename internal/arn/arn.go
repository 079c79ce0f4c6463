// Package arn parses Amazon Resource Names and region names, the one place
// secretstore, its wire server and its policy evaluator read them. It is
// modelled on the AWS SDK's aws/arn package, with what Secrets Manager adds:
// the ARN of a secret, whose name is followed by a hyphen and six random
// characters, and the partial ARNs that omit them.
package arn

import (
	"errors"
	"strings"
)

// ARN is an Amazon Resource Name split into its fields:
//
//	arn:partition:service:region:account-id:resource
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	// Resource is everything after the fifth colon, colons included
	// ("secret:prod/db-AbCdEf" for a secret).
	Resource string
}

const prefix = "arn:"

// ErrMalformed is returned by Parse for text that is not an ARN.
var ErrMalformed = errors.New("arn: not an ARN of the form arn:partition:service:region:account-id:resource")

// IsARN reports whether s starts as an ARN does. A secret name never
// contains a colon, so a SecretId that passes is meant as an ARN.
func IsARN(s string) bool { return strings.HasPrefix(s, prefix) }

// Parse splits s into its fields. It checks the shape only: the fields may
// be empty, and the resource may contain colons.
func Parse(s string) (ARN, error) {
	if !IsARN(s) {
		return ARN{}, ErrMalformed
	}
	parts := strings.SplitN(s[len(prefix):], ":", 5)
	if len(parts) != 5 {
		return ARN{}, ErrMalformed
	}
	return ARN{Partition: parts[0], Service: parts[1], Region: parts[2], AccountID: parts[3], Resource: parts[4]}, nil
}

// String returns the ARN's text.
func (a ARN) String() string {
	return prefix + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// ValidRegion reports whether r has the shape of an AWS region name,
// ^([a-z]+-)+\d+$, such as us-east-1 or us-gov-west-1.
func ValidRegion(r string) bool {
	i, parts := 0, 0
	for {
		j := i
		for j < len(r) && 'a' <= r[j] && r[j] <= 'z' {
			j++
		}
		if j == i || j == len(r) || r[j] != '-' {
			break
		}
		i, parts = j+1, parts+1
	}
	if parts == 0 || i == len(r) {
		return false
	}
	for ; i < len(r); i++ {
		if r[i] < '0' || r[i] > '9' {
			return false
		}
	}
	return true
}

// Partition returns the AWS partition region belongs to: aws-cn for China,
// aws-us-gov for GovCloud, aws-iso and aws-iso-b for the isolated regions,
// and aws for every other.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// SuffixLen is the number of random letters and digits Secrets Manager
// appends, after a hyphen, to a secret's name in its ARN.
const SuffixLen = 6

// Secret returns the ARN of a secret:
// arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<suffix>.
func Secret(region, account, name, suffix string) string {
	return prefix + Partition(region) + ":secretsmanager:" + region + ":" + account + ":secret:" + name + "-" + suffix
}

// SecretID is what an ARN given as a SecretId names.
type SecretID struct {
	ARN
	// Name is the secret's name; for a partial ARN, the text after
	// "secret:", which may end inside the suffix.
	Name string
	// Suffix is the six characters after the name of a full ARN.
	Suffix string
	// Partial is set when the ARN has no recognisable suffix.
	Partial bool
}

// ParseSecret reads a Secrets Manager secret ARN. ok is false when s is not
// the ARN of a secret (another service or resource type, or no name). An
// ARN whose tail is a hyphen and six letters or digits is a full ARN, as
// AWS reads it, even when the secret's own name ends that way; any other is
// partial.
func ParseSecret(s string) (id SecretID, ok bool) {
	a, err := Parse(s)
	if err != nil || a.Service != "secretsmanager" {
		return SecretID{}, false
	}
	tail, isSecret := strings.CutPrefix(a.Resource, "secret:")
	if !isSecret || tail == "" {
		return SecretID{}, false
	}
	id.ARN = a
	if n := len(tail); n > SuffixLen+1 && tail[n-SuffixLen-1] == '-' && alnum(tail[n-SuffixLen:]) {
		id.Name, id.Suffix = tail[:n-SuffixLen-1], tail[n-SuffixLen:]
	} else {
		id.Name, id.Partial = tail, true
	}
	return id, true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
