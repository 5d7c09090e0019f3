//go:build linux || darwin || freebsd

package safefs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// within fails the test if f does not return in time: reading a named pipe
// used to block until a writer came, forever.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("%s hung", what)
		return nil
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("SKIPPED: no named pipes here: %v", err)
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "spec.hcl"), "cluster {}")
	if err := os.Symlink("spec.hcl", filepath.Join(dir, "link.hcl")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(dir, "pipe.hcl"))

	if b, err := safefs.ReadFile(filepath.Join(dir, "link.hcl"), 100); err != nil || string(b) != "cluster {}" {
		t.Errorf("a link the user names is followed: %q %v", b, err)
	}
	err := within(t, "reading a named pipe", func() error {
		_, err := safefs.ReadFile(filepath.Join(dir, "pipe.hcl"), 100)
		return err
	})
	if !errors.Is(err, safefs.ErrNotRegular) || !strings.Contains(err.Error(), "a named pipe") {
		t.Errorf("a named pipe: got %v", err)
	}
	if _, err := safefs.ReadFile(dir, 100); !errors.Is(err, safefs.ErrNotRegular) {
		t.Errorf("a folder: got %v", err)
	}
	if _, err := safefs.ReadFile("/dev/zero", 100); !errors.Is(err, safefs.ErrNotRegular) {
		t.Errorf("a device: got %v", err)
	}
	if _, err := safefs.ReadFile(filepath.Join(dir, "spec.hcl"), 5); !errors.Is(err, safefs.ErrTooLarge) {
		t.Errorf("over the limit: got %v", err)
	}
}

func TestDirNeverFollowsALink(t *testing.T) {
	root := t.TempDir()
	tree, outside := filepath.Join(root, "tree"), filepath.Join(root, "outside")
	write(t, filepath.Join(outside, "secret"), "token")
	write(t, filepath.Join(tree, "a/b.yaml"), "ok")
	for link, target := range map[string]string{
		"tree/kubeadm":     outside,
		"tree/a/secret":    filepath.Join(outside, "secret"),
		"tree/a/dangling":  filepath.Join(root, "nowhere"),
		"tree/a/relative":  "../../outside/secret",
		"tree/loop":        "loop",
		"tree/a/folder-up": "..",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	mkfifo(t, filepath.Join(tree, "a/pipe"))

	d, err := safefs.OpenDir(tree)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if b, err := d.ReadFile("a/b.yaml", 100); err != nil || string(b) != "ok" {
		t.Fatalf("a regular file: %q %v", b, err)
	}
	for _, rel := range []string{"kubeadm/secret", "a/secret", "a/relative", "a/dangling", "loop", "a/folder-up/a/b.yaml"} {
		b, err := d.ReadFile(rel, 100)
		if !errors.Is(err, safefs.ErrSymlink) {
			t.Errorf("%s: want a refusal of the link, got %q %v", rel, b, err)
		}
	}
	if _, err := d.OpenDir("kubeadm"); !errors.Is(err, safefs.ErrSymlink) {
		t.Errorf("opening a linked folder: got %v", err)
	}
	err = within(t, "reading a named pipe", func() error { _, err := d.ReadFile("a/pipe", 100); return err })
	if !errors.Is(err, safefs.ErrNotRegular) {
		t.Errorf("a named pipe: got %v", err)
	}
	for _, rel := range []string{"../outside/secret", "/etc/passwd", "a/../../outside/secret", "", "."} {
		if b, err := d.ReadFile(rel, 100); err == nil {
			t.Errorf("%q: read %q outside the folder", rel, b)
		}
	}
	if fi, err := d.Lstat("a/secret"); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("Lstat must describe the link itself: %v %v", fi, err)
	}
	if _, err := safefs.OpenDir(filepath.Join(tree, "kubeadm")); !errors.Is(err, safefs.ErrSymlink) {
		t.Errorf("OpenDir on a link: got %v", err)
	}

	var seen []string
	err = d.Walk(func(_ *safefs.Dir, rel string, fi fs.FileInfo) error {
		seen = append(seen, rel+":"+fi.Mode().Type().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "a:d---------,a/b.yaml:----------,a/dangling:L---------,a/folder-up:L---------,a/pipe:p---------,a/relative:L---------,a/secret:L---------,kubeadm:L---------,loop:L---------"
	if got := strings.Join(seen, ","); got != want {
		t.Errorf("Walk saw\n %s\nwant\n %s", got, want)
	}
}

func TestLockIsPerFolderAndEndsWithClose(t *testing.T) {
	dir := t.TempDir()
	open := func() *safefs.Dir {
		d, err := safefs.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := open(), open()
	defer b.Close()
	if ok, err := a.Lock(true); !ok || err != nil {
		t.Fatalf("first exclusive lock: %v %v", ok, err)
	}
	if ok, _ := b.Lock(true); ok {
		t.Fatal("a second exclusive lock was granted")
	}
	if ok, _ := b.Lock(false); ok {
		t.Fatal("a shared lock was granted beside an exclusive one")
	}
	a.Close()
	if ok, err := b.Lock(false); !ok || err != nil {
		t.Fatalf("after Close the lock is free: %v %v", ok, err)
	}
	c := open()
	defer c.Close()
	if ok, _ := c.Lock(false); !ok {
		t.Fatal("two shared locks must coexist")
	}
	if ok, _ := c.Lock(true); ok {
		t.Fatal("an exclusive lock was granted beside a shared one")
	}
}

func TestWriteFileNeverWritesThroughALink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere", "created.hcl")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "spec.hcl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for _, replace := range []bool{false, true} {
		if err := safefs.WriteFile(link, []byte("x"), 0o644, replace); err == nil {
			t.Errorf("replace=%v: writing through a dangling link succeeded", replace)
		}
		if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("replace=%v: the link's target was created", replace)
		}
	}
	p := filepath.Join(dir, "new.hcl")
	if err := safefs.WriteFile(p, []byte("one"), 0o644, false); err != nil {
		t.Fatal(err)
	}
	if err := safefs.WriteFile(p, []byte("two"), 0o644, false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("without replace, an existing file: got %v", err)
	}
	if err := safefs.WriteFile(p, []byte("two"), 0o600, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two" {
		t.Errorf("replace wrote %q", b)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
}

func TestShowQuotesWhatCouldDriveATerminal(t *testing.T) {
	for in, want := range map[string]string{
		"kubeadm/init/m1.yaml": "kubeadm/init/m1.yaml",
		"a b/ü.yaml":           "a b/ü.yaml",
		"\x1b[2Jx":             `"\x1b[2Jx"`,
		"a\u202eb":             `"a\u202eb"`,
		"a\nb":                 `"a\nb"`,
		"\xff":                 `"\xff"`,
	} {
		if got := safefs.Show(in); got != want {
			t.Errorf("Show(%q) = %s, want %s", in, got, want)
		}
	}
}
