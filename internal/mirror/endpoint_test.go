package mirror

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore"
)

func TestParseFilters(t *testing.T) {
	t.Parallel()
	got, err := ParseFilters("--filter", []string{"name=prod/", "tag-key=team", "name=!prod/old"})
	if err != nil {
		t.Fatal(err)
	}
	want := "name=[prod/ !prod/old] tag-key=[team]"
	var parts []string
	for _, f := range got {
		parts = append(parts, fmt.Sprintf("%s=%v", f.Key, f.Values))
	}
	if s := strings.Join(parts, " "); s != want {
		t.Errorf("parseFilters = %s, want %s", s, want)
	}
}

// TestLabelMoves checks the label moves a copy computes against AWS's rules.
func TestLabelMoves(t *testing.T) {
	t.Parallel()
	const cur, prev, pend = secretstore.StageCurrent, secretstore.StagePrevious, secretstore.StagePending
	tests := []struct {
		name      string
		state     labelState
		want      wantLabels
		allLabels bool
		moves     []stageMove
		after     labelState
	}{
		{"in place", labelState{"v1": {cur}}, wantLabels{cur: "v1"}, true, nil, labelState{"v1": {cur}}},
		{"current moves, previous follows", labelState{"v1": {cur}, "v2": {prev}}, wantLabels{cur: "v2", prev: "v1"}, true,
			[]stageMove{{cur, "v2", "v1"}}, labelState{"v1": {prev}, "v2": {cur}}},
		{"custom label added", labelState{"v1": {cur}}, wantLabels{cur: "v1", "x": "v1"}, true,
			[]stageMove{{"x", "v1", ""}}, labelState{"v1": {cur, "x"}}},
		{"previous the copy made is removed", labelState{"v1": {prev}, "v2": {cur}}, wantLabels{cur: "v2", "x": "v1"}, true,
			[]stageMove{{"x", "v1", ""}, {prev, "", "v1"}}, labelState{"v1": {"x"}, "v2": {cur}}},
		{"previous on the destination's own version stays", labelState{"own": {prev}, "v2": {cur}}, wantLabels{cur: "v2"}, true,
			nil, labelState{"own": {prev}, "v2": {cur}}},
		{"current only leaves previous alone", labelState{"v1": {prev}, "v2": {cur}}, wantLabels{cur: "v2"}, false,
			nil, labelState{"v1": {prev}, "v2": {cur}}},
		{"labels taken from the destination's own version", labelState{"own": {cur, pend}, "v1": {prev}}, wantLabels{cur: "v1", pend: "v1"}, true,
			[]stageMove{{cur, "v1", "own"}, {pend, "v1", "own"}}, labelState{"own": {prev}, "v1": {cur, pend}}},
	}
	for _, tt := range tests {
		got := tt.state.movesTo(tt.want, tt.allLabels)
		if !reflect.DeepEqual(got, tt.moves) {
			t.Errorf("%s: moves %v, want %v", tt.name, got, tt.moves)
		}
		for id := range tt.state {
			slices.Sort(tt.state[id])
		}
		for id := range tt.after {
			slices.Sort(tt.after[id])
		}
		if !reflect.DeepEqual(tt.state, tt.after) {
			t.Errorf("%s: labels after %v, want %v", tt.name, tt.state, tt.after)
		}
	}
}

// TestCopyEndpoints: what each form of URL means.
func TestCopyEndpoints(t *testing.T) {
	// The standard configuration, with no file and no region of its own.
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	tests := []struct {
		raw    string
		env    map[string]string // for an endpoint: c.getenv
		desc   string
		region string
		err    string
	}{
		{"aws://eu-west-1", nil, "aws://eu-west-1", "eu-west-1", ""},
		{"aws", nil, "", "", "no region is configured"},
		{"http://127.0.0.1:4566", nil, "http://127.0.0.1:4566?region=us-east-1", "us-east-1", ""},
		{"https://sm.example:443/", map[string]string{"AWS_REGION": "ap-south-1"}, "https://sm.example:443?region=ap-south-1", "ap-south-1", ""},
		{"http://127.0.0.1:4566?region=eu-west-1", map[string]string{"AWS_REGION": "ap-south-1"}, "http://127.0.0.1:4566?region=eu-west-1", "eu-west-1", ""},
		{"http://user:pw@127.0.0.1:4566", nil, "", "", "is not aws"},
		{"127.0.0.1:4566", nil, "", "", "is not aws"},
	}
	for _, tt := range tests {
		e, err := ParseEndpoint(t.Context(), "--from", tt.raw, func(k string) string { return tt.env[k] })
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want an error with %q", tt.raw, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.raw, err)
			continue
		}
		if e.Desc != tt.desc || e.Client.Options().Region != tt.region || e.Region != tt.region {
			t.Errorf("%s: %s in %s, want %s in %s", tt.raw, e.Desc, e.Client.Options().Region, tt.desc, tt.region)
		}
	}
}

