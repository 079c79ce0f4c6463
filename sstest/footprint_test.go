package sstest_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/secretstore-go/secretstore/sstest"
)

// TestHundredServersFootprint opens 100 servers at once, as a package of
// 100 parallel tests does, each making a secret and reading and changing
// it a few times, and fails if the test binary then holds more than 256
// MiB (VmRSS; a footprint is a number a test can assert, unlike a time).
func TestHundredServersFootprint(t *testing.T) {
	const servers, calls, limit = 100, 10, 256 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rssBefore, haveRSS := vmRSS()
	value := strings.Repeat("v", 1024)
	for i := range servers {
		s := sstest.New(t)
		ctx := t.Context()
		name := aws.String(fmt.Sprintf("app/%d/password", i))
		if _, err := s.Client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: name, SecretString: aws.String(value)}); err != nil {
			t.Fatal(err)
		}
		for range calls {
			if _, err := s.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: name, SecretString: aws.String(value)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rss, _ := vmRSS()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / servers / (1 << 20)
	t.Logf("%d servers open: heap %.2f MiB a server; VmRSS %.1f MiB (%.1f MiB before them)", servers, heap, float64(rss)/(1<<20), float64(rssBefore)/(1<<20))
	if !haveRSS {
		t.Skip("no /proc/self/status: the RSS is not checked")
	}
	if raceEnabled {
		t.Skip("the race detector's shadow memory is in the RSS: it is not checked")
	}
	if rss > limit {
		t.Errorf("with %d servers open the test binary holds %.1f MiB, more than %d MiB", servers, float64(rss)/(1<<20), limit>>20)
	}
}

// vmRSS returns this process's resident set size (VmRSS), and whether it
// could be read.
func vmRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
