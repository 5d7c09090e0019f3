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

	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// MaxManifestSize bounds the .blueprint-files read from an output folder:
// 5,000 machines' worth of paths take a few hundred kilobytes.
const MaxManifestSize = 16 << 20

// Target is an output folder as the user named it and as render writes it.
type Target struct {
	// Given is the folder as the user named it, for messages.
	Given string
	// Dir is the absolute folder render writes: Given, or where the link
	// Given names leads.
	Dir string
	// Link, when Given names a symbolic link, is that link's absolute path.
	// Render writes into Dir and leaves the link as it is.
	Link string
}

// show names rel, a path inside the folder, as the user would type it.
func (t Target) show(rel string) string {
	return safefs.Show(filepath.Join(t.Given, filepath.FromSlash(rel)))
}

// Resolve finds the folder that writing to dir means: "." and ".." and
// absolute or relative spellings all become one absolute path, and a
// symbolic link is followed once, to the folder it names. A filesystem root
// cannot be an output folder: render replaces the folder by renaming, and a
// root has no parent to build the new tree in.
func Resolve(dir string) (Target, error) {
	if dir == "" {
		return Target{}, errors.New("no output folder given: name one with -o DIR")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Target{}, fmt.Errorf("cannot tell which folder %s is: %w (if a render replaced your working folder, cd \"$PWD\" first)", safefs.Show(dir), err)
	}
	t := Target{Given: dir, Dir: abs}
	if fi, err := os.Lstat(abs); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if t.Dir, err = followLink(abs); err != nil {
			return Target{}, err
		}
		t.Link = abs
	}
	// One spelling of the parent, so that the staging folders of two
	// spellings of the same folder are recognised as each other's.
	if parent, err := filepath.EvalSymlinks(filepath.Dir(t.Dir)); err == nil {
		t.Dir = filepath.Join(parent, filepath.Base(t.Dir))
	}
	if filepath.Dir(t.Dir) == t.Dir {
		return Target{}, fmt.Errorf("%s is the root of the filesystem: render replaces the output folder as a whole and needs a parent folder to build the new one in; name a folder below it", safefs.Show(t.Dir))
	}
	if fi, err := os.Lstat(t.Dir); err == nil && !fi.IsDir() {
		return Target{}, fmt.Errorf("%s is %s, not a folder", safefs.Show(t.Dir), safefs.KindName(fi.Mode()))
	}
	return t, nil
}

// followLink follows the link at p, and any link it leads to, to a path
// that is not a link (and may not exist yet).
func followLink(p string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		dest, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(p), dest)
		}
		p = filepath.Clean(dest)
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", safefs.Show(p))
}

// Change is what writing a tree into an output folder does, and what stops
// it. Render and diff compute it with the same function, so that diff
// predicts every refusal render makes.
type Change struct {
	Target Target
	// Written are the tree's paths that are new or whose bytes or mode
	// change; Unchanged, those whose file stays as it is, same inode.
	Written, Unchanged []string
	// Removed are files blueprint wrote before that the tree no longer has.
	Removed []string
	// Problems are why render refuses to write: then it writes nothing.
	Problems []string
	// Warnings are what render ignores, such as a .blueprint-files entry
	// outside the folder.
	Warnings []string

	manifest     []byte // the new .blueprint-files
	manifestSame bool   // the old one has those bytes and mode
	oldManifest  []byte // the old one, as read
	oldManiMode  fs.FileMode
	hasOldMani   bool
	exists       bool // the folder exists
	old          map[string]fs.FileInfo
	carry        map[string]*carried
	dirModes     map[string]fs.FileMode // with setgid and sticky bits
	dirGroups    map[string]int         // owner groups
	root         *safefs.Dir            // Preflight's, for Old; nil in Write
}

// carried is an entry of the old folder that goes into the new one as it
// is: a new folder for a folder, else a hard link to the entry itself (for
// a symbolic link, to the link, never to what it names), or a copy where
// the system forbids this user to link it.
type carried struct {
	info fs.FileInfo
	copy bool
}

// None reports whether writing changes nothing at all.
func (c *Change) None() bool {
	return len(c.Problems) == 0 && len(c.Written) == 0 && len(c.Removed) == 0 && c.manifestSame && c.exists
}

