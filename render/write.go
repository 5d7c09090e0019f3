package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// ManifestName is the file, inside an output folder, that lists the files
// blueprint wrote there. Only those are blueprint's to replace or remove;
// anything else in the folder is carried over untouched.
const ManifestName = ".blueprint-files"

// stagingMark names the sibling folders Write works in:
// .<folder>.blueprint-<digits>. A leftover one is from an interrupted run
// and is removed by the next, while it holds the folder's lock.
const stagingMark = ".blueprint-"

// swapSuffix marks where exchange_other.go parks the old tree between its
// two renames.
const swapSuffix = ".swap"

// DefaultLockTimeout is how long Write waits for another render of the same
// folder before giving up.
const DefaultLockTimeout = 5 * time.Minute

// lockPoll is how often a waiting Write tries the lock again.
const lockPoll = 50 * time.Millisecond

// WriteOptions change how Write waits for the folder.
type WriteOptions struct {
	// LockTimeout is how long to wait while another render holds the
	// folder; zero gives up at once.
	LockTimeout time.Duration
	// Waiting, if set, is called once when Write has to wait.
	Waiting func(dir string)
	// Inspect, if set, is called with the lock held, after the folder was
	// compared with the tree and before anything is written: Change.Old
	// reads the folder as it is then.
	Inspect func(c *Change)
}

// BusyError is Write giving up on a folder another render holds.
type BusyError struct {
	Dir    string
	Waited time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("another render is writing %s (waited %v)", safefs.Show(e.Dir), e.Waited)
}

// Write makes dir hold tree, waiting up to DefaultLockTimeout for another
// render of the same folder. See WriteWith.
func Write(dir string, tree Tree) error {
	_, err := WriteWith(dir, tree, WriteOptions{LockTimeout: DefaultLockTimeout})
	return err
}

// WriteWith makes dir hold tree, atomically: whenever the process stops,
// dir holds either the old set of files or the new one, never a mix.
//
// It holds an exclusive lock (flock) on the folder for the whole write, so
// renders of one folder, however it is spelled, take turns. It builds the
// new folder beside the old one: files that change are written, files
// whose bytes stay the same and files blueprint did not write are hard
// links to the old ones (same inode and mtime, never read or copied),
// links are recreated, never followed. One syncfs makes the new folder
// durable, and one renameat2(RENAME_EXCHANGE) swaps it with the old. When
// nothing changes, nothing on disk is touched.
//
// It refuses, writing nothing, a file blueprint did not write where the tree
// has one, and a link, pipe, socket or device where it would write or that
// .blueprint-files lists. A link named as dir is followed once, and the
// folder it leads to is written.
func WriteWith(dir string, tree Tree, opts WriteOptions) (*Change, error) {
	t, err := Resolve(dir)
	if err != nil {
		return nil, err
	}
	parent, base := filepath.Dir(t.Dir), filepath.Base(t.Dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	if err := restoreSwapped(parent, base, t.Dir); err != nil {
		return nil, err
	}
	root, created, err := lock(t, opts)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	removeLeftovers(parent, base)

	c := preflight(root, t, tree)
	if opts.Inspect != nil {
		c.root = root
		opts.Inspect(c)
		c.root = nil
	}
	if err := c.Err(); err != nil {
		if created {
			os.Remove(t.Dir) // still empty: the folder is as it was, absent
		}
		return c, err
	}
	if c.None() {
		return c, nil
	}
	if err := c.replace(root, tree); err != nil {
		if created {
			os.Remove(t.Dir)
		}
		return c, err
	}
	return c, nil
}

// lock opens the folder (creating it, empty, if need be) and takes its
// exclusive lock, waiting up to opts.LockTimeout. The lock is on the
// folder itself, not on a file beside it, so it needs no writable parent
// and leaves nothing behind. A render that gets the lock after another
// render replaced the folder holds the old one, now gone: it starts over.
func lock(t Target, opts WriteOptions) (root *safefs.Dir, created bool, err error) {
	start := time.Now()
	waiting := false
	for range 1 << 20 { // each round either sleeps or follows a change
		d, err := safefs.OpenDir(t.Dir)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(t.Dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, false, err
			} else if err == nil {
				created = true
			}
			continue
		}
		if err != nil {
			return nil, false, err
		}
		ok, err := d.Lock(true)
		if err != nil {
			d.Close()
			return nil, false, err
		}
		if ok {
			now, serr := os.Lstat(t.Dir)
			info, ierr := d.Stat()
			if serr == nil && ierr == nil && safefs.SameFile(now, info) {
				return d, created, nil
			}
			d.Close()
			continue
		}
		d.Close()
		waited := time.Since(start)
		if waited >= opts.LockTimeout {
			return nil, false, &BusyError{Dir: t.Given, Waited: waited.Round(time.Millisecond)}
		}
		if !waiting && opts.Waiting != nil {
			opts.Waiting(t.Given)
		}
		waiting = true
		time.Sleep(min(lockPoll, opts.LockTimeout-waited))
	}
	return nil, false, fmt.Errorf("%s keeps being replaced; giving up", safefs.Show(t.Given))
}

