//go:build linux || darwin || freebsd

package safefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Every descriptor below is opened without following a final symbolic link
// and without blocking on a named pipe or a device; parents are descriptors,
// never paths, so a link planted in a component is never crossed.
const (
	dirFlags  = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fileFlags = unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
)

// Dir is an open folder. Paths given to its methods are slash-separated,
// relative to it, and checked by CleanRel; none of their components is ever
// followed if it is a symbolic link.
type Dir struct {
	fd   int
	path string
}

// OpenDir opens the folder at path. path is resolved as the user gave it,
// except its last component, which must be a folder and not a link to one.
func OpenDir(path string) (*Dir, error) {
	fd, err := retry(func() (int, error) { return unix.Open(path, dirFlags, 0) })
	if err != nil {
		return nil, explain(path, unix.AT_FDCWD, path, err, "a folder")
	}
	return &Dir{fd: fd, path: path}, nil
}

// Path returns the folder's path, for messages.
func (d *Dir) Path() string { return d.path }

// Close closes the folder and releases a lock taken with Lock.
func (d *Dir) Close() error {
	if d == nil || d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// Stat describes the open folder itself.
func (d *Dir) Stat() (fs.FileInfo, error) {
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: d.path, Err: err}
	}
	return &fileInfo{name: filepath.Base(d.path), st: st}, nil
}

// Lstat describes the entry at rel, not following it if it is a link.
func (d *Dir) Lstat(rel string) (fs.FileInfo, error) {
	parent, name, err := d.walkTo(rel)
	if err != nil {
		return nil, err
	}
	defer parent.closeUnless(d)
	return parent.lstat(name)
}

// OpenDir opens the folder at rel.
func (d *Dir) OpenDir(rel string) (*Dir, error) {
	parent, name, err := d.walkTo(rel)
	if err != nil {
		return nil, err
	}
	defer parent.closeUnless(d)
	return parent.child(name)
}

// ReadFile reads the regular file at rel, refusing it if it has more than
// limit bytes.
func (d *Dir) ReadFile(rel string, limit int64) ([]byte, error) {
	parent, name, err := d.walkTo(rel)
	if err != nil {
		return nil, err
	}
	defer parent.closeUnless(d)
	p := filepath.Join(parent.path, name)
	// A look first, so that a device is refused without being opened.
	if fi, err := parent.lstat(name); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, &KindError{Path: p, Mode: fi.Mode().Type(), Want: "a regular file"}
	}
	fd, err := retry(func() (int, error) { return unix.Openat(parent.fd, name, fileFlags, 0) })
	if err != nil {
		return nil, explain(p, parent.fd, name, err, "a regular file")
	}
	return readFD(fd, p, limit)
}

// ReadDir describes the folder's entries, in name order, without following
// links. Entries that vanish while it reads are left out.
func (d *Dir) ReadDir() ([]fs.FileInfo, error) {
	// A descriptor of its own, so that reading the entries does not move d.
	fd, err := retry(func() (int, error) { return unix.Openat(d.fd, ".", dirFlags, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: d.path, Err: err}
	}
	f := os.NewFile(uintptr(fd), d.path)
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	infos := make([]fs.FileInfo, 0, len(names))
	for _, n := range names {
		fi, err := d.lstat(n)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		infos = append(infos, fi)
	}
	return infos, nil
}

// Link makes newpath a second name of the entry name of d: a hard link,
// which neither reads nor copies the file. newpath is a path this process
// controls (a staging folder of its own), not one inside a tree it reads.
func (d *Dir) Link(name, newpath string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := unix.Linkat(d.fd, name, unix.AT_FDCWD, newpath, 0); err != nil {
		return &os.LinkError{Op: "link", Old: filepath.Join(d.path, name), New: newpath, Err: err}
	}
	return nil
}

// Lock takes an advisory lock (flock(2)) on the folder, exclusive or shared,
// without waiting: it reports false when another holder prevents it. The
// lock lasts until Close, or until the process ends however it ends.
func (d *Dir) Lock(exclusive bool) (bool, error) {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err := unix.Flock(d.fd, how|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		}
		return false, &fs.PathError{Op: "lock", Path: d.path, Err: err}
	}
}

