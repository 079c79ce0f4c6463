package awsmodel

// The AWS Regions, by partition, as the AWS SDKs' endpoints data lists them
// (aws-sdk-go-v2 v1.48.0, internal/endpoints/awsrulesfn/partitions.json).
// A replica must be in one of them, or in one the store's options add
// (Options.ExtraRegions, serve --extra-regions) for a Region AWS opens
// after this list was taken.
var regions = map[string]string{
	"af-south-1": "aws", "ap-east-1": "aws", "ap-east-2": "aws", "ap-northeast-1": "aws", "ap-northeast-2": "aws",
	"ap-northeast-3": "aws", "ap-south-1": "aws", "ap-south-2": "aws", "ap-southeast-1": "aws", "ap-southeast-2": "aws",
	"ap-southeast-3": "aws", "ap-southeast-4": "aws", "ap-southeast-5": "aws", "ap-southeast-6": "aws", "ap-southeast-7": "aws",
	"ca-central-1": "aws", "ca-west-1": "aws", "eu-central-1": "aws", "eu-central-2": "aws", "eu-north-1": "aws",
	"eu-south-1": "aws", "eu-south-2": "aws", "eu-west-1": "aws", "eu-west-2": "aws", "eu-west-3": "aws",
	"il-central-1": "aws", "me-central-1": "aws", "me-south-1": "aws", "me-west-1": "aws", "mx-central-1": "aws",
	"sa-east-1": "aws", "sa-west-1": "aws", "us-east-1": "aws", "us-east-2": "aws", "us-west-1": "aws", "us-west-2": "aws",
	"cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
	"eusc-de-east-1": "aws-eusc",
	"us-iso-east-1":  "aws-iso", "us-iso-west-1": "aws-iso",
	"us-isob-east-1": "aws-iso-b", "us-isob-west-1": "aws-iso-b",
	"eu-isoe-west-1": "aws-iso-e",
	"us-isof-east-1": "aws-iso-f", "us-isof-south-1": "aws-iso-f",
	"us-gov-east-1": "aws-us-gov", "us-gov-west-1": "aws-us-gov",
}

// KnownRegion reports whether region is an AWS Region of the list above.
func KnownRegion(region string) bool {
	_, ok := regions[region]
	return ok
}

// UnknownReplicaRegion (InvalidParameter): a replica region that is not an
// AWS Region.
func UnknownReplicaRegion(region string) string {
	return "Invalid replica region: " + region + " is not an AWS Region."
}

// CrossPartitionReplica (InvalidParameter): a replica region in another
// partition than its primary's (a China or GovCloud Region and a
// commercial one).
func CrossPartitionReplica(region, primary string) string {
	return "Invalid replica region: " + region + " is in another partition than " + primary + ", and a secret can't be replicated across partitions."
}
