package awsapi

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/google/uuid"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// BenchmarkWirePutSecretValueVersions is BenchmarkWirePutSecretValue on
// secrets that hold 1, 33 or 99 versions before the put, each put going to
// a secret of its own (so none reaches the quota of 100), beside the floor
// and the badger server, whose put rewrites a secret record of that many
// versions plus one. The secrets are made before each round, off the
// clock: in the store through its API, in the badger server's database as
// records of the same sizes (so both hold as much); each round then waits
// for the background work their writes left (memtable flushes and
// compactions) to settle. Run it with a fixed count:
//
//	go test -run '^$' -bench WirePutSecretValueVersions -benchtime 3000x -count 5 ./awsapi/
func BenchmarkWirePutSecretValueVersions(b *testing.B) {
	floorSecret := versionsName(1, 0)
	body := `{"SecretId":"` + floorSecret + `","ClientRequestToken":"00000000-0000-4000-8000-000000000001","SecretString":"` + benchValue + `"}`
	target := "secretsmanager.PutSecretValue"
	for _, versions := range []int{1, 33, 99} {
		for _, name := range []string{"secretstore", "badger", "floor"} {
			b.Run(fmt.Sprintf("versions=%d/%s", versions, name), func(b *testing.B) {
				var url string
				var store *secretstore.Store
				var fill func(first, n int)
				switch name {
				case "secretstore":
					store, _ = newTestStore(b, secretstore.Options{})
					url = newTestServer(b, store, Options{}).URL
				case "badger":
					var work func() error
					work, fill = badgerWorkAt(b, target, versions)
					url = startFloor(b, floorSecret, target, body, work)
				default:
					url = startFloor(b, floorSecret, target, body, nil)
				}
				c := benchClient(url)
				made := 0 // secrets made so far, over both modes' rounds
				base := 0 // the first secret of the round
				runModes(b, func(b *testing.B) {
					base = made
					switch {
					case store != nil:
						for ; made < base+b.N; made++ {
							makeVersions(b, store, versionsName(versions, made), versions)
						}
					case fill != nil:
						fill(base, b.N)
						made += b.N
					default:
						made += b.N
					}
					testutil.Settle()
				}, func(ctx context.Context, i int) error {
					_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
						SecretId:     aws.String(versionsName(versions, base+i)),
						SecretString: aws.String(benchValue),
					})
					return err
				})
			})
		}
	}
}

func versionsName(versions, i int) string { return fmt.Sprintf("bench/v%02d-%06d", versions, i) }

// makeVersions creates secret name with n versions, in the process.
func makeVersions(b *testing.B, s *secretstore.Store, name string, n int) {
	ctx := context.Background()
	if _, err := s.CreateSecret(ctx, &secretstore.CreateSecretInput{Name: name, SecretString: benchValue}); err != nil {
		b.Fatal(err)
	}
	for range n - 1 {
		if _, err := s.PutSecretValue(ctx, &secretstore.PutSecretValueInput{SecretId: name, ClientRequestToken: uuid.NewString(), SecretString: benchValue}); err != nil {
			b.Fatal(err)
		}
	}
}
