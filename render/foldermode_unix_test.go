//go:build linux || darwin || freebsd

package render_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
)

// TestWriteKeepsFolderModesAndGroups: a shared output folder is often
// setgid, so that what anyone writes there belongs to the team's group. A
// render that changes files builds a new folder: it must keep the old
// one's mode, setgid and sticky bits included, and its group, and the same
// for the folders of the user's inside it. The old writer gave the new
// folder its permission bits alone, in the renderer's own group.
func TestWriteKeepsFolderModesAndGroups(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := render.Write(dir, render.Tree{"a.yaml": []byte("1"), "sub/b.yaml": []byte("b")}); err != nil {
		t.Fatal(err)
	}
	// As root, the test can give the folders a group it is not in, as a
	// team's group would be; otherwise its own (still kept, with the bits).
	group := os.Getgid()
	if os.Geteuid() == 0 {
		group = 4242
	}
	mine := filepath.Join(dir, "notes")
	if err := os.Mkdir(mine, 0o700); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{
		dir:                       0o775 | fs.ModeDir | fs.ModeSetgid,
		filepath.Join(dir, "sub"): 0o755 | fs.ModeDir | fs.ModeSetgid,
		mine:                      0o770 | fs.ModeDir | fs.ModeSticky,
	}
	for p, m := range want {
		if err := os.Chown(p, -1, group); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := render.Write(dir, render.Tree{"a.yaml": []byte("2"), "sub/b.yaml": []byte("b")}); err != nil {
		t.Fatal(err)
	}
	for p, m := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != m {
			t.Errorf("%s: mode %v after a render, want %v", p, fi.Mode(), m)
		}
		if gid := int(fi.Sys().(*syscall.Stat_t).Gid); gid != group {
			t.Errorf("%s: group %d after a render, want %d", p, gid, group)
		}
	}
}
