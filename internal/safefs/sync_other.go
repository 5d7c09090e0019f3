//go:build !linux

package safefs

import (
	"io/fs"
	"os"
	"path/filepath"
)

// SyncFS makes durable every file and folder below d. Without Linux's
// syncfs(2), that is one fsync each, files before the folders that name them.
func (d *Dir) SyncFS() error {
	var folders []string
	err := d.Walk(func(parent *Dir, rel string, fi fs.FileInfo) error {
		p := filepath.Join(d.Path(), filepath.FromSlash(rel))
		switch {
		case fi.IsDir():
			folders = append(folders, p)
		case fi.Mode().IsRegular():
			return syncPath(p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(folders) - 1; i >= 0; i-- {
		if err := syncPath(folders[i]); err != nil {
			return err
		}
	}
	return syncPath(d.Path())
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
