package secretstore

import "time"

// Event is the outcome of one operation, passed to Options.OnEvent. It never
// holds a secret value.
//
// Every call of a Store method that is an AWS operation produces one event,
// whether it succeeds or fails. BatchGetSecretValue with SecretIdList also
// produces one event per secret it names, so a read of each secret can be
// watched as it is with GetSecretValue. The reaper produces an event named
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
}

func (c *core) emit(op, region, secretID string, r *secretRecord, err error) {
	ev := Event{
		Time:      now(c.clock),
		Operation: op,
		Region:    region,
		SecretId:  secretID,
		ErrorCode: ErrorCode(err),
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
