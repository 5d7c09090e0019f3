//go:build !unix

package verify

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// readRegular reads dir/rel (rel slash-separated) if no step on the way is
// a symbolic link and the file is a regular file of at most max bytes.
// Without openat this checks each step before opening, which a concurrent
// change of the tree could race; the unix version has no such gap.
func readRegular(dir, rel string, max int64) ([]byte, error) {
	parts := strings.Split(rel, "/")
	for i := range parts {
		at := strings.Join(parts[:i+1], "/")
		info, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(at)))
		if err != nil {
			return nil, err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link; verify follows no symbolic link in a tree", at)
		}
		if i == len(parts)-1 && !info.Mode().IsRegular() {
			return nil, fmt.Errorf("it is a %s, not a regular file; verify reads only regular files", kind(info.Mode()))
		}
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		return nil, fmt.Errorf("it holds more than the %d bytes verify reads", max)
	}
	return b, err
}
