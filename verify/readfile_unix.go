//go:build unix

package verify

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// readRegular reads dir/rel (rel slash-separated) if every folder on the
// way is a real folder and the file a regular file, never following a
// symbolic link, and if it holds at most max bytes. Opening with O_NONBLOCK
// keeps a FIFO from blocking the open; it is then refused as not regular.
func readRegular(dir, rel string, max int64) ([]byte, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK
		if i < len(parts)-1 {
			flags |= unix.O_DIRECTORY
		}
		next, err := unix.Openat(fd, part, flags, 0)
		unix.Close(fd)
		if err != nil {
			return nil, describeOpenError(strings.Join(parts[:i+1], "/"), err, i < len(parts)-1)
		}
		fd = next
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("it is a %s, not a regular file; verify reads only regular files", kind(info.Mode()))
	}
	if info.Size() > max {
		return nil, fmt.Errorf("it holds %d bytes, more than the %d verify reads", info.Size(), max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		return nil, fmt.Errorf("it holds more than the %d bytes verify reads", max)
	}
	return b, err
}

// describeOpenError says why a step of readRegular failed, naming a
// symbolic link as such (O_NOFOLLOW reports one as ELOOP, and O_DIRECTORY
// one on the way as ENOTDIR).
func describeOpenError(at string, err error, folder bool) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		if folder {
			return fmt.Errorf("%s is a symbolic link or not a folder; verify follows no symbolic link in a tree", at)
		}
		return fmt.Errorf("%s is a symbolic link; verify follows no symbolic link in a tree", at)
	}
	return &os.PathError{Op: "open", Path: at, Err: err}
}
