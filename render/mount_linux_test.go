package render_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
)

// tmpfs mounts a small tmpfs at dir for the test's duration.
func tmpfs(t *testing.T, dir string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16m"); err != nil {
		t.Skipf("SKIPPED, not passed: cannot mount a tmpfs here (%v); run as root to test read-only and mounted output folders", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
}

// TestWriteOnAReadOnlyFilesystem: the lock is on the folder itself, so an
// unchanged tree still renders ("No changes") where nothing can be
// written, while a changed one is refused up front, by Write and by the
// preflight diff uses, with the folder as it was.
func TestWriteOnAReadOnlyFilesystem(t *testing.T) {
	mnt := t.TempDir()
	tmpfs(t, mnt)
	dir := filepath.Join(mnt, "out")
	if err := render.Write(dir, base); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("", mnt, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	before := state(t, mnt)
	c, err := render.WriteWith(dir, base, render.WriteOptions{})
	if err != nil || !c.None() {
		t.Errorf("an unchanged tree on a read-only filesystem: %v", err)
	}
	_, err = render.WriteWith(dir, next(), render.WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), "which it cannot write") {
		t.Errorf("want a refusal naming the parent, got %v", err)
	}
	p, err := render.Preflight(dir, next())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Err() == nil || !strings.Contains(p.Err().Error(), "which it cannot write") {
		t.Errorf("the preflight must predict it: %v", p.Err())
	}
	sameState(t, "on a read-only filesystem", before, state(t, mnt))
}

// TestWriteRefusesAMountPoint: a folder that is a mount point cannot be
// swapped by a rename; render says so instead of failing midway.
func TestWriteRefusesAMountPoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := render.Write(dir, base); err != nil {
		t.Fatal(err)
	}
	tmpfs(t, dir)
	before := state(t, dir)
	_, err := render.WriteWith(dir, base, render.WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), "is a mount point") {
		t.Errorf("want a refusal of the mount point, got %v", err)
	}
	sameState(t, "a mount point", before, state(t, dir))
}
