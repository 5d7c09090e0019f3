//go:build linux || darwin || freebsd

package render_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/render"
)

// state describes every entry below root, and root itself, in full: type,
// mode, inode, mtime, size, a link's target and a file's bytes. Two equal
// states mean nothing on disk changed.
func state(t *testing.T, root string) map[string]string {
	t.Helper()
	s := map[string]string{}
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		st := fi.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v ino=%d mtime=%d size=%d", fi.Mode(), st.Ino, fi.ModTime().UnixNano(), fi.Size())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += " " + string(b)
		}
		s[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sameState(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s: %s disappeared", what, p)
		} else if a != b {
			t.Errorf("%s: %s changed:\n  was %s\n  now %s", what, p, b, a)
		}
	}
	for p, a := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: %s appeared: %s", what, p, a)
		}
	}
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// base is the tree the hostile cases write over: a first rendering.
var base = render.Tree{
	"kubeadm/init/m1.yaml":            []byte("init: 1\n"),
	"kubeadm/join-worker/w1.yaml":     []byte("join: 1\n"),
	"loadbalancer/check_apiserver.sh": []byte("#!/bin/sh\nexit 0\n"),
	"ARCHITECTURE.md":                 []byte("# Architecture\n"),
}

// next is the tree written second: every file changes.
func next() render.Tree {
	t := render.Tree{}
	for p, b := range base {
		t[p] = append([]byte("changed\n"), b...)
	}
	t["kubeadm/join-worker/w2.yaml"] = []byte("join: 2\n")
	return t
}

// TestWriteRefusesLinksAndSpecialFiles plants a link, a named pipe or a
// socket where render would write, at a folder that holds written files,
// or at a path .blueprint-files lists. Each must be refused with an error
// naming it, the output folder and the link's target left exactly as they
// were. The old writer wrote 14 files into the folder out/kubeadm linked to,
// and overwrote (and made executable) the file a linked
// check_apiserver.sh named.
func TestWriteRefusesLinksAndSpecialFiles(t *testing.T) {
	cases := []struct {
		name, path string
		plant      func(t *testing.T, p, elsewhere string)
	}{
		{"linked folder of written files", "kubeadm", linkTo("")},
		{"linked folder deeper down", "kubeadm/join-worker", linkTo("")},
		{"linked written file", "loadbalancer/check_apiserver.sh", linkTo("victim.txt")},
		{"linked manifest", render.ManifestName, linkTo("victim.txt")},
		{"linked new file", "kubeadm/join-worker/w2.yaml", linkTo("victim.txt")},
		{"dangling link at a new file", "kubeadm/join-worker/w2.yaml", linkTo("created-by-render")},
		{"named pipe at a written file", "ARCHITECTURE.md", fifo},
		{"named pipe as the manifest", render.ManifestName, fifo},
		{"socket at a written file", "kubeadm/init/m1.yaml", socket},
		{"device listed in the manifest", "kubeadm/join-worker/w1.yaml", device},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, dir, elsewhere := rendered(t)
			if err := os.WriteFile(filepath.Join(elsewhere, "victim.txt"), []byte("not blueprint's\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, filepath.FromSlash(c.path))
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
			c.plant(t, p, elsewhere)
			before := state(t, root)

			done := make(chan error, 1)
			go func() { done <- render.Write(dir, next()) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("render hung")
			}
			if err == nil {
				t.Fatal("render wrote through it")
			}
			if !strings.Contains(err.Error(), c.path) {
				t.Errorf("the error does not name %s: %v", c.path, err)
			}
			sameState(t, "after a refused render", before, state(t, root))
		})
	}
}

// rendered writes base into root/out and makes an empty root/elsewhere.
func rendered(t *testing.T) (root, dir, elsewhere string) {
	root = t.TempDir()
	dir, elsewhere = filepath.Join(root, "out"), filepath.Join(root, "elsewhere")
	if err := render.Write(dir, base); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	return root, dir, elsewhere
}

func linkTo(name string) func(t *testing.T, p, elsewhere string) {
	return func(t *testing.T, p, elsewhere string) {
		if err := os.Symlink(filepath.Join(elsewhere, name), p); err != nil {
			t.Fatal(err)
		}
	}
}

