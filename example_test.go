package secretstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"slices"
	"time"

	"github.com/secretstore-go/secretstore"
)

// masterKey returns a fresh 32-byte master key. A real program reads it
// from a file kept outside the data folder (Options.MasterKeyFile).
func masterKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		log.Fatal(err)
	}
	return k
}

func ExampleOpen() {
	ctx := context.Background()
	s, err := secretstore.Open(ctx, secretstore.Options{
		InMemory:  true, // or Dir: "/var/lib/myapp/secrets"
		MasterKey: masterKey(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if _, err := s.Put(ctx, "prod/db/password", "correct horse battery staple"); err != nil {
		log.Fatal(err)
	}
	v, err := s.Get(ctx, "prod/db/password")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// Output: correct horse battery staple
}

func ExampleStore_Put() {
	ctx := context.Background()
	s, err := secretstore.Open(ctx, secretstore.Options{InMemory: true, MasterKey: masterKey()})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// The first Put creates the secret; the next ones add versions, and the
	// newest is the current one.
	for _, v := range []string{"v1", "v2"} {
		if _, err := s.Put(ctx, "api-key", v); err != nil {
			log.Fatal(err)
		}
	}
	current, err := s.Get(ctx, "api-key")
	if err != nil {
		log.Fatal(err)
	}
	previous, err := s.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: "api-key", VersionStage: secretstore.StagePrevious})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current:", current)
	fmt.Println("previous:", previous.SecretString)

	_, err = s.Get(ctx, "no-such-secret")
	fmt.Println(secretstore.ErrorCode(err))
	// Output:
	// current: v2
	// previous: v1
	// ResourceNotFoundException
}

func ExampleStore_UpdateSecretVersionStage() {
	ctx := context.Background()
	s, err := secretstore.Open(ctx, secretstore.Options{InMemory: true, MasterKey: masterKey()})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// Fixed ClientRequestTokens make the version ids readable.
	const v1 = "00000000-0000-0000-0000-000000000001"
	const v2 = "00000000-0000-0000-0000-000000000002"
	if _, err := s.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: "db", SecretString: "old", ClientRequestToken: v1}); err != nil {
		log.Fatal(err)
	}
	if _, err := s.PutSecretValue(ctx, &secretstore.PutSecretValueInput{SecretId: "db", SecretString: "new", ClientRequestToken: v2}); err != nil {
		log.Fatal(err)
	}

	// Roll back: move AWSCURRENT to the first version. The version that
	// held it must be named, and it becomes AWSPREVIOUS.
	_, err = s.UpdateSecretVersionStage(ctx, &secretstore.UpdateSecretVersionStageInput{
		SecretId:            "db",
		VersionStage:        secretstore.StageCurrent,
		RemoveFromVersionId: v2,
		MoveToVersionId:     v1,
	})
	if err != nil {
		log.Fatal(err)
	}

	d, err := s.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: "db"})
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range []string{v1, v2} {
		labels := slices.Sorted(slices.Values(d.VersionIdsToStages[id]))
		fmt.Println(id, labels)
	}
	v, err := s.Get(ctx, "db")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current value:", v)
	// Output:
	// 00000000-0000-0000-0000-000000000001 [AWSCURRENT]
	// 00000000-0000-0000-0000-000000000002 [AWSPREVIOUS]
	// current value: old
}

func ExampleStore_DeleteSecret() {
	ctx := context.Background()
	clock := secretstore.NewFakeClock(time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC))
	s, err := secretstore.Open(ctx, secretstore.Options{InMemory: true, MasterKey: masterKey(), Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if _, err := s.Put(ctx, "db", "hunter2"); err != nil {
		log.Fatal(err)
	}
	out, err := s.DeleteSecret(ctx, &secretstore.DeleteSecretInput{
		SecretId:             "db",
		RecoveryWindowInDays: new(int64(7)),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deletion date:", out.DeletionDate.Format(time.DateOnly))

	// Within the recovery window the value cannot be read...
	clock.Advance(3 * 24 * time.Hour)
	_, err = s.GetSecretValue(ctx, &secretstore.GetSecretValueInput{SecretId: "db"})
	fmt.Println("read while scheduled:", secretstore.ErrorCode(err))

	// ...but the secret can be restored.
	if _, err := s.RestoreSecret(ctx, &secretstore.RestoreSecretInput{SecretId: "db"}); err != nil {
		log.Fatal(err)
	}
	v, err := s.Get(ctx, "db")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after restore:", v)
	// Output:
	// deletion date: 2026-01-22
	// read while scheduled: InvalidRequestException
	// after restore: hunter2
}

func ExampleStore_AllSecrets() {
	ctx := context.Background()
	s, err := secretstore.Open(ctx, secretstore.Options{InMemory: true, MasterKey: masterKey()})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"prod/db", "prod/api", "test/db"} {
		if _, err := s.Put(ctx, name, "v"); err != nil {
			log.Fatal(err)
		}
	}

	// Every secret whose name starts with prod/, however many pages that
	// takes: AllSecrets follows NextToken.
	in := &secretstore.ListSecretsInput{
		Filters: []secretstore.Filter{{Key: secretstore.FilterNameStringTypeName, Values: []string{"prod/"}}},
		SortBy:  secretstore.SortByName,
	}
	for e, err := range s.AllSecrets(ctx, in) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Name)
	}
	// Output:
	// prod/api
	// prod/db
}

// A program that keeps a store on disk bounds its own memory with the Go
// runtime's soft limit that the store's budget calls for.
func ExampleGoMemoryLimit() {
	budget := int64(64 << 20) // Options.MemoryBudget
	// In main: debug.SetMemoryLimit(secretstore.GoMemoryLimit(budget))
	fmt.Println(secretstore.GoMemoryLimit(budget)>>20, "MiB")
	// Output: 112 MiB
}
