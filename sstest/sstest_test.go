package sstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/sstest"
)

func TestNewClosesEverythingInCleanup(t *testing.T) {
	var s *sstest.Server
	t.Run("inner", func(t *testing.T) {
		s = sstest.New(t)
		if _, err := s.Store.Put(t.Context(), "a", "v"); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := s.Store.Get(context.Background(), "a"); !errors.Is(err, secretstore.ErrClosed) {
		t.Errorf("Store.Get after the test: %v, want ErrClosed", err)
	}
	if resp, err := http.Post(s.URL, "application/x-amz-json-1.1", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after the test")
	}
}

func TestClockStartsNowAtMillisecondPrecision(t *testing.T) {
	before := time.Now().UTC().Truncate(time.Millisecond)
	s := sstest.New(t)
	after := time.Now().UTC()
	got := s.Clock.Now()
	if got.Before(before) || got.After(after) || got.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("clock starts at %v, want between %v and %v at millisecond precision", got, before, after)
	}
	if want := got.Add(time.Hour); !s.Advance(time.Hour).Equal(want) || !s.Clock.Now().Equal(want) {
		t.Errorf("after Advance(1h) the clock reads %v, want %v", s.Clock.Now(), want)
	}
}

func TestClientSeesStoreAndStoreSeesClient(t *testing.T) {
	ctx := t.Context()
	s := sstest.New(t)
	created, err := s.Client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String("app/token"),
		SecretString: aws.String("t0k3n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(created.ARN), "arn:aws:secretsmanager:us-east-1:") {
		t.Errorf("ARN %q is not in us-east-1", aws.ToString(created.ARN))
	}
	if got, err := s.Store.Get(ctx, "app/token"); err != nil || got != "t0k3n" {
		t.Errorf("Store.Get = %q, %v", got, err)
	}
	// A client made from Config is the same as Client.
	other := secretsmanager.NewFromConfig(s.Config)
	if _, err := other.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/token")}); err != nil {
		t.Errorf("DescribeSecret through a client made from Config: %v", err)
	}
}

func TestClientDoesNotRetry(t *testing.T) {
	s := sstest.New(t)
	if n := s.Client.Options().RetryMaxAttempts; n != 1 {
		t.Errorf("RetryMaxAttempts = %d, want 1", n)
	}
}

func TestOtherRegionThroughClientOptions(t *testing.T) {
	ctx := t.Context()
	s := sstest.New(t)
	eu := secretsmanager.New(s.Client.Options(), func(o *secretsmanager.Options) { o.Region = "eu-west-1" })
	if _, err := eu.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("x"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Store.Region("eu-west-1").Get(ctx, "x"); err != nil || got != "v" {
		t.Errorf("eu-west-1 Get = %q, %v", got, err)
	}
	_, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("x")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("us-east-1 sees the eu-west-1 secret: %v", err)
	}
}

func TestServersAreIndependent(t *testing.T) {
	ctx := t.Context()
	a, b := sstest.New(t), sstest.New(t)
	if _, err := a.Store.Put(ctx, "only-in-a", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Store.Get(ctx, "only-in-a"); !errors.Is(err, secretstore.ErrResourceNotFound) {
		t.Errorf("b sees a's secret: %v", err)
	}
}

func TestControlEndpointMovesClock(t *testing.T) {
	s := sstest.New(t)
	want := s.Clock.Now().Add(48 * time.Hour)
	resp, err := http.Post(s.URL+"/_secretstore/clock", "application/json", strings.NewReader(`{"advance":"48h"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Now time.Time }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_secretstore/clock: %s, %v", resp.Status, err)
	}
	if !s.Clock.Now().Equal(want) || !body.Now.Equal(want) {
		t.Errorf("clock reads %v (response %v), want %v", s.Clock.Now(), body.Now, want)
	}
}

func TestReapPurgesExpiredSecrets(t *testing.T) {
	ctx := t.Context()
	s := sstest.New(t)
	if _, err := s.Store.Put(ctx, "old", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.Delete(ctx, "old", 7); err != nil {
		t.Fatal(err)
	}
	if st := s.Reap(); st.Purged != 0 {
		t.Errorf("Reap within the window purged %d secrets", st.Purged)
	}
	s.Advance(7*24*time.Hour + time.Millisecond)
	if st := s.Reap(); st.Purged != 1 {
		t.Errorf("Reap after the window purged %d secrets, want 1", st.Purged)
	}
}