// replace builds the new folder beside the old one and exchanges the two.
func (c *Change) replace(root *safefs.Dir, tree Tree) error {
	t := c.Target
	parent, base := filepath.Dir(t.Dir), filepath.Base(t.Dir)
	stage, err := os.MkdirTemp(parent, "."+base+stagingMark)
	if err != nil {
		return fmt.Errorf("cannot build the new tree beside %s: %w", safefs.Show(t.Given), err)
	}
	// After the exchange, stage holds the old folder: removed all the same.
	defer os.RemoveAll(stage)
	want, err := c.build(root, stage, tree)
	if err != nil {
		return err
	}
	rootInfo, err := root.Stat()
	if err != nil {
		return err
	}
	if err := os.Chmod(stage, rootInfo.Mode().Perm()); err != nil {
		return err
	}
	next, err := safefs.OpenDir(stage)
	if err != nil {
		return err
	}
	// The new folder is locked before it takes the old one's place, so that
	// a render arriving after the exchange waits until this one has checked
	// it and cleaned up.
	defer next.Close()
	if ok, err := next.Lock(true); !ok || err != nil {
		return fmt.Errorf("cannot lock the new tree %s: %v", safefs.Show(stage), err)
	}
	if err := next.SyncFS(); err != nil {
		return err
	}
	if err := exchange(stage, t.Dir); err != nil {
		return fmt.Errorf("cannot put the new tree in place of %s: %w", safefs.Show(t.Given), err)
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	return c.check(next, want, tree)
}

// build fills stage with the new folder and returns, for each file of the
// tree, the file it put there.
func (c *Change) build(root *safefs.Dir, stage string, tree Tree) (map[string]fs.FileInfo, error) {
	want := make(map[string]fs.FileInfo, len(tree))
	made := map[string]bool{".": true}
	mkdir := func(rel string) error {
		var missing []string
		for d := rel; !made[d]; d = path.Dir(d) {
			missing = append(missing, d)
		}
		for _, d := range slices.Backward(missing) {
			// Owner-writable while being filled; an old folder's own mode
			// is put back at the end.
			if err := os.Mkdir(filepath.Join(stage, filepath.FromSlash(d)), 0o755); err != nil {
				return err
			}
			made[d] = true
		}
		return nil
	}

	// The old folder's entries that stay, walked again: each must still be
	// what the preflight saw.
	err := root.Walk(func(parent *safefs.Dir, rel string, fi fs.FileInfo) error {
		k := c.carry[rel]
		if k == nil {
			return nil
		}
		if !safefs.SameFile(fi, k.info) || fi.Mode().Type() != k.info.Mode().Type() {
			return fmt.Errorf("%s changed while render was writing; run it again", c.Target.show(rel))
		}
		to := filepath.Join(stage, filepath.FromSlash(rel))
		if fi.IsDir() {
			return mkdir(rel)
		}
		if err := mkdir(path.Dir(rel)); err != nil {
			return err
		}
		if _, ok := tree[rel]; ok {
			want[rel] = fi
		}
		if err := parent.Link(fi.Name(), to); err != nil {
			return fmt.Errorf("cannot carry %s into the new tree: %w", c.Target.show(rel), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range c.Written {
		if err := mkdir(path.Dir(p)); err != nil {
			return nil, err
		}
		fi, err := create(filepath.Join(stage, filepath.FromSlash(p)), tree[p], FileMode(p))
		if err != nil {
			return nil, err
		}
		want[p] = fi
	}
	if c.manifestSame {
		err = root.Link(ManifestName, filepath.Join(stage, ManifestName))
	} else {
		_, err = create(filepath.Join(stage, ManifestName), c.manifest, 0o644)
	}
	if err != nil {
		return nil, err
	}
	// Folders that existed keep their modes, and those carried over their
	// times too: set last, deepest first, as filling them moved them.
	folders := make([]string, 0, len(made))
	for rel := range made {
		folders = append(folders, rel)
	}
	slices.Sort(folders)
	for _, rel := range slices.Backward(folders) {
		mode, ok := c.dirModes[rel]
		if !ok {
			continue
		}
		p := filepath.Join(stage, filepath.FromSlash(rel))
		if err := os.Chmod(p, mode); err != nil {
			return nil, err
		}
		if k := c.carry[rel]; k != nil {
			if err := os.Chtimes(p, k.info.ModTime(), k.info.ModTime()); err != nil {
				return nil, err
			}
		}
	}
	return want, nil
}

// check confirms, after the exchange, that the folder is the one built and
// that every file of the tree in it is the file put there, with its size:
// one walk of the new folder, no file read.
func (c *Change) check(next *safefs.Dir, want map[string]fs.FileInfo, tree Tree) error {
	built, err := next.Stat()
	if err != nil {
		return err
	}
	if now, err := os.Lstat(c.Target.Dir); err != nil || !safefs.SameFile(now, built) {
		return fmt.Errorf("%s is not the folder render built: something replaced it during the render", safefs.Show(c.Target.Given))
	}
	found := 0
	err = next.Walk(func(_ *safefs.Dir, rel string, fi fs.FileInfo) error {
		b, ok := tree[rel]
		if !ok {
			return nil
		}
		if !fi.Mode().IsRegular() || fi.Size() != int64(len(b)) || !safefs.SameFile(fi, want[rel]) {
			return fmt.Errorf("%s is not the file render wrote: something changed it during the render; run render again", c.Target.show(rel))
		}
		found++
		return nil
	})
	if err == nil && found != len(tree) {
		err = fmt.Errorf("%s lacks %d of the files render wrote: something removed them during the render; run render again", safefs.Show(c.Target.Given), len(tree)-found)
	}
	return err
}

// create writes a new file that must not exist yet.
func create(p string, data []byte, mode fs.FileMode) (fs.FileInfo, error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(data)
	var fi fs.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if err == nil && fi.Mode().Perm() != mode { // a umask took bits away
		if err = f.Chmod(mode); err == nil {
			fi, err = f.Stat()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return fi, err
}

// Owned reads the manifest of an output folder: the files blueprint wrote.
// Entries that are not paths inside the folder are left out.
func Owned(dir string) (map[string]bool, error) {
	root, err := safefs.OpenDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	c := &Change{Target: Target{Given: dir, Dir: dir}}
	owned, _ := c.readManifest(root)
	if len(c.Problems) > 0 {
		return nil, errors.New(c.Problems[0])
	}
	return owned, nil
}

// Read loads the files blueprint owns in dir, for comparing with a new tree.
// It follows no link and reads each file up to limit bytes.
func Read(dir string) (Tree, error) {
	owned, err := Owned(dir)
	if err != nil {
		return nil, err
	}
	root, err := safefs.OpenDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return Tree{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	t := Tree{}
	for p := range owned {
		b, err := root.ReadFile(p, maxReadFile)
		if err == nil {
			t[p] = b
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return t, nil
}

// maxReadFile bounds one file Read loads.
const maxReadFile = 64 << 20

// FileMode is the mode render gives the file at p: scripts are executable.
func FileMode(p string) fs.FileMode {
	if strings.HasSuffix(p, ".sh") {
		return 0o755
	}
	return 0o644
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
	for _, name := range leftovers(parent, base) {
		if strings.HasSuffix(name, swapSuffix) {
			return os.Rename(filepath.Join(parent, name), dir)
		}
	}
	return nil
}

// removeLeftovers deletes the staging folders of interrupted runs. Only a
// render holding the folder's lock calls it: no other render of the folder
// is then at work.
func removeLeftovers(parent, base string) {
	for _, name := range leftovers(parent, base) {
		os.RemoveAll(filepath.Join(parent, name))
	}
}

// leftovers lists the staging folders of base in parent.
func leftovers(parent, base string) []string {
	entries, _ := os.ReadDir(parent)
	prefix := "." + base + stagingMark
	var names []string
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		rest = strings.TrimSuffix(rest, swapSuffix)
		if ok && e.IsDir() && rest != "" && strings.Trim(rest, "0123456789") == "" {
			names = append(names, e.Name())
		}
	}
	return names
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
