package secretstore

// Tag is a key-value pair attached to a secret. Keys are case-sensitive.
type Tag struct {
	Key   string
	Value string
}
