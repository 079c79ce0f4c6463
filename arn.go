package secretstore

import (
	"crypto/rand"
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	maxNameLen     = 512  // CreateSecret's NameType
	maxSecretIDLen = 2048 // SecretIdType
	suffixLen      = 6    // the random characters AWS appends to a secret's ARN
)

// validName reports whether every character of name is one AWS allows in a
// secret name: ASCII letters, digits and /_+=.@-.
func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !nameChar(name[i]) {
			return false
		}
	}
	return true
}

func nameChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("/_+=.@-", c) >= 0
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// checkName validates a new secret's name.
func checkName(name string) error {
	if err := checkLen("name", name, 1, maxNameLen); err != nil {
		return err
	}
	if !validName(name) {
		return newError(ErrValidation, msgInvalidName)
	}
	return nil
}

// checkLen returns the ValidationException AWS sends when a member's length
// is outside [min, max]. The value itself is never echoed, since members such
// as SecretString are secret.
func checkLen(member, v string, min, max int) error {
	return checkLength(member, len(v), min, max)
}

// checkChars is checkLen for members whose length the API model counts in
// characters (Unicode code points) rather than bytes, such as Description and
// tags: "é" is one character but two bytes.
func checkChars(member, v string, min, max int) error {
	return checkLength(member, utf8.RuneCountInString(v), min, max)
}

func checkLength(member string, n, min, max int) error {
	switch {
	case n < min:
		return newError(ErrValidation, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", member, min)
	case n > max:
		return newError(ErrValidation, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", member, max)
	}
	return nil
}

// checkRange is checkLen for numeric members.
func checkRange(member string, v, min, max int64) error {
	switch {
	case v < min:
		return newError(ErrValidation, "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", v, member, min)
	case v > max:
		return newError(ErrValidation, "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", v, member, max)
	}
	return nil
}

// validRegion reports whether r has the shape of an AWS region name,
// ^([a-z]+-)+\d+$ (for example us-east-1).
func validRegion(r string) bool {
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

// partition returns the AWS partition a region belongs to.
func partition(region string) string {
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

// secretARN returns arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<suffix>.
func secretARN(region, account, name, suffix string) string {
	return "arn:" + partition(region) + ":secretsmanager:" + region + ":" + account + ":secret:" + name + "-" + suffix
}

// newSuffix returns the six random letters and digits AWS appends to a
// secret's name in its ARN.
func newSuffix() string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [suffixLen]byte
	for i := range b {
		b[i] = chars[randIndex(len(chars))]
	}
	return string(b[:])
}

// randIndex returns a uniform random integer in [0, n), n <= 256.
func randIndex(n int) int {
	limit := 256 - 256%n // reject bytes that would bias the result
	var b [1]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("secretstore: crypto/rand failed: %v", err)) // crypto/rand.Read never fails on supported platforms
		}
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// secretID is what a SecretId parameter names, once parsed.
type secretID struct {
	name    string // the secret's name, or for a partial ARN the text after "secret:"
	suffix  string // the six-character suffix of a full ARN
	region  string // region of an ARN; "" for a name
	account string // account of an ARN; "" for a name
	arn     bool   // the SecretId is an ARN
	partial bool   // the ARN has no recognizable suffix
}

// parseSecretID classifies a SecretId as a name, a full ARN or a partial ARN.
// An ARN whose tail is a hyphen and six letters or digits is taken as a full
// ARN, as AWS does, even when the secret's own name ends that way.
func parseSecretID(id string) (secretID, error) {
	if err := checkLen("secretId", id, 1, maxSecretIDLen); err != nil {
		return secretID{}, err
	}
	if !strings.HasPrefix(id, "arn:") {
		if !validName(id) {
			return secretID{}, newError(ErrValidation, msgInvalidName)
		}
		return secretID{name: id}, nil
	}
	// arn:partition:secretsmanager:region:account:secret:tail
	parts := strings.SplitN(id, ":", 7)
	if len(parts) != 7 || parts[2] != "secretsmanager" || parts[5] != "secret" || parts[6] == "" {
		return secretID{}, newError(ErrResourceNotFound, msgSecretNotFound)
	}
	tail := parts[6]
	p := secretID{region: parts[3], account: parts[4], arn: true}
	if n := len(tail); n > suffixLen+1 && tail[n-suffixLen-1] == '-' && allAlnum(tail[n-suffixLen:]) {
		p.name, p.suffix = tail[:n-suffixLen-1], tail[n-suffixLen:]
	} else {
		p.name, p.partial = tail, true
	}
	return p, nil
}

func allAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) {
			return false
		}
	}
	return true
}