// TestAWSEndpointUsesTheStandardChain: "aws" and "aws://REGION" reach AWS
// itself with the SDK's standard configuration: the region from the
// environment or the shared config file's profile, credentials from the
// environment or the shared credentials file, AWS's own endpoint. (AWS
// cannot be reached from the tests: this checks what the client is given.)
func TestAWSEndpointUsesTheStandardChain(t *testing.T) {
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config")
	credsFile := filepath.Join(dir, "credentials")
	if err := os.WriteFile(configFile, []byte("[profile edge]\nregion = ap-southeast-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credsFile, []byte("[edge]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = secret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		raw        string
		env        map[string]string
		region     string
		accessKey  string
		endpoint   string
		wantErr    string
		wantConfig bool // the error is a ConfigError (a usage error)
	}{
		{"the environment's region and keys", "aws", map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"},
			"eu-west-1", "AKIDENV", "https://secretsmanager.eu-west-1.amazonaws.com", "", false},
		{"a region named in the URL wins", "aws://us-west-2", map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"},
			"us-west-2", "AKIDENV", "https://secretsmanager.us-west-2.amazonaws.com", "", false},
		{"the profile's region and keys from the shared files", "aws", map[string]string{"AWS_PROFILE": "edge"},
			"ap-southeast-2", "AKIDFROMFILE", "https://secretsmanager.ap-southeast-2.amazonaws.com", "", false},
		{"no region anywhere", "aws", nil, "", "", "", "no region is configured", true},
		{"a bad region in the URL", "aws://Mars-1", nil, "", "", "", `"Mars-1" is not a region name`, true},
		{"a bad region in the environment", "aws", map[string]string{"AWS_REGION": "not a region"}, "", "", "", "is not a region name", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
				t.Setenv(k, tt.env[k])
			}
			t.Setenv("AWS_CONFIG_FILE", configFile)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true") // no instance role to look for
			e, err := ParseEndpoint(t.Context(), "--mirror-from", tt.raw, func(string) string { return "" })
			if tt.wantErr != "" {
				var ce *ConfigError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.As(err, &ce) != tt.wantConfig {
					t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Region != tt.region || e.Desc != "aws://"+tt.region {
				t.Errorf("region %q, desc %q; want %q", e.Region, e.Desc, tt.region)
			}
			creds, err := e.Client.Options().Credentials.Retrieve(t.Context())
			if err != nil || creds.AccessKeyID != tt.accessKey {
				t.Errorf("credentials %q, %v; want %q", creds.AccessKeyID, err, tt.accessKey)
			}
			ep, err := secretsmanager.NewDefaultEndpointResolverV2().ResolveEndpoint(t.Context(), secretsmanager.EndpointParameters{Region: aws.String(e.Region)})
			if err != nil || ep.URI.String() != tt.endpoint || e.Client.Options().BaseEndpoint != nil {
				t.Errorf("endpoint %v (base %v), %v; want %s", ep.URI.String(), e.Client.Options().BaseEndpoint, err, tt.endpoint)
			}
		})
	}
}

func TestParseFiltersRefusesMistakes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ flag, want string }{
		{"name", "want KEY=VALUE"},
		{"name=", "want KEY=VALUE"},
		{"color=red", "the key must be one of all, description, name"},
	} {
		_, err := ParseFilters("--mirror-filter", []string{tt.flag})
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "--mirror-filter ") {
			t.Errorf("%q: %v, want a ConfigError with %q", tt.flag, err, tt.want)
		}
	}
}
