package main

import (
	"flag"
	"net/http"
	"strings"
	"testing"
)

// serveFlagSamples holds a valid value for every flag of serve, other than
// its default. TestEveryServeFlagHasAVariable fails for a flag that has
// none, so a new flag is not added without its variable being tested.
var serveFlagSamples = map[string]string{
	"addr":                  "127.0.0.1:0",
	"data":                  "/var/lib/secretstore",
	"memory":                "true",
	"region":                "eu-west-1",
	"account":               "111122223333",
	"master-key-file":       "/etc/secretstore/master.key",
	"passphrase-file":       "/etc/secretstore/passphrase",
	"access-key-id":         "AKIDENV",
	"secret-access-key":     "env-secret",
	"test-mode":             "true",
	"quiet":                 "true",
	"read-timeout":          "7s",
	"write-timeout":         "8s",
	"idle-timeout":          "9s",
	"max-header-bytes":      "8192",
	"max-connections":       "5",
	"memory-budget":         "64MiB",
	"rotator":               "arn:aws:lambda:us-east-1:123456789012:function:a=http://127.0.0.1:9/a\narn:aws:lambda:us-east-1:123456789012:function:b=exec:python3 rotator.py",
	"rotation-step-timeout": "1m",
	"principals":            "/etc/secretstore/principals.json",
	"authz-mode":            "log",
	"metrics-addr":          "127.0.0.1:9090",
	"extra-regions":         "mars-north-9,venus-east-2",
	"agent-addr":            "127.0.0.1:2773",
	"agent-principal":       "arn:aws:iam::123456789012:role/device",
	"agent-max-connections": "50",
	"mirror-from":           "aws://eu-west-1",
	"mirror-every":          "10m",
	"mirror-filter":         "name=app/\ntag-key=!skip",
}

// TestEveryServeFlagHasAVariable walks serve's flags: each one's variable
// (by the one rule, envName) sets it as the flag itself would, "secretstore
// help serve" names the variable, and the flag, when given, wins.
func TestEveryServeFlagHasAVariable(t *testing.T) {
	t.Parallel()
	if got := envName("read-timeout"); got != "SECRETSTORE_READ_TIMEOUT" {
		t.Errorf("envName(read-timeout) = %s", got)
	}
	help := runCLI(t, nil, "", "help", "serve").stdout
	all := newFlagSet("serve")
	setupServe(all)
	all.VisitAll(func(fl *flag.Flag) {
		name := fl.Name
		sample, ok := serveFlagSamples[name]
		if !ok {
			t.Errorf("serve --%s has no sample value in serveFlagSamples: add one, so that its variable %s is tested", name, envName(name))
			return
		}
		if !strings.Contains(help, "(env "+envName(name)+")") {
			t.Errorf("secretstore help serve does not name %s", envName(name))
		}

		// The flag given on the command line (a repeatable one once a line).
		byFlag := newFlagSet("serve")
		setupServe(byFlag)
		var args []string
		for _, v := range strings.Split(sample, "\n") {
			args = append(args, "--"+name+"="+v)
		}
		if err := byFlag.Parse(args); err != nil {
			t.Fatalf("--%s: %v", name, err)
		}
		want := byFlag.Lookup(name).Value.String()
		if want == fl.DefValue {
			t.Fatalf("the sample of --%s is its default: choose another", name)
		}

		// The variable alone.
		byEnv := newFlagSet("serve")
		setupServe(byEnv)
		src, err := applyEnv(byEnv, func(k string) string {
			if k == envName(name) {
				return sample
			}
			return ""
		})
		if err != nil {
			t.Fatalf("%s: %v", envName(name), err)
		}
		if got := byEnv.Lookup(name).Value.String(); got != want {
			t.Errorf("%s=%q sets --%s to %q; the flag itself gives %q", envName(name), sample, name, got, want)
		}
		if src.name(name) != envName(name) || !isSet(byEnv, name) {
			t.Errorf("%s: the flag is not marked as set from it (%v)", envName(name), src)
		}

		// Both: the flag wins, and the variable is not even parsed.
		both := newFlagSet("serve")
		setupServe(both)
		if err := both.Parse(args); err != nil {
			t.Fatal(err)
		}
		bad := func(k string) string {
			if k == envName(name) {
				return "not a valid value of anything"
			}
			return ""
		}
		if _, err := applyEnv(both, bad); err != nil {
			t.Errorf("--%s given: its variable was still read: %v", name, err)
		}
		if got := both.Lookup(name).Value.String(); got != want {
			t.Errorf("--%s given and %s set: %q, want the flag's %q", name, envName(name), got, want)
		}
	})
}

