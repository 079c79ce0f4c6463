package awsapi

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEpochSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ms   int64
		want string
	}{
		// From the recordings of real AWS traffic.
		{1707264658891, "1.707264658891E9"},
		{1707264634570, "1.70726463457E9"},
		{1723075200000, "1.7230752E9"},
		{1707264000000, "1.707264E9"},
		// Java's Double.toString for other values.
		{1700000000000, "1.7E9"},
		{1000000000000, "1.0E9"},
		{1700000000001, "1.700000000001E9"},
		{10000000000, "1.0E7"},
		{9999999999, "9999999.999"},
		{1234567891, "1234567.891"},
		{1234567000, "1234567.0"},
		{1000, "1.0"},
		{1500, "1.5"},
		{1, "0.001"},
		{10, "0.01"},
		{0, "0.0"},
		{-1000, "-1.0"},
		{-86400000, "-86400.0"},
		{-1707264658891, "-1.707264658891E9"},
		{253402300799999, "2.53402300799999E11"}, // 9999-12-31T23:59:59.999Z
	}
	for _, tt := range tests {
		if got := epochSeconds(tt.ms); got != tt.want {
			t.Errorf("epochSeconds(%d) = %s, want %s", tt.ms, got, tt.want)
		}
		// Whatever the form, it is a JSON number for the same instant.
		var f float64
		if err := json.Unmarshal([]byte(epochSeconds(tt.ms)), &f); err != nil {
			t.Errorf("%s is not a JSON number: %v", tt.want, err)
		} else if ms := int64(f*1000 + copysign(0.5, f)); ms != tt.ms {
			t.Errorf("%s reads back as %d ms, want %d", tt.want, ms, tt.ms)
		}
	}
}

func copysign(v, sign float64) float64 {
	if sign < 0 {
		return -v
	}
	return v
}

func TestTimestampJSON(t *testing.T) {
	t.Parallel()
	type s struct {
		A timestamp `json:"A,omitzero"`
		B timestamp `json:"B,omitzero"`
	}
	b, err := json.Marshal(s{A: timestamp(time.UnixMilli(1707264658891))})
	if err != nil || string(b) != `{"A":1.707264658891E9}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	// Sub-millisecond precision is dropped, never rounded up.
	ts := timestamp(time.Unix(1707264658, 891_999_999))
	if b, _ := ts.MarshalJSON(); string(b) != "1.707264658891E9" {
		t.Errorf("sub-millisecond time = %s", b)
	}
}
