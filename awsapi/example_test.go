package awsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
)

// ExampleNew serves an in-memory store over HTTP and calls DescribeSecret
// as any AWS client would. An AWS SDK pointed at srv.URL (BaseEndpoint, or
// --endpoint-url for the CLI) works the same way.
func ExampleNew() {
	ctx := context.Background()
	store, err := secretstore.Open(ctx, secretstore.Options{InMemory: true, MasterKey: make([]byte, 32), DisableReaper: true})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Put(ctx, "prod/db/password", "hunter2"); err != nil {
		log.Fatal(err)
	}

	srv := httptest.NewServer(awsapi.New(store, awsapi.Options{}))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewBufferString(`{"SecretId":"prod/db/password"}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager.DescribeSecret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Name               string
		VersionIdsToStages map[string][]string
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Println(out.Name, len(out.VersionIdsToStages), "version")
	// Output:
	// 200 OK application/x-amz-json-1.1
	// prod/db/password 1 version
}