// Err returns the refusal, if render would refuse.
func (c *Change) Err() error {
	if len(c.Problems) == 0 {
		return nil
	}
	return &RefusedError{Dir: c.Target.Given, Problems: c.Problems}
}

// Mode returns the mode of the file at p in the old folder, if blueprint
// wrote one there.
func (c *Change) Mode(p string) (fs.FileMode, bool) {
	fi, ok := c.old[p]
	if !ok {
		return 0, false
	}
	return fi.Mode(), true
}

// Old reads the file blueprint wrote at p in the old folder, refusing it if
// it has more than limit bytes (errors.Is safefs.ErrTooLarge). It follows no
// link. Only a Change from Preflight can read.
func (c *Change) Old(p string, limit int64) ([]byte, error) {
	if _, ok := c.old[p]; !ok || c.root == nil {
		return nil, fs.ErrNotExist
	}
	return c.root.ReadFile(p, limit)
}

// Close releases the folder (and Preflight's lock).
func (c *Change) Close() error {
	if c == nil {
		return nil
	}
	return c.root.Close()
}

// RefusedError is render's refusal to write a folder, with every reason.
type RefusedError struct {
	Dir      string
	Problems []string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refusing to write %s; nothing in it changed:\n  %s", safefs.Show(e.Dir), strings.Join(e.Problems, "\n  "))
}

// Preflight tells, without writing anything, what writing tree into dir
// would change and why render would refuse. While the Change is open it
// holds a shared lock on the folder, so that what it reads is never half
// written; a render holding the folder is itself one of the problems.
func Preflight(dir string, tree Tree) (*Change, error) {
	t, err := Resolve(dir)
	if err != nil {
		return nil, err
	}
	root, err := safefs.OpenDir(t.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return preflight(nil, t, tree), nil
	}
	if err != nil {
		return nil, err
	}
	if ok, err := root.Lock(false); !ok || err != nil {
		root.Close()
		if err != nil {
			return nil, err
		}
		return &Change{Target: t, exists: true, Problems: []string{busy(t)}}, nil
	}
	c := preflight(root, t, tree)
	c.root = root
	return c, nil
}

func busy(t Target) string {
	return fmt.Sprintf("another render is writing %s; run again once it has finished", safefs.Show(t.Given))
}

