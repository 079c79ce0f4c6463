package awsmodel

import "testing"

func TestViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"too short", Length("name", 0, 1, 512), "Value at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"too long", Length("secretString", 65537, 1, MaxValueLen), "Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"},
		{"within", Length("name", 3, 1, 512), ""},
		{"echoed list", LengthEcho("'[a, b]'", "filters.1.member.values", 11, 0, 10), "Value '[a, b]' at 'filters.1.member.values' failed to satisfy constraint: Member must have length less than or equal to 10"},
		{"below range", Range("maxResults", 0, 1, 100), "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"above range", Range("passwordLength", 4097, 1, 4096), "Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"},
		{"in range", Range("maxResults", 100, 1, 100), ""},
		{"enum", Enum("sortOrder", "up", SortOrders), "Value 'up' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"},
		{"enum member", Enum("sortOrder", "asc", SortOrders), ""},
		{"pattern", Pattern("filters.1.member.values", "a*", FilterValuePattern), `Value 'a*' at 'filters.1.member.values' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`},
		{"required", Required("secretId"), "Value null at 'secretId' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestValidationMessage(t *testing.T) {
	t.Parallel()
	a, b := Required("secretId"), Range("maxResults", 0, 1, 100)
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"", ""}, ""},
		{[]string{a}, "1 validation error detected: " + a},
		{[]string{"", a, ""}, "1 validation error detected: " + a},
		{[]string{a, "", b}, "2 validation errors detected: " + a + "; " + b},
	}
	for _, tt := range tests {
		if got := ValidationMessage(tt.in...); got != tt.want {
			t.Errorf("ValidationMessage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
