//go:build linux || darwin || freebsd

package safefs

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Readable reports whether this process may read the entry name of d.
func (d *Dir) Readable(name string) bool {
	if checkName(name) != nil {
		return false
	}
	return unix.Faccessat(d.fd, name, unix.R_OK, unix.AT_EACCESS|unix.AT_SYMLINK_NOFOLLOW) == nil
}

// CanLink predicts whether Link(name, …) may make a second name for the
// entry fi (name, in d). Where the system protects hard links (Linux's
// fs.protected_hardlinks, on by default), only the entry's owner, a
// process that may act as any owner, or anyone who may read and write a
// regular file that is neither setuid nor setgid-executable may link it:
// see may_linkat in the kernel's fs/namei.c.
func (d *Dir) CanLink(name string, fi fs.FileInfo) bool {
	if !hardlinksProtected() || os.Geteuid() == 0 {
		return true
	}
	st, ok := fi.Sys().(*unix.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return true
	}
	m := fi.Mode()
	if !m.IsRegular() || m&fs.ModeSetuid != 0 || m&fs.ModeSetgid != 0 && m&0o010 != 0 {
		return false
	}
	return unix.Faccessat(d.fd, name, unix.R_OK|unix.W_OK, unix.AT_EACCESS|unix.AT_SYMLINK_NOFOLLOW) == nil
}

// CopyTo makes newpath a copy of the entry name of d, for when it cannot
// be linked: a regular file's bytes streamed (copy_file_range where the
// system has it, never the whole file in memory), with its permission bits
// (not setuid or setgid: the copy belongs to this process) and its access
// and modification times; a symbolic link recreated with the same target
// and times, never followed. newpath is a path this process controls, as
// for Link. It returns what it made.
func (d *Dir) CopyTo(name, newpath string) (fs.FileInfo, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	p := filepath.Join(d.path, name)
	fi, err := d.lstat(name)
	if err != nil {
		return nil, err
	}
	st := fi.Sys().(*unix.Stat_t)
	times := []unix.Timespec{st.Atim, st.Mtim}
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(d.fd, name, buf)
		if err != nil {
			return nil, &fs.PathError{Op: "readlink", Path: p, Err: err}
		}
		if err := os.Symlink(string(buf[:n]), newpath); err != nil {
			return nil, err
		}
	case m.IsRegular():
		fd, err := retry(func() (int, error) { return unix.Openat(d.fd, name, fileFlags, 0) })
		if err != nil {
			return nil, explain(p, d.fd, name, err, "a regular file")
		}
		src := os.NewFile(uintptr(fd), p)
		defer src.Close()
		if now, err := src.Stat(); err != nil || !SameFile(now, fi) {
			return nil, &fs.PathError{Op: "copy", Path: p, Err: fs.ErrInvalid}
		}
		dst, err := os.OpenFile(newpath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, m.Perm())
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(dst, src)
		if err == nil {
			err = dst.Chmod(m.Perm()) // a umask took bits away
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, &KindError{Path: p, Mode: m.Type(), Want: "a regular file or a symbolic link"}
	}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, newpath, times, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, &fs.PathError{Op: "utimes", Path: newpath, Err: err}
	}
	return os.Lstat(newpath)
}

// Owner returns the user id that owns fi.
func Owner(fi fs.FileInfo) (int, bool) {
	if st, ok := fi.Sys().(*unix.Stat_t); ok {
		return int(st.Uid), true
	}
	return 0, false
}

// Group returns the group id that owns fi.
func Group(fi fs.FileInfo) (int, bool) {
	if st, ok := fi.Sys().(*unix.Stat_t); ok {
		return int(st.Gid), true
	}
	return 0, false
}