func fifo(t *testing.T, p, _ string) {
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// device makes a character device like /dev/null (1, 3).
func device(t *testing.T, p, _ string) {
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("SKIPPED, not passed: cannot make a device node here: %v", err)
	}
}

func socket(t *testing.T, p, _ string) {
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Skipf("SKIPPED: cannot make a socket at %s: %v", p, err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	t.Cleanup(func() { l.Close() })
}

// TestWriteCarriesForeignEntriesWithoutFollowing keeps, through a write
// that changes every file, what the user put in the folder: a file (the
// same inode, so neither read nor copied), a link to a folder outside and a
// dangling one (the same links, nothing written through them), a named
// pipe (same inode), and folders with their modes and mtimes.
func TestWriteCarriesForeignEntriesWithoutFollowing(t *testing.T) {
	root, dir, elsewhere := rendered(t)
	mine := filepath.Join(dir, "notes", "big.bin")
	if err := os.MkdirAll(filepath.Dir(mine), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"docs": elsewhere, "notes/gone": filepath.Join(root, "nowhere")} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	fifo(t, filepath.Join(dir, "notes", "pipe"), "")
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	foreign := []string{"notes", "notes/big.bin", "notes/gone", "notes/pipe", "docs", "empty"}
	before := state(t, dir)
	elsewhereBefore := state(t, elsewhere)

	if err := render.Write(dir, next()); err != nil {
		t.Fatal(err)
	}
	after := state(t, dir)
	for _, p := range foreign {
		// Folders are new ones, with the old mode and mtime.
		was, now := before[p], after[p]
		if strings.HasPrefix(was, "d") {
			was, now = dropInode(was), dropInode(now)
		}
		if was != now {
			t.Errorf("%s:\n  was %s\n  now %s", p, was, now)
		}
	}
	sameState(t, "the folder a carried link names", elsewhereBefore, state(t, elsewhere))
	if _, err := os.Lstat(filepath.Join(root, "nowhere")); err == nil {
		t.Error("a dangling link's target was created")
	}
}

func dropInode(s string) string {
	f := strings.Fields(s)
	return strings.Join(append(f[:1], f[2:]...), " ")
}

// TestWriteLeavesUnchangedFilesAlone writes a tree, then the same tree with
// one file changed: every other file keeps its inode and mtime. Then it
// writes that tree again: nothing at all on disk changes, not a file, a
// folder or the parent folder, and Write says there was nothing to do. The
// old writer gave every file a new inode on every write.
func TestWriteLeavesUnchangedFilesAlone(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	if err := render.Write(dir, base); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine.txt"), []byte("hand written"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := state(t, dir)
	changed := render.Tree{}
	for p, b := range base {
		changed[p] = b
	}
	changed["ARCHITECTURE.md"] = []byte("# Architecture, revised\n")
	// The old tree's mtimes must be old enough to tell a rewrite apart.
	time.Sleep(20 * time.Millisecond)

	c, err := render.WriteWith(dir, changed, render.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Written) != 1 || len(c.Unchanged) != len(base)-1 || len(c.Removed) != 0 {
		t.Errorf("written %v, unchanged %v, removed %v", c.Written, c.Unchanged, c.Removed)
	}
	after := state(t, dir)
	for p := range base {
		if p == "ARCHITECTURE.md" {
			if after[p] == before[p] {
				t.Errorf("%s was not rewritten", p)
			}
			continue
		}
		if after[p] != before[p] {
			t.Errorf("%s was rewritten though unchanged:\n  was %s\n  now %s", p, before[p], after[p])
		}
	}
	if after["mine.txt"] != before["mine.txt"] {
		t.Errorf("the user's file was copied, not kept: %s -> %s", before["mine.txt"], after["mine.txt"])
	}

	again := state(t, root)
	c, err = render.WriteWith(dir, changed, render.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.None() || len(c.Written)+len(c.Removed) != 0 {
		t.Errorf("an unchanged tree must change nothing: written %v, removed %v", c.Written, c.Removed)
	}
	sameState(t, "writing the same tree again", again, state(t, root))
}

// TestWriteDropsFoldersItEmptied removes a folder whose files the tree no
// longer has (the old writer left an empty flat/ behind), and keeps a
// folder the user made that holds files of theirs.
func TestWriteDropsFoldersItEmptied(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	withFlat := render.Tree{"a.yaml": []byte("a\n"), "flat/00-a.yaml": []byte("a\n"), "flat/sub/01-b.yaml": []byte("b\n"), "kept/x.yaml": []byte("x\n")}
	if err := render.Write(dir, withFlat); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kept", "mine.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := render.WriteWith(dir, render.Tree{"a.yaml": []byte("a\n")}, render.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Removed) != 3 {
		t.Errorf("removed %v, want the three files", c.Removed)
	}
	if _, err := os.Lstat(filepath.Join(dir, "flat")); err == nil {
		t.Error("an empty flat/ was left behind")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "kept", "mine.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the user's file in a folder blueprint emptied: %q %v", b, err)
	}
}

// TestWriteThroughALinkedOutputFolder writes into the folder a link names
// (-o current, current -> releases/r7): the link stays, the target gets the
// tree, and the files the user keeps there stay in view. The old writer
// replaced the link with a new folder.
func TestWriteThroughALinkedOutputFolder(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "releases", "r7")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "NOTES.md"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "current")
	if err := os.Symlink("releases/r7", link); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c, err := render.WriteWith(link, base, render.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Target.Link != link || c.Target.Dir != target {
			t.Errorf("target %+v, want the link %s resolved to %s", c.Target, link, target)
		}
	}
	if dest, err := os.Readlink(link); err != nil || dest != "releases/r7" {
		t.Fatalf("the link was replaced: %q %v", dest, err)
	}
	got, err := render.Read(target)
	if err != nil || !render.Equal(got, base) {
		t.Errorf("the target does not hold the tree: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(target, "NOTES.md")); string(b) != "mine" {
		t.Error("the user's file in the target is gone")
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "releases")); len(entries) != 1 {
		t.Errorf("left beside the target: %v", entries)
	}
}