// Writable reports why no entry can be created in the folder at path, or
// nil if one can.
func Writable(path string) error {
	if err := unix.Access(path, unix.W_OK|unix.X_OK); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// ReadFile reads the regular file at path, refusing it if it has more than
// limit bytes. path is the user's, so links are followed, but what they lead
// to must be a regular file: a named pipe is refused without waiting for a
// writer, and a device without being opened.
func ReadFile(path string, limit int64) ([]byte, error) {
	if err := regular(path); err != nil {
		return nil, err
	}
	fd, err := retry(func() (int, error) {
		return unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return readFD(fd, path, limit)
}

// SameFile reports whether a and b, from this package or from os, describe
// the same file.
func SameFile(a, b fs.FileInfo) bool {
	da, ia, oka := devIno(a)
	db, ib, okb := devIno(b)
	return oka && okb && da == db && ia == ib
}

// SameDevice reports whether a and b lie on the same filesystem: a folder
// on another device than its parent is a mount point.
func SameDevice(a, b fs.FileInfo) bool {
	da, _, oka := devIno(a)
	db, _, okb := devIno(b)
	return oka && okb && da == db
}

func devIno(fi fs.FileInfo) (uint64, uint64, bool) {
	if fi == nil {
		return 0, 0, false
	}
	switch st := fi.Sys().(type) {
	case *unix.Stat_t:
		return uint64(st.Dev), uint64(st.Ino), true
	case *syscall.Stat_t:
		return uint64(st.Dev), uint64(st.Ino), true
	}
	return 0, 0, false
}

func (d *Dir) walkTo(rel string) (*Dir, string, error) {
	if err := checkRel(rel); err != nil {
		return nil, "", err
	}
	comps := splitRel(rel)
	cur := d
	for _, c := range comps[:len(comps)-1] {
		next, err := cur.child(c)
		cur.closeUnless(d)
		if err != nil {
			return nil, "", err
		}
		cur = next
	}
	return cur, comps[len(comps)-1], nil
}

func (d *Dir) closeUnless(keep *Dir) {
	if d != keep {
		d.Close()
	}
}

func (d *Dir) child(name string) (*Dir, error) {
	fd, err := retry(func() (int, error) { return unix.Openat(d.fd, name, dirFlags, 0) })
	p := filepath.Join(d.path, name)
	if err != nil {
		return nil, explain(p, d.fd, name, err, "a folder")
	}
	return &Dir{fd: fd, path: p}, nil
}

func (d *Dir) lstat(name string) (fs.FileInfo, error) {
	var st unix.Stat_t
	err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: filepath.Join(d.path, name), Err: err}
	}
	return &fileInfo{name: name, st: st}, nil
}

// explain turns a failed open of name (in the folder dirfd) into a
// KindError when something other than what was wanted is there.
func explain(p string, dirfd int, name string, err error, want string) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.EMLINK) || errors.Is(err, unix.ENXIO) {
		var st unix.Stat_t
		if unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			if m := fileMode(uint32(st.Mode)); (want == "a folder") != m.IsDir() || m&fs.ModeSymlink != 0 {
				return &KindError{Path: p, Mode: m.Type(), Want: want}
			}
		}
	}
	return &fs.PathError{Op: "open", Path: p, Err: err}
}

// readFD reads the regular file open as fd, up to limit bytes, and closes
// it. Plain read(2)s on a buffer of the file's size: a regular file never
// blocks, whatever O_NONBLOCK says.
func readFD(fd int, p string, limit int64) ([]byte, error) {
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	if m := fileMode(uint32(st.Mode)); !m.IsRegular() {
		return nil, &KindError{Path: p, Mode: m.Type(), Want: "a regular file"}
	}
	if st.Size > limit {
		return nil, &SizeError{Path: p, Size: st.Size, Limit: limit}
	}
	// One byte more than the size, to see the end in the same call, and to
	// notice a file that grew past the limit since.
	buf := make([]byte, 0, min(st.Size, limit)+1)
	for {
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: p, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, &SizeError{Path: p, Size: int64(len(buf)), Limit: limit}
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
	}
}

func retry(open func() (int, error)) (int, error) {
	for {
		fd, err := open()
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}

// fileInfo is what Fstatat says about an entry.
type fileInfo struct {
	name string
	st   unix.Stat_t
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.st.Size }
func (fi *fileInfo) Mode() fs.FileMode  { return fileMode(uint32(fi.st.Mode)) }
func (fi *fileInfo) ModTime() time.Time { return time.Unix(fi.st.Mtim.Unix()) }
func (fi *fileInfo) IsDir() bool        { return fi.Mode().IsDir() }
func (fi *fileInfo) Sys() any           { return &fi.st }

func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
