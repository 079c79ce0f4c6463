package secretstore

import (
	"context"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// run runs one operation: it checks the store and the region, calls fn, and
// reports the outcome to Options.OnEvent. fn returns the record of the
// secret the operation acted on, if it found one, for the event.
func (s *Store) run(ctx context.Context, op string, in any, secretID string, fn func(c *core) (*secretRecord, error)) error {
	c, err := s.begin()
	if err != nil {
		return err
	}
	defer c.end()
	var rec *secretRecord
	var reason string
	if err = ctx.Err(); err == nil {
		switch {
		case !arn.ValidRegion(s.region):
			err = newError(ErrInvalidParameter, awsmodel.InvalidRegion(s.region))
		default:
			if reason, err = s.authorize(c, op, in, secretID); err == nil {
				rec, err = fn(c)
			}
		}
	}
	s.emit(c, op, secretID, rec, err, reason)
	return err
}

// writeOp is a write operation on one existing secret, for Store.write.
type writeOp struct {
	op       string // the AWS operation, for the event
	in       any    // the operation's input, for authorization
	secretID string
	// check validates the input before the transaction begins; nil if
	// there is nothing to check.
	check func() error
	// scheduled lets the operation act on a secret that is scheduled for
	// deletion (DeleteSecret, RestoreSecret). Otherwise such a secret is
	// ErrInvalidRequest.
	scheduled bool
	// missing, if set, is called instead of failing with
	// ErrResourceNotFound when secretID names no secret.
	missing func(t *tx) error
	// apply makes the operation's change to r and reports whether r must be
	// written back. It runs again if the transaction conflicts with another,
	// so it must have no effect outside t except setting its output.
	apply func(t *tx, r *secretRecord) (changed bool, err error)
}

// write runs w: it resolves w.secretID to a secret that may be written (not
// a replica, and not scheduled for deletion unless w.scheduled), lets
// w.apply change it, stamps LastChangedDate and writes it back when it
// changed, commits, and reports the outcome as run does. Every operation
// that changes an existing secret goes through here.
func (s *Store) write(ctx context.Context, w *writeOp) error {
	return s.run(ctx, w.op, w.in, w.secretID, func(c *core) (*secretRecord, error) {
		if w.check != nil {
			if err := w.check(); err != nil {
				return nil, err
			}
		}
		var rec *secretRecord
		err := c.update(ctx, func(t *tx) error {
			r, err := s.resolveWritable(t, w.secretID, w.scheduled)
			rec = r
			if w.missing != nil && isNotFound(err) {
				return w.missing(t)
			}
			if err != nil {
				return err
			}
			changed, err := w.apply(t, r)
			if err != nil || !changed {
				return err
			}
			r.LastChangedDate = t.now
			return t.putSecret(r)
		})
		return rec, err
	})
}