// TestResolveNamesOneFolder gives "." and ".." and the absolute path their
// meaning, and refuses the empty name and a filesystem root.
func TestResolveNamesOneFolder(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "out")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	for given, want := range map[string]string{".": sub, "..": root, sub: sub, sub + "/": sub, "../out/../out": sub} {
		got, err := render.Resolve(given)
		if err != nil || got.Dir != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", given, got.Dir, err, want)
		}
	}
	for _, bad := range []string{"", "/", "/.."} {
		if got, err := render.Resolve(bad); err == nil {
			t.Errorf("Resolve(%q) = %q, want a refusal", bad, got.Dir)
		}
	}
}

// TestWriteIntoTheWorkingFolder writes with "." as the folder, which the
// old writer could not: it staged inside the folder and copied its staging
// folder into itself until the name grew too long.
func TestWriteIntoTheWorkingFolder(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for range 2 {
		if err := render.Write(".", base); err != nil {
			t.Fatal(err)
		}
		// The folder is a new one now: cd "$PWD", as the user is told.
		t.Chdir(dir)
	}
	got, err := render.Read(dir)
	if err != nil || !render.Equal(got, base) {
		t.Fatalf("the folder does not hold the tree: %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("left beside the folder: %v", entries)
	}
}

// TestWriteWaitsForTheFolder holds the folder as a render would and checks
// that a render with no time to wait gives up saying so, and that one with
// time gets the folder once it is released.
func TestWriteWaitsForTheFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := render.Write(dir, base); err != nil {
		t.Fatal(err)
	}
	held, err := holdFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = render.WriteWith(dir, next(), render.WriteOptions{})
	var busy *render.BusyError
	if !asBusy(err, &busy) {
		t.Fatalf("want a BusyError, got %v", err)
	}
	waited := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		_, err := render.WriteWith(dir, next(), render.WriteOptions{LockTimeout: time.Minute, Waiting: func(d string) { waited <- d }})
		done <- err
	}()
	if d := <-waited; d != dir {
		t.Errorf("waiting for %q, want %q", d, dir)
	}
	held.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, _ := render.Read(dir); !render.Equal(got, next()) {
		t.Error("the waiting render did not write its tree")
	}
}

// holdFolder takes the folder's lock as a render does.
func holdFolder(dir string) (*safefs.Dir, error) {
	d, err := safefs.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	if ok, err := d.Lock(true); !ok || err != nil {
		d.Close()
		return nil, fmt.Errorf("cannot lock %s: %v", dir, err)
	}
	return d, nil
}

func asBusy(err error, busy **render.BusyError) bool { return errors.As(err, busy) }
