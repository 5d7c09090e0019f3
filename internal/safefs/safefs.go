// Package safefs is the one place where blueprint reads or writes a path
// that a user or a tree controls: spec and variable files, the output folder,
// a tree handed to verify. Its helpers read only regular files, each up to a
// size limit, and never block on a named pipe or a device; inside a folder
// opened with OpenDir they never follow a symbolic link, in any component of
// a path, so a link planted in a tree can neither redirect a read nor a write.
//
// The folder a user names (OpenDir's argument, ReadFile's path) is resolved
// as the user gave it; everything below an opened folder is not.
package safefs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNotRegular is matched (errors.Is) by every refusal of something that is
// not a regular file where one is needed: a symbolic link, a named pipe, a
// socket, a device, or a folder.
var ErrNotRegular = errors.New("not a regular file")

// ErrSymlink is matched, besides ErrNotRegular, when the refused thing is a
// symbolic link.
var ErrSymlink = errors.New("symbolic link")

// ErrTooLarge is matched by a refusal of a file larger than the limit given.
var ErrTooLarge = errors.New("file too large")

// KindError is the refusal of a path that is not what was needed.
type KindError struct {
	Path string
	Mode fs.FileMode // the type bits of what was found there
	Want string      // "a regular file" or "a folder"
}

func (e *KindError) Error() string {
	return fmt.Sprintf("%s is %s, not %s", Show(e.Path), KindName(e.Mode), e.Want)
}

// Is lets errors.Is match ErrNotRegular and, for a link, ErrSymlink.
func (e *KindError) Is(target error) bool {
	return target == ErrNotRegular || (target == ErrSymlink && e.Mode&fs.ModeSymlink != 0)
}

// SizeError is the refusal of a file larger than a limit.
type SizeError struct {
	Path        string
	Size, Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("%s has %d bytes, more than the %d allowed", Show(e.Path), e.Size, e.Limit)
}

// Is lets errors.Is match ErrTooLarge.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }

// KindName names the type of a file mode for a message: "a symbolic link".
func KindName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsDir():
		return "a folder"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// Show returns p as it may be printed: itself when it holds only printable
// characters other than quotes and backslashes, else Go-quoted, so that a
// hostile name cannot drive a terminal.
func Show(p string) string {
	if !utf8.ValidString(p) {
		return fmt.Sprintf("%q", p)
	}
	for _, r := range p {
		if r == '"' || r == '\\' || !unicode.IsPrint(r) {
			return fmt.Sprintf("%q", p)
		}
	}
	return p
}

// CleanRel reports whether rel is a slash-separated path that stays inside
// the folder it is relative to: not empty, not absolute, already clean and
// without a ".." component.
func CleanRel(rel string) bool {
	return rel != "" && rel != "." && !path.IsAbs(rel) && path.Clean(rel) == rel &&
		rel != ".." && !strings.HasPrefix(rel, "../") && !strings.ContainsRune(rel, 0) && !strings.Contains(rel, "\\")
}

func checkRel(rel string) error {
	if !CleanRel(rel) {
		return &fs.PathError{Op: "open", Path: rel, Err: errors.New("not a path inside the folder")}
	}
	return nil
}

// MaxDepth bounds how deeply Walk descends: a tree nested deeper is refused
// rather than holding a descriptor open per level.
const MaxDepth = 128

// Walk calls fn for every entry below d, depth first and in name order, with
// the open folder that holds the entry and the entry's path relative to d.
// It never follows a symbolic link: a link is reported as one, and each
// folder is entered through a descriptor opened from its parent's. When fn
// returns fs.SkipDir for a folder, Walk does not enter it; any other error
// stops the walk and is returned.
func (d *Dir) Walk(fn func(parent *Dir, rel string, info fs.FileInfo) error) error {
	return d.walk("", fn, 0)
}

func (d *Dir) walk(prefix string, fn func(*Dir, string, fs.FileInfo) error, depth int) error {
	infos, err := d.ReadDir()
	if err != nil {
		return err
	}
	for _, fi := range infos {
		rel := fi.Name()
		if prefix != "" {
			rel = prefix + "/" + rel
		}
		err := fn(d, rel, fi)
		if errors.Is(err, fs.SkipDir) {
			continue
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			continue
		}
		if depth+1 >= MaxDepth {
			return fmt.Errorf("%s: folders nested more than %d deep", Show(filepath.Join(d.Path(), fi.Name())), MaxDepth)
		}
		child, err := d.OpenDir(fi.Name())
		if err != nil {
			return err
		}
		err = child.walk(rel, fn, depth+1)
		child.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes data to the regular file at path with permissions perm.
// It never writes through a symbolic link nor into anything other than a
// regular file: without replace, an existing path (even a dangling link) is
// an error matching fs.ErrExist; with replace, an existing regular file is
// replaced in one rename, so it holds either its old or its new bytes.
func WriteFile(path string, data []byte, perm fs.FileMode, replace bool) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return &KindError{Path: path, Mode: fi.Mode().Type(), Want: "a regular file"}
	case !replace:
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	}
	if err != nil {
		// O_EXCL: a link or file that appeared since is not written through.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return err
		}
		return finish(f, data, perm)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	if err := finish(tmp, data, perm); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func finish(f *os.File, data []byte, perm fs.FileMode) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return &fs.PathError{Op: "open", Path: name, Err: errors.New("not a name inside the folder")}
	}
	return nil
}

func splitRel(rel string) []string { return strings.Split(rel, "/") }

// regular refuses path unless it leads, through any links, to a regular file.
func regular(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &KindError{Path: path, Mode: fi.Mode().Type(), Want: "a regular file"}
	}
	return nil
}
