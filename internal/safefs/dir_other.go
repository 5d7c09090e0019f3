//go:build !(linux || darwin || freebsd)

package safefs

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Dir is an open folder. On this system it is a path, and each component
// of a path below it is checked with Lstat before use: refusals hold, but a
// link swapped in between the check and the use is not caught.
type Dir struct {
	path string
}

// OpenDir opens the folder at path; its last component must be a folder,
// not a link to one.
func OpenDir(path string) (*Dir, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &KindError{Path: path, Mode: fi.Mode().Type(), Want: "a folder"}
	}
	return &Dir{path: path}, nil
}

// Path returns the folder's path, for messages.
func (d *Dir) Path() string { return d.path }

// Close releases the folder.
func (d *Dir) Close() error { return nil }

// Stat describes the folder itself.
func (d *Dir) Stat() (fs.FileInfo, error) { return os.Lstat(d.path) }

// Lstat describes the entry at rel, not following it if it is a link.
func (d *Dir) Lstat(rel string) (fs.FileInfo, error) {
	p, err := d.resolve(rel)
	if err != nil {
		return nil, err
	}
	return os.Lstat(p)
}

// OpenDir opens the folder at rel.
func (d *Dir) OpenDir(rel string) (*Dir, error) {
	p, err := d.resolve(rel)
	if err != nil {
		return nil, err
	}
	return OpenDir(p)
}

// ReadFile reads the regular file at rel, refusing it if it has more than
// limit bytes.
func (d *Dir) ReadFile(rel string, limit int64) ([]byte, error) {
	p, err := d.resolve(rel)
	if err != nil {
		return nil, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &KindError{Path: p, Mode: fi.Mode().Type(), Want: "a regular file"}
	}
	return readPath(p, limit)
}

// ReadDir describes the folder's entries, in name order, without following
// links.
func (d *Dir) ReadDir() ([]fs.FileInfo, error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return nil, err
	}
	var infos []fs.FileInfo
	for _, e := range entries {
		if fi, err := os.Lstat(filepath.Join(d.path, e.Name())); err == nil {
			infos = append(infos, fi)
		}
	}
	slices.SortFunc(infos, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return infos, nil
}

// Link makes newpath a second name of the entry name of d.
func (d *Dir) Link(name, newpath string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return os.Link(filepath.Join(d.path, name), newpath)
}

// Lock always succeeds on this system, which has no flock(2): concurrent
// renders of one folder are not serialised here.
func (d *Dir) Lock(exclusive bool) (bool, error) { return true, nil }

// Writable cannot tell on this system; the write itself will.
func Writable(path string) error { return nil }

// ReadFile reads the regular file at path, refusing it if it has more than
// limit bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	if err := regular(path); err != nil {
		return nil, err
	}
	return readPath(path, limit)
}

// SameFile reports whether a and b describe the same file.
func SameFile(a, b fs.FileInfo) bool { return a != nil && b != nil && os.SameFile(a, b) }

// SameDevice cannot tell on this system and reports true.
func SameDevice(a, b fs.FileInfo) bool { return true }

func (d *Dir) resolve(rel string) (string, error) {
	if err := checkRel(rel); err != nil {
		return "", err
	}
	p := d.path
	comps := splitRel(rel)
	for _, c := range comps[:len(comps)-1] {
		p = filepath.Join(p, c)
		fi, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		if !fi.IsDir() {
			return "", &KindError{Path: p, Mode: fi.Mode().Type(), Want: "a folder"}
		}
	}
	return filepath.Join(p, comps[len(comps)-1]), nil
}

func readPath(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, &SizeError{Path: p, Size: fi.Size(), Limit: limit}
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = &SizeError{Path: p, Size: int64(len(b)), Limit: limit}
	}
	return b, err
}

// Readable cannot tell on this system; the read itself will.
func (d *Dir) Readable(name string) bool { return true }

// CanLink cannot tell on this system; the link itself will.
func (d *Dir) CanLink(name string, fi fs.FileInfo) bool { return true }

// CopyTo makes newpath a copy of the regular file name of d, with its
// permission bits and modification time.
func (d *Dir) CopyTo(name, newpath string) (fs.FileInfo, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	p := filepath.Join(d.path, name)
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &KindError{Path: p, Mode: fi.Mode().Type(), Want: "a regular file"}
	}
	src, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := os.OpenFile(newpath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(newpath, fi.ModTime(), fi.ModTime())
	}
	if err != nil {
		return nil, err
	}
	return os.Lstat(newpath)
}

// Owner cannot tell on this system.
func Owner(fi fs.FileInfo) (int, bool) { return 0, false }

// Group cannot tell on this system.
func Group(fi fs.FileInfo) (int, bool) { return 0, false }
