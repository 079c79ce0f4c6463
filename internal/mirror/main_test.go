package mirror

import (
	"os"
	"testing"

	"github.com/secretstore-go/secretstore/internal/testutil"
)

// TestMain runs the tests with more parallel tests than CPUs: they mostly
// wait for servers (testutil.SetParallel).
func TestMain(m *testing.M) {
	testutil.SetParallel()
	os.Exit(m.Run())
}
