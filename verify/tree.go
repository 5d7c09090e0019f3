package verify

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// Limits on what verify reads from a tree: a hand-edited or hostile tree
// must not make it read without end.
const (
	// MaxFileSize is the largest file verify reads; blueprint's largest
	// files are tens of kilobytes.
	MaxFileSize = 4 << 20
	// MaxTreeSize bounds the bytes of all files read from one tree.
	MaxTreeSize = 256 << 20
	// maxListed bounds the entries of .blueprint-files.
	maxListed = 200_000
	// maxWalk bounds the entries looked at while searching a folder for
	// other trees.
	maxWalk = 200_000
)

// manifestName is the file render writes at the top of every tree, listing
// the files it owns.
const manifestName = ".blueprint-files"

// tree is what verify read from an output folder: the files render listed
// in .blueprint-files that are regular files, and why each other listed
// file was not read.
type tree struct {
	files      map[string][]byte // slash-separated path → content
	unreadable map[string]string // slash-separated path → why it was not read
	paths      []string          // keys of both, sorted
	notes      []string          // entries of .blueprint-files that were ignored
}

// loadTree reads the tree in dir: dir must hold one blueprint tree, with
// .blueprint-files at its top and no other tree below it. Only the files
// .blueprint-files lists are read, each one only if it is a regular file
// reached without following a symbolic link, and within the size limits.
func loadTree(dir string) (*tree, error) {
	// The folder the user named is theirs to resolve; below it, safefs
	// follows no link.
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	d, err := safefs.OpenDir(resolved)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	list, err := d.ReadFile(manifestName, MaxFileSize)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if nested := nestedTrees(d); len(nested) > 0 {
				trees := fmt.Sprintf("%d blueprint trees", len(nested))
				if len(nested) == 1 {
					trees = "a blueprint tree"
				}
				return nil, notATree(dir, fmt.Sprintf("it has no %s of its own but holds %s below it (%s); verify one output folder at a time", manifestName, trees, strings.Join(nested, ", ")))
			}
			return nil, notATree(dir, fmt.Sprintf("it has no %s, the list of files blueprint render writes at the top of every output folder", manifestName))
		}
		return nil, notATree(dir, fmt.Sprintf("%s: %v", manifestName, err))
	}
	if nested := nestedTrees(d); len(nested) > 0 {
		return nil, notATree(dir, fmt.Sprintf("it holds other blueprint trees below it (%s); verify one output folder at a time", strings.Join(nested, ", ")))
	}
	t := &tree{files: map[string][]byte{}, unreadable: map[string]string{}}
	total := 0
	sc := bufio.NewScanner(bytes.NewReader(list))
	sc.Buffer(nil, 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if n > maxListed {
			return nil, fmt.Errorf("%s: %s lists more than %d files", dir, manifestName, maxListed)
		}
		if why := badEntry(line); why != "" {
			t.notes = append(t.notes, fmt.Sprintf("%s line %d ignored: %q %s", manifestName, n, line, why))
			continue
		}
		if _, seen := t.files[line]; seen {
			continue
		}
		b, err := d.ReadFile(line, MaxFileSize)
		if err != nil {
			t.unreadable[line] = strings.TrimPrefix(err.Error(), resolved+string(filepath.Separator))
			continue
		}
		if total += len(b); total > MaxTreeSize {
			return nil, fmt.Errorf("%s: the files %s lists hold more than %d MiB; verify reads at most that", dir, manifestName, MaxTreeSize>>20)
		}
		t.files[line] = b
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", dir, manifestName, err)
	}
	for p := range t.files {
		t.paths = append(t.paths, p)
	}
	for p := range t.unreadable {
		t.paths = append(t.paths, p)
	}
	sort.Strings(t.paths)
	return t, nil
}

func notATree(dir, why string) error {
	return fmt.Errorf("%s: %w: %s. verify expects the folder one `blueprint render` wrote (-o DIR, default out)", dir, ErrNotATree, why)
}

// badEntry says why an entry of .blueprint-files is not a path inside the
// tree, or returns "". render writes clean relative paths only.
func badEntry(p string) string {
	switch {
	case strings.ContainsFunc(p, isControl):
		return "holds a control character"
	case strings.Contains(p, `\`):
		return "holds a backslash"
	case path.IsAbs(p) || filepath.IsAbs(p):
		return "is absolute"
	case path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return "is not a clean path inside the folder"
	case p == manifestName:
		return "names the list itself"
	}
	return ""
}

// nestedTrees returns the folders below d, relative to it, that hold a
// .blueprint-files of their own. No link is followed, and the search gives
// up quietly after maxWalk entries.
func nestedTrees(d *safefs.Dir) []string {
	var found []string
	seen := 0
	errEnough := errors.New("enough")
	_ = d.Walk(func(_ *safefs.Dir, rel string, info fs.FileInfo) error {
		if seen++; seen > maxWalk {
			return errEnough
		}
		if !info.IsDir() {
			return nil
		}
		if fi, err := d.Lstat(rel + "/" + manifestName); err == nil && fi.Mode().IsRegular() {
			found = append(found, rel)
			return fs.SkipDir
		}
		return nil
	})
	return found
}

// isControl reports the runes verify never prints as they are: C0 and C1
// control characters, DEL, and the Unicode line and paragraph separators.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029'
}

// fleetMembers returns the member folders of a fleet's tree
// ("clusters/west/"), sorted: a tree with FLEET.md at its top and
// ARCHITECTURE.md in each member's folder. Nil for a single cluster's tree.
func fleetMembers(t *tree) []string {
	if _, ok := t.files["FLEET.md"]; !ok {
		return nil
	}
	var out []string
	for _, p := range t.paths {
		if rest, ok := strings.CutPrefix(p, "clusters/"); ok {
			if name, file, ok := strings.Cut(rest, "/"); ok && file == "ARCHITECTURE.md" && name != "" {
				out = append(out, "clusters/"+name+"/")
			}
		}
	}
	return out
}

// sub is the part of the tree under prefix, without it.
func (t *tree) sub(prefix string) *tree {
	out := &tree{files: map[string][]byte{}, unreadable: map[string]string{}}
	for p, b := range t.files {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			out.files[rest] = b
		}
	}
	for p, why := range t.unreadable {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			out.unreadable[rest] = why
		}
	}
	for _, p := range t.paths {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			out.paths = append(out.paths, rest)
		}
	}
	return out
}

// only is the part of the tree under prefix, with it.
func (t *tree) only(prefix string) *tree {
	out := &tree{files: map[string][]byte{}, unreadable: map[string]string{}}
	for _, p := range t.paths {
		if strings.HasPrefix(p, prefix) {
			out.paths = append(out.paths, p)
			if b, ok := t.files[p]; ok {
				out.files[p] = b
			} else {
				out.unreadable[p] = t.unreadable[p]
			}
		}
	}
	return out
}