// preflight compares tree with the folder open as root (nil if it does not
// exist yet), never following a link and reading only the files blueprint
// wrote whose size equals the new file's.
func preflight(root *safefs.Dir, t Target, tree Tree) *Change {
	paths := tree.Paths()
	c := &Change{
		Target: t, exists: root != nil, manifest: []byte(strings.Join(paths, "\n") + "\n"),
		old: map[string]fs.FileInfo{}, carry: map[string]*carried{}, dirModes: map[string]fs.FileMode{}, dirGroups: map[string]int{},
	}
	if root == nil {
		c.Written = paths
		c.checkPlace(nil)
		return c
	}
	owned, oldManifest := c.readManifest(root)
	c.manifestSame = bytes.Equal(oldManifest, c.manifest)
	folders := ancestors(paths)      // folders the new tree needs
	ownedFolders := ancestors(owned) // folders that held blueprint's files
	rootInfo, err := root.Stat()
	if err != nil {
		c.Problems = append(c.Problems, err.Error())
		return c
	}

	seen := map[string]bool{}
	filesAt := map[string]bool{} // folders where the new tree has a file
	// Entries that must be copied, and those that cannot be carried at all:
	// either matters only if render writes.
	var copies, stuck []string
	// carry keeps the entry fi (rel, in parent) as it is: by a hard link
	// where this user may make one, else by a copy, which needs to read it.
	carry := func(parent *safefs.Dir, rel string, fi fs.FileInfo) {
		k := &carried{info: fi}
		c.carry[rel] = k
		if fi.IsDir() || parent.CanLink(fi.Name(), fi) {
			return
		}
		switch mode := fi.Mode(); {
		case mode.IsRegular() && !parent.Readable(fi.Name()), !mode.IsRegular() && mode&fs.ModeSymlink == 0:
			stuck = append(stuck, fmt.Sprintf("%s is %s of %s that this user may neither link nor copy (fs.protected_hardlinks), so render cannot carry it into the new folder; move it away, or render as its owner", t.show(rel), safefs.KindName(mode), owner(fi)))
		default:
			k.copy = true
			copies = append(copies, rel)
		}
	}
	err = root.Walk(func(parent *safefs.Dir, rel string, fi fs.FileInfo) error {
		if rel == ManifestName {
			return fs.SkipDir // read by readManifest
		}
		_, inTree := tree[rel]
		mode := fi.Mode()
		switch {
		case mode.IsDir():
			if !safefs.SameDevice(fi, rootInfo) {
				c.Problems = append(c.Problems, fmt.Sprintf("%s is a mount point: render builds the new folder beside the old one and cannot carry a mount into it; unmount it or render elsewhere", t.show(rel)))
				return fs.SkipDir
			}
			if inTree {
				filesAt[rel] = true
			}
			c.dirModes[rel] = folderMode(mode)
			if gid, ok := safefs.Group(fi); ok {
				c.dirGroups[rel] = gid
			}
			if !folders[rel] && !ownedFolders[rel] {
				carry(parent, rel, fi)
			}
		case mode.IsRegular():
			switch {
			case owned[rel]:
				seen[rel] = true
				c.old[rel] = fi
				switch {
				case !inTree:
					c.Removed = append(c.Removed, rel)
				case same(parent, fi, tree[rel], FileMode(rel)):
					c.Unchanged = append(c.Unchanged, rel)
					carry(parent, rel, fi)
				default:
					c.Written = append(c.Written, rel)
				}
			case inTree:
				c.Problems = append(c.Problems, fmt.Sprintf("%s was not written by blueprint; refusing to overwrite it (move it away, or add it to %s to hand it over)", t.show(rel), ManifestName))
			case folders[rel]:
				c.Problems = append(c.Problems, fmt.Sprintf("%s was not written by blueprint, and blueprint needs a folder there; move it away", t.show(rel)))
			default:
				carry(parent, rel, fi)
			}
		case owned[rel] || inTree || folders[rel] || ownedFolders[rel]:
			what := "blueprint would write there"
			if owned[rel] {
				what = "it is listed in " + ManifestName
			}
			c.Problems = append(c.Problems, fmt.Sprintf("%s is %s and %s; blueprint never writes through one: remove it", t.show(rel), safefs.KindName(mode), what))
		default:
			carry(parent, rel, fi)
		}
		return nil
	})
	if err != nil {
		c.Problems = append(c.Problems, fmt.Sprintf("cannot read %s: %v", safefs.Show(t.Given), err))
	}
	for _, p := range paths {
		if _, ok := c.old[p]; !ok && !seen[p] {
			c.Written = append(c.Written, p)
		}
	}
	// A folder where the tree has a file is in the way only if something in
	// it stays.
	for rel := range filesAt {
		if c.carry[rel] != nil || c.carriesBelow(rel) {
			c.Problems = append(c.Problems, fmt.Sprintf("%s is a folder that blueprint did not write, where it would write a file; move it away", t.show(rel)))
		}
	}
	if !c.None() {
		c.Problems = append(c.Problems, stuck...)
	}
	if len(copies) > 0 && !c.None() {
		slices.Sort(copies)
		shown := make([]string, 0, 3)
		for _, rel := range copies[:min(3, len(copies))] {
			shown = append(shown, t.show(rel))
		}
		more := ""
		if len(copies) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(copies)-len(shown))
		}
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s belong to other users, and this system (fs.protected_hardlinks) does not let you link them into the new folder: render copies them (same bytes, mode and times; the copies belong to you)", strings.Join(shown, ", ")+more))
	}
	slices.Sort(c.Written)
	slices.Sort(c.Problems)
	c.checkPlace(root)
	return c
}

// folderMode is what render keeps of a folder's mode: its permissions,
// and the setgid bit (new entries take the folder's group, as shared
// folders rely on) and sticky bit.
func folderMode(m fs.FileMode) fs.FileMode {
	return m.Perm() | m&(fs.ModeSetgid|fs.ModeSticky)
}

