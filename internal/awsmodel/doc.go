// Package awsmodel is the AWS Secrets Manager API model as secretstore
// applies it: the exception names, the length, range and enum constraints of
// the members, the service quotas, and the exact text of the messages AWS
// sends. The library and the wire server both take them from here, so a
// rule of AWS is written once.
//
// Message texts are AWS's where AWS's are known (recorded on AWS, or
// documented); the rest say what happened in the same style. None of them
// ever contains a secret value.
package awsmodel
