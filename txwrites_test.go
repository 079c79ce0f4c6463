package secretstore

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// badgerWrites are the methods of Badger that write to a database: a
// record, a batch of records, or the whole database.
var badgerWrites = map[string][]string{
	"Txn":        {"Set", "SetEntry", "Delete", "Commit", "CommitWith"},
	"WriteBatch": {"Set", "SetEntry", "SetEntryAt", "Delete", "DeleteAt", "Flush"},
	"DB":         {"Update", "NewTransaction", "NewTransactionAt", "NewWriteBatch", "NewManagedWriteBatch", "NewWriteBatchAt", "NewStreamWriter", "DropPrefix", "DropAll", "Load"},
}

// wholeDatabaseWriters are the files besides tx.go that may write to a
// Badger database: the maintenance paths that build a whole database of
// their own, outside any store.
var wholeDatabaseWriters = map[string]string{
	"recover.go": "Recover writes what it salvaged into a new database (WriteBatch)",
	"backup.go":  "LoadBackup loads a backup into a new database (DB.Load)",
}

// TestOnlyTxWrites: every write of the library to its database goes
// through tx.go, the store's transaction, which keeps the indexes in step
// with the records, so no other file calls a method of Badger that writes
// (badgerWrites), whatever it names its variables, but the whole-database
// maintenance paths (wholeDatabaseWriters).
func TestOnlyTxWrites(t *testing.T) {
	t.Parallel()
	calls := badgerCalls(t)
	if len(calls["tx.go"]) == 0 {
		t.Fatal("found no write to Badger in tx.go: the test is not looking where it should")
	}
	for file, names := range calls {
		if file == "tx.go" || wholeDatabaseWriters[file] != "" {
			continue
		}
		t.Errorf("%s writes to Badger (%s): a write of a record goes through tx.go", file, strings.Join(names, ", "))
	}
	for file := range wholeDatabaseWriters {
		if len(calls[file]) == 0 {
			t.Errorf("%s no longer writes to Badger: take it off wholeDatabaseWriters", file)
		}
	}
}

// badgerCalls returns, by file, the calls of the library's code (the
// package's files, without its tests) to the methods badgerWrites lists,
// found by their types.
func badgerCalls(t *testing.T) map[string][]string {
	t.Helper()
	bp, err := build.ImportDir(".", 0) // the files this platform builds
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	exports := exportData(t)
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, os.ErrNotExist
		}
		return os.Open(file)
	})}
	info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}}
	if _, err := conf.Check("github.com/secretstore-go/secretstore", fset, files, info); err != nil {
		t.Fatal(err)
	}
	calls := map[string][]string{}
	for sel, s := range info.Selections {
		if s.Kind() != types.MethodVal {
			continue
		}
		recv := s.Recv()
		if p, ok := recv.(*types.Pointer); ok {
			recv = p.Elem()
		}
		named, ok := recv.(*types.Named)
		if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != "github.com/secretstore-go/secretstore/internal/badger" {
			continue
		}
		for _, m := range badgerWrites[named.Obj().Name()] {
			if m == sel.Sel.Name {
				file := filepath.Base(fset.Position(sel.Pos()).Filename)
				calls[file] = append(calls[file], named.Obj().Name()+"."+m)
			}
		}
	}
	for _, names := range calls {
		sort.Strings(names)
	}
	return calls
}

// exportData returns the files of the compiled export data of the
// package's dependencies, by import path, as the go command reports them.
func exportData(t *testing.T) map[string]string {
	t.Helper()
	goCmd := "go"
	if root := os.Getenv("GOROOT"); root != "" {
		goCmd = filepath.Join(root, "bin", "go")
	}
	cmd := exec.Command(goCmd, "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	exports := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), "="); ok && file != "" {
			exports[path] = file
		}
	}
	return exports
}
