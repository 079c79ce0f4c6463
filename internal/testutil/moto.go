package testutil

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Moto starts moto_server (moto's Secrets Manager, a second implementation
// of the API) on a free loopback port, waits until it answers ListSecrets,
// and returns its URL; tb.Cleanup kills it. It skips tb when moto_server is
// not on PATH.
func Moto(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		tb.Skip("moto_server is not on PATH")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", port)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting moto_server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	url := "http://127.0.0.1:" + port
	c := SDKClient(url, "us-east-1")
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
		cancel()
		if err == nil {
			return url
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			tb.Fatalf("moto_server exited before answering: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("moto_server on port %s does not answer: %v", port, err)
		}
		time.Sleep(100 * time.Millisecond) // moto takes seconds to start
	}
}
