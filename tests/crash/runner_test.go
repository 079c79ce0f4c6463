package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRestart(t *testing.T) {
	t.Parallel()
	r := &runner{}
	calls := 0
	failed, err := r.restart(context.Background(), 7, func() error {
		if calls++; calls == 1 {
			return errors.New("Create a new file")
		}
		return nil
	})
	if err != nil || len(failed) != 1 || !strings.Contains(failed[0], "restart 1 after the kill failed: Create a new file") {
		t.Fatalf("restart that works the second time: failed %q, err %v", failed, err)
	}
	calls = 0
	failed, err = r.restart(context.Background(), 7, func() error { calls++; return errors.New("damaged") })
	if err == nil || len(failed) != restartAttempts || calls != restartAttempts {
		t.Fatalf("restart that never works: failed %q, err %v, %d calls", failed, err, calls)
	}
	if r.stats.failedRestarts != 1+restartAttempts {
		t.Errorf("failedRestarts %d, want %d", r.stats.failedRestarts, 1+restartAttempts)
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0, 1}, {50, 500}, {99, 990}, {100, 1000}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("percentile(1..1000, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil) = %v", got)
	}
}

func TestConnectionRefusedIsARefusal(t *testing.T) {
	t.Parallel()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cl := newWireClient(fmt.Sprintf("http://127.0.0.1:%d", port), 1)
	defer cl.close()
	err = cl.Put(context.Background(), "a", "crash-test-token-0000000000000000000", "v", nil)
	if got := refusal(err); got != "ConnectionRefused" {
		t.Fatalf("refusal(%v) = %q, want ConnectionRefused", err, got)
	}
}
