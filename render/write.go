package render

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestName is the file, inside an output folder, that lists the files
// blueprint wrote there. Only those are blueprint's to replace or remove;
// anything else in the folder is carried over untouched.
const ManifestName = ".blueprint-files"

// stagingMark names the sibling folders Write works in. A leftover one is
// from an interrupted run and is removed by the next.
const stagingMark = ".blueprint-"

// swapSuffix marks where exchange_other.go parks the old tree between its
// two renames.
const swapSuffix = ".swap"

// Write makes dir hold tree, atomically: it builds the new folder beside the
// old one, then swaps the two with a single rename, so that whenever the
// process stops, dir is either the old tree or the new one, never a mix.
// Files in dir that blueprint did not write are kept; a tree path that would
// overwrite one of them is an error, and then dir is left as it was.
func Write(dir string, tree Tree) error {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	if err := restoreSwapped(parent, base, dir); err != nil {
		return err
	}
	removeLeftovers(parent, base)

	stage, err := os.MkdirTemp(parent, "."+base+stagingMark)
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage) // after a swap it holds the old tree
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}

	exists := false
	if info, err := os.Stat(dir); err == nil {
		if !info.IsDir() {
			return fmt.Errorf("%s exists and is not a folder", dir)
		}
		exists = true
		if err := carryOver(dir, stage, tree); err != nil {
			return err
		}
	}
	for _, p := range tree.Paths() {
		if err := writeFile(filepath.Join(stage, filepath.FromSlash(p)), tree[p], modeOf(p)); err != nil {
			return err
		}
	}
	manifest := strings.Join(tree.Paths(), "\n") + "\n"
	if err := writeFile(filepath.Join(stage, ManifestName), []byte(manifest), 0o644); err != nil {
		return err
	}
	if err := syncTree(stage); err != nil {
		return err
	}
	if !exists {
		if err := os.Rename(stage, dir); err != nil {
			return err
		}
	} else if err := exchange(stage, dir); err != nil {
		return err
	}
	return syncDir(parent)
}

// Owned reads the manifest of an output folder: the files blueprint wrote.
func Owned(dir string) (map[string]bool, error) {
	owned := map[string]bool{}
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return owned, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			owned[line] = true
		}
	}
	return owned, sc.Err()
}

// Read loads the files blueprint owns in dir, for comparing with a new tree.
func Read(dir string) (Tree, error) {
	owned, err := Owned(dir)
	if err != nil {
		return nil, err
	}
	t := Tree{}
	for p := range owned {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err == nil {
			t[p] = b
		}
	}
	return t, nil
}

// carryOver copies into stage every file of dir that blueprint does not own.
func carryOver(dir, stage string, tree Tree) error {
	owned, err := Owned(dir)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		slash := filepath.ToSlash(rel)
		if rel == "." || slash == ManifestName || owned[slash] {
			return nil
		}
		target := filepath.Join(stage, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			if _, clash := tree[slash]; clash {
				return fmt.Errorf("%s was not written by blueprint; refusing to overwrite it (move it away, or add it to %s to hand it over)", path, ManifestName)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return writeFile(target, b, info.Mode().Perm())
		default:
			return nil // sockets, devices: not ours to copy
		}
	})
}

func modeOf(p string) fs.FileMode {
	if strings.HasSuffix(p, ".sh") {
		return 0o755
	}
	return 0o644
}

func writeFile(path string, data []byte, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncTree flushes every file and folder of root to disk before the swap,
// so that a crash after it cannot leave a renamed but empty file.
func syncTree(root string) error {
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeSymlink == 0 {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	for _, p := range paths {
		if err := syncDir(p); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// restoreSwapped puts back the old tree that a run killed inside a two-rename
// exchange left beside a missing dir. removeLeftovers would otherwise delete
// it, and with it the files in dir that blueprint did not write.
func restoreSwapped(parent, base, dir string) error {
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	entries, _ := os.ReadDir(parent)
	prefix := "." + base + stagingMark
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) && strings.HasSuffix(e.Name(), swapSuffix) {
			return os.Rename(filepath.Join(parent, e.Name()), dir)
		}
	}
	return nil
}

// removeLeftovers deletes staging folders of interrupted runs.
func removeLeftovers(parent, base string) {
	entries, _ := os.ReadDir(parent)
	prefix := "." + base + stagingMark
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}

// Equal reports whether two trees hold the same files with the same bytes.
func Equal(a, b Tree) bool {
	if len(a) != len(b) {
		return false
	}
	for p, x := range a {
		if y, ok := b[p]; !ok || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}
