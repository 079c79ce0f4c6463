package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSnapshotDiff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		change func(t *testing.T, dir string)
		want   []string
	}{
		{"nothing", func(*testing.T, string) {}, nil},
		{"a file created", func(t *testing.T, dir string) { writeFile(t, dir, "00002.mem", "") }, []string{"+00002.mem"}},
		{"a file deleted", func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, "LOCK"))) }, []string{"-LOCK"}},
		{"a file grown", func(t *testing.T, dir string) { writeFile(t, dir, "MANIFEST", "Bdgr and more") }, []string{"~MANIFEST (13 bytes, was 4)"}},
		{"a byte changed", func(t *testing.T, dir string) { writeFile(t, dir, "MANIFEST", "Bdgx") }, []string{"~MANIFEST (contents)"}},
		{"a mode changed", func(t *testing.T, dir string) { must(t, os.Chmod(filepath.Join(dir, "LOCK"), 0o644)) }, []string{"~LOCK (mode -rw-r--r--, was -rw-------)"}},
		{"the folder's mode changed", func(t *testing.T, dir string) { must(t, os.Chmod(dir, 0o755)) }, []string{"~. (mode drwxr-xr-x, was drwx------)"}},
		{"a folder and a file in it", func(t *testing.T, dir string) {
			must(t, os.Mkdir(filepath.Join(dir, "lost+found"), 0o700))
			writeFile(t, dir, "lost+found/000001.sst", "x")
		}, []string{"+lost+found", "+lost+found/000001.sst"}},
		{"a file replaced by a link", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, "LOCK")))
			must(t, os.Symlink("MANIFEST", filepath.Join(dir, "LOCK")))
		}, []string{"~LOCK (mode Lrwxrwxrwx, was -rw-------)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.Chmod(dir, 0o700))
			writeFile(t, dir, "MANIFEST", "Bdgr")
			writeFile(t, dir, "LOCK", "1\n")
			before, err := takeSnapshot(dir)
			must(t, err)
			c.change(t, dir)
			after, err := takeSnapshot(dir)
			must(t, err)
			if got := before.diff(after); !slices.Equal(got, c.want) {
				t.Errorf("diff %q, want %q", got, c.want)
			}
		})
	}
}

func TestCopyTree(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "src")
	must(t, os.Mkdir(src, 0o700))
	writeFile(t, src, "MANIFEST", "Bdgr")
	must(t, os.Chmod(filepath.Join(src, "MANIFEST"), 0o400))
	writeFile(t, src, "000001.sst", "table")
	must(t, os.Chmod(filepath.Join(src, "000001.sst"), 0o644))
	must(t, os.Mkdir(filepath.Join(src, "sub"), 0o700))
	writeFile(t, src, "sub/x", "in a folder")
	must(t, os.Chmod(filepath.Join(src, "sub"), 0o500))
	must(t, os.Symlink("MANIFEST", filepath.Join(src, "link")))
	must(t, os.Chmod(src, 0o500)) // a read-only source
	t.Cleanup(func() { os.Chmod(filepath.Join(src, "sub"), 0o700); os.Chmod(src, 0o700) })

	dst := filepath.Join(t.TempDir(), "dst")
	must(t, copyTree(src, dst, 0o700))
	a, err := takeSnapshot(src)
	must(t, err)
	b, err := takeSnapshot(dst)
	must(t, err)
	if d := a.diff(b); !slices.Equal(d, []string{"~. (mode drwx------, was dr-x------)"}) {
		t.Errorf("the copy differs from its source: %q; want only the folder's own mode", d)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dst, "sub"), 0o700) })
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode()
	}
	must(t, os.WriteFile(path, []byte(content), mode))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
