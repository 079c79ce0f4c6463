package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// entryInfo is what a snapshot keeps of one file or folder.
type entryInfo struct {
	Mode   fs.FileMode
	Size   int64  // files
	SHA256 string // files: of the contents
	Link   string // symbolic links: the target
}

// snapshot is the state of a folder: every file and folder under it (the
// folder itself as "."), by path relative to it.
type snapshot map[string]entryInfo

// takeSnapshot reads the folder dir.
func takeSnapshot(dir string) (snapshot, error) {
	s := snapshot{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		e := entryInfo{Mode: fi.Mode()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if e.Link, err = os.Readlink(path); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			e.Size = fi.Size()
			if e.SHA256, err = fileSHA256(path); err != nil {
				return err
			}
		}
		s[filepath.ToSlash(rel)] = e
		return nil
	})
	return s, err
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// diff lists how after differs from s, by path: "+NAME" created, "-NAME"
// deleted, "~NAME (what)" changed.
func (s snapshot) diff(after snapshot) []string {
	var d []string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range s {
			if !yield(k) {
				return
			}
		}
		for k := range after {
			if _, ok := s[k]; !ok && !yield(k) {
				return
			}
		}
	}) {
		a, inBefore := s[name]
		b, inAfter := after[name]
		switch {
		case !inAfter:
			d = append(d, "-"+name)
		case !inBefore:
			d = append(d, "+"+name)
		case a.Mode != b.Mode:
			d = append(d, fmt.Sprintf("~%s (mode %v, was %v)", name, b.Mode, a.Mode))
		case a.Size != b.Size:
			d = append(d, fmt.Sprintf("~%s (%d bytes, was %d)", name, b.Size, a.Size))
		case a.SHA256 != b.SHA256:
			d = append(d, fmt.Sprintf("~%s (contents)", name))
		case a.Link != b.Link:
			d = append(d, fmt.Sprintf("~%s (link to %s, was %s)", name, b.Link, a.Link))
		}
	}
	return d
}

// copyTree copies the folder src to dst, which must not exist: files,
// folders and symbolic links, with their modes; dst itself gets mode
// rootMode (the sources are kept read-only, their copies are not).
func copyTree(src, dst string, rootMode fs.FileMode) error {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		switch {
		case rel == ".":
			return os.Mkdir(to, 0o700)
		case fi.IsDir():
			return os.Mkdir(to, 0o700) // its mode once its contents are in
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case fi.Mode().IsRegular():
			return copyFile(path, to, fi.Mode().Perm())
		}
		return fmt.Errorf("%s: not a file, folder or link", path)
	})
	if err != nil {
		return err
	}
	// Folder modes last, deepest first, so a read-only folder is filled first.
	var dirs []string
	filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		rel, _ := filepath.Rel(src, dirs[i])
		mode := rootMode
		if rel != "." {
			fi, err := os.Stat(dirs[i])
			if err != nil {
				return err
			}
			mode = fi.Mode().Perm()
		}
		if err := os.Chmod(filepath.Join(dst, rel), mode); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies the file from to the new file to, with mode perm.
func copyFile(from, to string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(to, perm) // whatever the umask
}
