// Package secretstore gives a Go program AWS Secrets Manager's behaviour with
// no AWS: secrets with versions and staging labels (AWSCURRENT, AWSPREVIOUS,
// AWSPENDING), scheduled deletion with a recovery window, restore, and a
// background reaper, encrypted with XChaCha20-Poly1305 and stored in an
// embedded Badger database.
//
// Each operation of the AWS API is a method of Store with the same name,
// taking an input struct whose fields carry the AWS member names, so code
// written against the AWS API reads the same here. Errors unwrap to one
// sentinel per AWS exception (ErrResourceNotFound, ErrInvalidRequest, ...).
//
// The awsapi package serves a Store in the Secrets Manager wire protocol, so
// the AWS SDKs and the AWS CLI work against it with --endpoint-url.
//
// # The map
//
// The package's API is flat, one file per concern, named for what it holds.
// Behind it the code is in layers, and each uses only the ones below it:
//
//	operations   one file per group of AWS operations: secret.go, value.go,
//	             list.go, deletion.go, replication.go, rotation.go,
//	             resourcepolicy.go, password.go (value.go also has Put,
//	             PutOrCreate and Get, the short forms); each operation is a
//	             row of the operation table (internal/awsmodel/operations.go);
//	             mirror.go: MirrorSecret and PruneMirror, a mirror's writes
//	             (not AWS operations, so not rows: each secret in one
//	             transaction, refused on a mirrored secret by the rows that
//	             refuse a replica)
//	             operation.go: run, the one path every operation takes;
//	             authz.go: Store.As and the one request builder;
//	             event.go: the events; redact.go: values kept out of output
//	rules        stages.go (labels), versions.go (quotas, pruning, deprecated
//	             versions), resolve.go (SecretIds), validate.go, filter.go,
//	             schedule.go and cron.go (rotation windows)
//	engine       tx.go: the store's transaction, the only code that writes
//	             records (and keeps every index in step); internal/record:
//	             the codec and the key layout; keyring.go and masterkey.go:
//	             sealing and master keys; cache.go; groupsync.go (group
//	             commit); diskspace.go (the guard before writes: a full disk,
//	             a folder that is not writable, no file descriptor left);
//	             the data folder: folder.go (its lock, files moved aside
//	             into lost+found), filecheck.go (every file checked before
//	             Badger opens it), watermark.go (WATERMARK: the newest
//	             durable commit, which tells a lost or foreign file from a
//	             crash), walog.go (Badger's write-ahead logs read without
//	             Badger); internal/badger and internal/ristretto: Badger and
//	             ristretto, with the patches internal/badger/PATCHES.md lists
//	background   reaper.go and rotationrunner.go: the goroutines Open starts
//	             and Close stops; rotators.go: the built-in rotators
//	maintenance  backup.go (Backup, LoadBackup), verify.go (Verify),
//	             recover.go (Recover): paths over the whole database, which
//	             may use Badger directly
//
// store.go holds Store, Open and Close; options.go, errors.go, clock.go and
// tag.go what every layer shares. The engine calls nothing above it: an
// operation changes a record and hands it back (changed, in operation.go),
// which writes it with tx.putSecret and brings the secret's replicas in
// step.
//
// # Adding an operation
//
// A new operation of the Secrets Manager API is a constant and a row of
// the operation table (internal/awsmodel/operations.go: its resource, the
// condition keys its input adds, whether it writes, what it does with a
// secret scheduled for deletion or a replica); its input and output types
// and its method of Store, in the file of its group, whose body is a call
// of run (with call.also naming any other action AWS maps the operation
// to, such as CreateSecret's TagResource for Tags); a conditionKeys method
// beside the input type when the row lists condition keys; and in awsapi its wire request and response and a row of
// wireOperations. A new condition key is a name in the row and a line in
// the conditionKeys method. The tests say what is missing: the table's rows
// against the methods and inputs (operation_test.go), the wire
// (awsapi's TestEveryOperationIsServed), the README's list
// (TestREADMEListsTheOperations).
package secretstore
