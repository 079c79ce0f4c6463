package main

import (
	"slices"
	"testing"
)

func TestErrorLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ msg, want string }{
		{"secretstore list: damaged\nTo salvage ...", "secretstore list: damaged"},
		{"time=1 level=WARN msg=\"key beside the data\"\ntime=2 level=ERROR msg=badger\nsecretstore get: damaged", "secretstore get: damaged"},
		{"time=1 level=ERROR msg=only-logs", "time=1 level=ERROR msg=only-logs"},
		{"", ""},
	} {
		if got := errorLine(c.msg); got != c.want {
			t.Errorf("errorLine(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}

func TestAWSErrorCode(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]string{
		"secretstore get: ResourceNotFoundException: Secrets Manager can't find the specified secret.":    "ResourceNotFoundException",
		"time=x level=WARN msg=y\nsecretstore list: InternalServiceError: the stored data is damaged":     "InternalServiceError",
		"secretstore get: DecryptionFailure: Secrets Manager can't decrypt":                               "DecryptionFailure",
		"secretstore get: InvalidRequestException: You can't perform this operation on the secret":        "InvalidRequestException",
		"secretstore list: opening the database in \"/d\": Error while reading IV for key registry. err:": "",
		"secretstore list: secretstore: the stored data is damaged: table 000004.sst":                     "",
	} {
		if got := awsErrorCode(msg); got != want {
			t.Errorf("awsErrorCode(%q) = %q, want %q", msg, got, want)
		}
	}
	if !verifyFoundProblems("secretstore verify: 3 problems in /d. Damaged secrets ...") ||
		!verifyFoundProblems("secretstore verify: 1 problem in /d.") || verifyFoundProblems("secretstore verify: table 000004.sst is damaged") {
		t.Error("verifyFoundProblems")
	}
}

func TestRecoverReport(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		json        string
		named       []string
		unnamed     int
		nothingLost bool
	}{
		{"nothing lost", `{"Files":[{"Name":"000001.sst","Entries":3}],"Secrets":2,"Versions":3}`, nil, 0, true},
		{"lost and problems", `{"Lost":["app/a in us-east-1","in/x in eu-west-1"],"Problems":[{"Region":"us-east-1","Name":"app/b","Detail":"gone"}]}`,
			[]string{"app/a", "app/b", "in/x"}, 0, false},
		{"a damaged file", `{"Files":[{"Name":"000001.sst","Entries":3,"Damage":"bad"}]}`, nil, 0, false},
		{"lost transactions", `{"LostTransactions":2}`, nil, 0, false},
		{"unnamed losses", `{"Unnamed":["table 000004.sst is missing"],"Problems":[{"Detail":"no name"}]}`, nil, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := parseRecoverReport(c.json)
			if err != nil {
				t.Fatal(err)
			}
			var named []string
			for n := range r.named() {
				named = append(named, n)
			}
			slices.Sort(named)
			if !slices.Equal(named, c.named) || len(r.unnamed()) != c.unnamed || r.nothingLost() != c.nothingLost {
				t.Errorf("named %q, unnamed %q, nothing lost %v", named, r.unnamed(), r.nothingLost())
			}
		})
	}
	if _, err := parseRecoverReport("secretstore recover: no"); err == nil {
		t.Error("a report that is not JSON is read")
	}
	if got := recoverArgs("D", "N", ""); !slices.Equal(got, []string{"recover", "--data", "D", "--to", "N", "--json"}) {
		t.Errorf("recoverArgs = %q", got)
	}
	if got := recoverArgs("D", "N", "K"); !slices.Contains(got, "--master-key-file") {
		t.Errorf("recoverArgs with a key = %q", got)
	}
}

func TestServedPanic(t *testing.T) {
	t.Parallel()
	log := "time=1 level=INFO msg=listening addr=127.0.0.1:1\n" +
		"time=2 level=ERROR msg=\"secretstore internal error\" request_id=r operation=GetSecretValue error=\"panic serving GetSecretValue: runtime error: slice bounds out of range\"\n"
	if got := servedPanic(log); got != `panic serving GetSecretValue: runtime error: slice bounds out of range"` {
		t.Errorf("servedPanic = %q", got)
	}
	if got := servedPanic("time=1 level=INFO msg=\"secretsmanager request\" status=200"); got != "" {
		t.Errorf("servedPanic of a log without a panic = %q", got)
	}
}