// owner names the user who owns fi, by number.
func owner(fi fs.FileInfo) string {
	if uid, ok := safefs.Owner(fi); ok {
		return fmt.Sprintf("user %d", uid)
	}
	return "another user"
}

func (c *Change) carriesBelow(dir string) bool {
	for rel := range c.carry {
		if strings.HasPrefix(rel, dir+"/") {
			return true
		}
	}
	return false
}

// checkPlace adds the refusals that come from where the folder is, which
// matter only if something is to be written.
func (c *Change) checkPlace(root *safefs.Dir) {
	if c.None() || len(c.Problems) > 0 {
		return
	}
	parent := filepath.Dir(c.Target.Dir)
	pinfo, err := os.Stat(parent)
	if err != nil {
		return // render creates it
	}
	if root != nil {
		if fi, err := root.Stat(); err == nil && !safefs.SameDevice(fi, pinfo) {
			c.Problems = append(c.Problems, fmt.Sprintf("%s is a mount point: render replaces the output folder by renaming a new one into its place, which a mount point does not allow; render into a folder inside it", safefs.Show(c.Target.Given)))
		}
	}
	if err := safefs.Writable(parent); err != nil {
		c.Problems = append(c.Problems, fmt.Sprintf("render builds the new tree beside %s, in %s, which it cannot write (%v); make it writable or render elsewhere", safefs.Show(c.Target.Given), safefs.Show(parent), errors.Unwrap(err)))
	}
}

// readManifest reads the old .blueprint-files: the paths blueprint wrote,
// and the file's bytes (nil when they cannot count as the new one's). An
// entry that is not a path inside the folder is ignored, with a warning.
func (c *Change) readManifest(root *safefs.Dir) (map[string]bool, []byte) {
	owned := map[string]bool{}
	fi, err := root.Lstat(ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return owned, nil
	}
	if err == nil && !fi.Mode().IsRegular() {
		c.Problems = append(c.Problems, fmt.Sprintf("%s is %s, not a regular file; remove it", c.Target.show(ManifestName), safefs.KindName(fi.Mode())))
		return owned, nil
	}
	b, err := root.ReadFile(ManifestName, MaxManifestSize)
	if err != nil {
		c.Problems = append(c.Problems, fmt.Sprintf("cannot read %s: %v", c.Target.show(ManifestName), err))
		return owned, nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case !safefs.CleanRel(line) || line == ManifestName:
			c.Warnings = append(c.Warnings, fmt.Sprintf("ignoring %s in %s: not a path inside the folder", safefs.Show(line), c.Target.show(ManifestName)))
		default:
			owned[line] = true
		}
	}
	c.oldManifest, c.oldManiMode, c.hasOldMani = b, fi.Mode(), true
	if fi.Mode().Perm() != 0o644 {
		b = nil
	}
	return owned, b
}

// Manifest returns the folder's .blueprint-files as it is (found false
// when there is none, or it could not be read) and as render would write
// it, with mode 0644: diff shows that change too, so that its patch leaves
// a folder render takes as its own.
func (c *Change) Manifest() (old []byte, oldMode fs.FileMode, found bool, next []byte) {
	return c.oldManifest, c.oldManiMode, c.hasOldMani, c.manifest
}

// same reports whether the file fi, in parent, already holds data with mode.
func same(parent *safefs.Dir, fi fs.FileInfo, data []byte, mode fs.FileMode) bool {
	if fi.Size() != int64(len(data)) || fi.Mode().Perm() != mode {
		return false
	}
	b, err := parent.ReadFile(fi.Name(), int64(len(data)))
	return err == nil && bytes.Equal(b, data)
}

// ancestors returns every folder that holds one of paths.
func ancestors[M ~map[string]bool | ~[]string](paths M) map[string]bool {
	dirs := map[string]bool{}
	add := func(p string) {
		for d := path.Dir(p); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	switch ps := any(paths).(type) {
	case map[string]bool:
		for p := range ps {
			add(p)
		}
	case []string:
		for _, p := range ps {
			add(p)
		}
	}
	return dirs
}
