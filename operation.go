package secretstore

import (
	"context"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// The one path of every operation. Each operation of the Secrets Manager
// API is a row of the operation table (internal/awsmodel/operations.go),
// and each method of Store that runs one describes its call and hands it
// to run, which reads the row:
//
//	resolve the SecretId          (resolveExisting, resolve.go)
//	authorize                     (authorize, authz.go), inside the operation's own transaction
//	check the input               (call.check)
//	check writability             (the row's Scheduled and RefusedOnReplica)
//	do the work                   (call.do, or call.create)
//	write the secret back         (changed: LastChangedDate, the record, its replicas)
//	commit, and emit the event    (emit, event.go)
//
// A read runs in a read-only transaction, and again in a read-write one if
// it must record LastAccessedDate (core.readOrWrite); an operation that
// writes runs in a read-write transaction, again from the start when it
// conflicts with another (core.update).

// A call is one call of an operation, as run runs it.
type call struct {
	op awsmodel.Op
	// in is the operation's input: its condition keys go into the
	// authorization request (conditionKeys, beside each input type).
	in any
	// secretID is the SecretId the input names (CreateSecret: its Name);
	// "" for none.
	secretID string
	// check validates the input, after authorization and before the
	// secret's own errors (not found, scheduled for deletion, a replica);
	// nil if there is nothing to check. It may run more than once.
	check func() error
	// also are the other actions the call needs, as AWS's Service
	// Authorization Reference maps the operation to them (CreateSecret
	// with Tags needs TagResource, with AddReplicaRegions
	// ReplicateSecretToRegions; BatchGetSecretValue with Filters needs
	// ListSecrets; ValidateResourcePolicy needs PutResourcePolicy): each
	// is authorized after the operation's own action, on the same secret,
	// with its own input's condition keys.
	also []dependentAction
	// onReplica reports that the call does what AWS allows on a replica
	// even though its row refuses replicas (UpdateSecret changing only a
	// replica's own KmsKeyId): do then runs on the replica.
	onReplica bool
	// missing, if set, runs instead of failing with ErrResourceNotFound
	// when secretID names no secret.
	missing func(t *tx) error
	// do does the operation's work in t, on the secret secretID names (nil
	// for an operation on no secret). For an operation that writes,
	// changed reports whether r must be written back. It runs again when
	// the transaction is retried, so it must have no effect outside t
	// except setting its output.
	do func(t *tx, r *secretRecord) (changed bool, err error)
	// create does the work of an operation that creates a secret (the
	// row's Resource is NewSecretResource), in place of do: it returns the
	// secret, and whether it is new (run then writes it) rather than found
	// (an idempotent retry).
	create func(t *tx) (r *secretRecord, created bool, err error)
}

// run runs call x of operation x.op: it checks the store and the region,
// then runs the operation's transaction (see above), and reports the
// outcome to Options.OnEvent.
func (s *Store) run(ctx context.Context, x *call) error {
	c, err := s.begin()
	if err != nil {
		return err
	}
	defer c.end()
	var rec *secretRecord
	var d decision
	if err = ctx.Err(); err == nil {
		if !arn.ValidRegion(s.region) {
			err = newError(ErrInvalidParameter, awsmodel.InvalidRegion(s.region))
		} else if x.op.Row().Writes {
			err = c.update(ctx, func(t *tx) error { return s.runIn(t, x, &rec, &d) })
		} else {
			err = c.readOrWrite(ctx, func(t *tx) error { return s.runIn(t, x, &rec, &d) })
		}
	}
	d.audit(s)
	s.emit(c, x.op.String(), x.secretID, rec, err, d.reason)
	return err
}

// A dependentAction is another action a call needs (call.also): its
// operation and the input its request is built from.
type dependentAction struct {
	op awsmodel.Op
	in any
}

// runIn runs call x in transaction t. It sets *rec to the secret the
// operation acted on, if it found one, and *d to the authorization's
// decision, for the event.
func (s *Store) runIn(t *tx, x *call, rec **secretRecord, d *decision) error {
	row := x.op.Row()
	*rec, *d = nil, decision{}
	// Resolve the SecretId. Authorization needs the secret; the
	// operation's own errors (a malformed SecretId, a damaged record, no
	// secret) come after a denial, and for an unrestricted store after
	// the input's checks, as they always have.
	var r *secretRecord
	var rerr error
	if row.Resource == awsmodel.SecretResource || row.Resource == awsmodel.OptionalSecretResource && x.secretID != "" {
		r, rerr = s.resolveExisting(t, x.secretID)
		*rec = r
	}
	if s.principal != nil {
		if rerr != nil && !isNotFound(rerr) {
			return rerr // before any decision
		}
		*d = s.authorize(x.op, x.in, x.secretID, r)
		if err := d.err(); err != nil {
			return err
		}
		for _, a := range x.also {
			if da := s.authorize(a.op, a.in, x.secretID, r); da.denied {
				*d = da
				if err := da.err(); err != nil {
					return err
				}
			}
		}
	}
	if x.check != nil {
		if err := x.check(); err != nil {
			return err
		}
	}
	if x.create != nil {
		r, created, err := x.create(t)
		*rec = r
		if err != nil || !created {
			return err
		}
		return changed(t, r)
	}
	if rerr != nil {
		if x.missing != nil && isNotFound(rerr) {
			return x.missing(t)
		}
		return rerr
	}
	if r != nil {
		if err := usable(r, x.op); err != nil && !(x.onReplica && r.Replica() && !r.Deleted()) {
			return err
		}
	}
	change, err := x.do(t, r)
	if err != nil || !change || !row.Writes {
		return err
	}
	return changed(t, r)
}

// The write path's last step: an operation's change to a secret (and a
// rotation's, a prune's, and a mirror's, which keeps the source's
// LastChangedDate) is written through changed or written. Only a read's
// own LastAccessedDate stamp, and the replicas that written brings in
// step, are put with tx.putSecret directly.

// changed writes back secret r, which an operation (or a rotation)
// changed: it sets LastChangedDate, the one place that is set, and writes
// r and its replicas (written).
func changed(t *tx, r *secretRecord) error {
	r.LastChangedDate = t.now
	return written(t, r)
}

// written writes secret r back and brings the replicas of a primary in
// step with it (syncReplicas, replication.go), in the same transaction.
func written(t *tx, r *secretRecord) error {
	if err := t.putSecret(r); err != nil {
		return err
	}
	if len(r.Replicas) > 0 && !r.Replica() {
		return t.syncReplicas(r)
	}
	return nil
}
