package secretstore

import "time"

// Event is the outcome of one operation, passed to Options.OnEvent. It never
// holds a secret value.
//
// Every call of a Store method that is an AWS operation produces one event,
// whether it succeeds or fails. BatchGetSecretValue with SecretIdList also
// produces one event per secret it names, after its own, so a read of each
// secret can be watched as it is with GetSecretValue. The reaper produces an event named
// "EndSecretVersionDelete" (the name AWS CloudTrail uses) for every secret it
// purges once its recovery window has ended.
//
// An attempt to use a secret that is scheduled for deletion is an event
// with a non-zero DeletedDate and ErrorCode "InvalidRequestException": the
// signal AWS suggests alerting on before a deletion becomes permanent.
type Event struct {
	Time        time.Time // when the operation finished, by the store's clock
	Operation   string    // the AWS operation, e.g. "GetSecretValue"
	Region      string    // the region the operation ran in
	SecretId    string    // the SecretId (or Name) the caller passed, if any
	ARN         string    // the secret's ARN, when the secret was found
	Name        string    // the secret's name, when the secret was found
	DeletedDate time.Time // when the secret was scheduled for deletion; zero if it is not
	ErrorCode   string    // the AWS exception name; "" on success
	Message     string    // the error's message; "" on success
	// Principal is the caller's ARN, for a view bound to one (Store.As).
	Principal string
	// Denial names the policy statement that denied the request (or, for
	// a principal that only audits, would have), as policy.Decision.String
	// words it; "" when the request was allowed.
	Denial string
}

// emit reports an operation of s to Options.OnEvent, if set.
func (s *Store) emit(c *core, op, secretID string, r *secretRecord, err error, denial string) {
	if c.onEvent == nil {
		return
	}
	ev := Event{
		Time:      now(c.clock),
		Operation: op,
		Region:    s.region,
		SecretId:  secretID,
		ErrorCode: ErrorCode(err),
		Denial:    denial,
	}
	if s.principal != nil {
		ev.Principal = s.principal.Arn
	}
	if err != nil {
		ev.Message = err.Error()
		if e, ok := err.(*Error); ok {
			ev.Message = e.Message
		}
	}
	if r != nil {
		ev.ARN, ev.Name, ev.DeletedDate = c.arn(r), r.Name, r.DeletedDate
	}
	c.onEvent(ev)
}
