package safefs

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// SyncFS makes durable everything written so far to the filesystem that
// holds d, with one syncfs(2): far cheaper than an fsync per file, and an
// fsync of a folder alone would not persist the contents of its files.
func (d *Dir) SyncFS() error {
	if err := unix.Syncfs(d.fd); err != nil {
		return &fs.PathError{Op: "syncfs", Path: d.path, Err: err}
	}
	return nil
}
