// Package testhook links the test helpers of secretstore (the test-mode
// server's control endpoints and sstest) to the one operation of a Store
// that production code must not reach: emptying it. Package secretstore
// sets the hook once, in its init function; it is never changed after, and
// it is internal, so only this module's test tooling can call it.
package testhook

import "context"

// Reset deletes every secret of every region of store (a
// *secretstore.Store) at once, with no recovery window, keeping the master
// key. Operations on the store wait while it runs.
var Reset func(ctx context.Context, store any) error