// TestServeEnvironment runs serve configured by its variables only, and
// checks what a bad or conflicting value says.
func TestServeEnvironment(t *testing.T) {
	t.Parallel()
	srv := startInProcess(t, map[string]string{
		"SECRETSTORE_MEMORY":    "true",
		"SECRETSTORE_TEST_MODE": "1",
		"SECRETSTORE_QUIET":     "true",
		"SECRETSTORE_REGION":    "eu-west-1",
	})
	if status, body := post(t, srv.URL+"/_secretstore/clock", `{"advance":"0s"}`); status != http.StatusOK {
		t.Errorf("SECRETSTORE_TEST_MODE=1: the clock endpoint answered %d %s", status, body)
	}
	if !strings.Contains(srv.log.String(), "region=eu-west-1") || strings.Contains(srv.log.String(), "secretsmanager request") {
		t.Errorf("SECRETSTORE_REGION and SECRETSTORE_QUIET were not applied:\n%s", srv.log)
	}

	for _, tt := range []struct {
		env  map[string]string
		args []string
		want []string
	}{
		{map[string]string{"SECRETSTORE_READ_TIMEOUT": "5"}, []string{"--memory"}, []string{"SECRETSTORE_READ_TIMEOUT", `"5" is not a duration`, "30s"}},
		{map[string]string{"SECRETSTORE_MEMORY": "maybe"}, nil, []string{"SECRETSTORE_MEMORY", "maybe"}},
		{map[string]string{"SECRETSTORE_MAX_CONNECTIONS": "0"}, []string{"--memory"}, []string{"SECRETSTORE_MAX_CONNECTIONS must be at least 1"}},
		{map[string]string{"SECRETSTORE_REGION": "mars"}, []string{"--memory"}, []string{`SECRETSTORE_REGION "mars" is not a region name`}},
		{map[string]string{"SECRETSTORE_DATA": "/data"}, []string{"--memory"}, []string{"--memory and SECRETSTORE_DATA cannot be used together"}},
		{nil, []string{"--memory", "--read-timeout", "5"}, []string{"-read-timeout", `"5" is not a duration: give a number with a unit, such as 30s`}},
		{nil, []string{"--memory", "--region", "mars"}, []string{`--region "mars" is not a region name like us-east-1`}},
		{nil, []string{"--memory", "--account", "12"}, []string{`--account "12" is not a 12-digit AWS account id`}},
	} {
		r := runCLI(t, tt.env, "", append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
		if r.code != exitUsage {
			t.Errorf("serve %v with %v: exit %d, want %d\n%s", tt.args, tt.env, r.code, exitUsage, r.stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("serve %v with %v: %q does not say %q", tt.args, tt.env, firstLine(r.stderr), w)
			}
		}
		if strings.Contains(r.stderr, "Options.") {
			t.Errorf("serve %v with %v names the library's option: %q", tt.args, tt.env, firstLine(r.stderr))
		}
	}

	// The flag wins over a bad variable.
	srv = startInProcess(t, map[string]string{"SECRETSTORE_READ_TIMEOUT": "5"}, "--memory", "--quiet", "--read-timeout", "10s")
	if !strings.Contains(srv.log.String(), "read_timeout=10s") {
		t.Errorf("--read-timeout 10s with SECRETSTORE_READ_TIMEOUT=5:\n%s", srv.log)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
