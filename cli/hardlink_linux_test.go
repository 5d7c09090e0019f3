package cli_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// otherUID is the user the test runs blueprint as: not root, and owning
// none of the files root adds to its output folder.
const otherUID = 4242

// asOtherUser prepares a folder that user otherUID may work in, with a copy
// of this test binary (which runs as blueprint, see TestMain) and of
// blueprints/ha.hcl, and returns a function that runs blueprint there as
// that user.
func asOtherUser(t *testing.T) (work string, run func(args ...string) (int, string, string)) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("this test runs blueprint as another user, which needs root; CI runs as root")
		}
		t.Skip("SKIPPED, not passed: running blueprint as another user needs root")
	}
	if b, err := os.ReadFile("/proc/sys/fs/protected_hardlinks"); err != nil || strings.TrimSpace(string(b)) != "1" {
		if os.Getenv("CI") != "" {
			t.Fatalf("fs.protected_hardlinks is not 1 here (%q, %v): the case this test is about does not arise", b, err)
		}
		t.Skipf("SKIPPED, not passed: fs.protected_hardlinks is %q here, not 1", strings.TrimSpace(string(b)))
	}
	dir := t.TempDir()
	// t.TempDir's folders are private to root: let the other user through.
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "blueprint")
	copyFile(t, os.Args[0], bin, 0o755)
	copyFile(t, haSpec, filepath.Join(dir, "ha.hcl"), 0o644)
	work = filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(work, otherUID, otherUID); err != nil {
		t.Fatal(err)
	}
	return work, func(args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = []string{asCLI + "=1", "HOME=" + work, "PATH=/usr/bin:/bin"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: otherUID, Gid: otherUID}}
		var out, errs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errs
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errs.String()
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRenderCarriesFilesOfOtherUsers: in a shared output folder, a file
// another user (root here) put there cannot be hard-linked by the user who
// renders, with fs.protected_hardlinks on (Linux's default). render used to
// fail with "cannot carry …: operation not permitted" (exit 3) while diff
// predicted success; now diff warns, and render copies such a file (bytes,
// mode, times) or a link; a file it may not even read makes both diff and
// render refuse, and nothing changes.
func TestRenderCarriesFilesOfOtherUsers(t *testing.T) {
	work, run := asOtherUser(t)
	if code, _, errs := run("render", "../ha.hcl", "-o", "out", "--var", "workers_per_zone=1"); code != 0 {
		t.Fatalf("first render as user %d: exit %d\n%s", otherUID, code, errs)
	}
	out := filepath.Join(work, "out")
	notes := filepath.Join(out, "NOTES.md")
	if err := os.WriteFile(notes, []byte("kept by root\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(notes, 0o644); err != nil {
		t.Fatal(err)
	}
	then := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(notes, then, then); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("NOTES.md", filepath.Join(out, "README-link")); err != nil {
		t.Fatal(err)
	}

	code, _, errs := run("diff", "../ha.hcl", "-o", "out", "--var", "workers_per_zone=2")
	if code != 0 || !strings.Contains(errs, "NOTES.md") || !strings.Contains(errs, "render copies them") {
		t.Errorf("diff: exit %d, want 0 and a warning that NOTES.md will be copied:\n%s", code, errs)
	}
	code, _, errs = run("render", "../ha.hcl", "-o", "out", "--var", "workers_per_zone=2")
	if code != 0 {
		t.Fatalf("render with root's NOTES.md in the folder: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "render copies them") {
		t.Errorf("render does not say it copied root's files:\n%s", errs)
	}
	fi, err := os.Lstat(notes)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(notes); string(b) != "kept by root\n" || fi.Mode() != 0o644 || !fi.ModTime().Equal(then) {
		t.Errorf("NOTES.md after the render: %q, mode %v, mtime %v; want its bytes, mode 0644 and mtime %v", b, fi.Mode(), fi.ModTime(), then)
	}
	if dest, err := os.Readlink(filepath.Join(out, "README-link")); err != nil || dest != "NOTES.md" {
		t.Errorf("root's link README-link after the render: %q, %v", dest, err)
	}

	// A file of root's that the user may not read cannot be carried at
	// all: diff says so and fails as render does, which changes nothing.
	private := filepath.Join(out, "private.md")
	if err := os.WriteFile(private, []byte("root only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(out, ".blueprint-files"))
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs = run("diff", "../ha.hcl", "-o", "out", "--var", "workers_per_zone=3")
	if code != 3 || !strings.Contains(errs, "private.md") || !strings.Contains(errs, "neither link nor copy") {
		t.Errorf("diff with an unreadable file of root's: exit %d, want 3 naming private.md:\n%s", code, errs)
	}
	code, _, errs = run("render", "../ha.hcl", "-o", "out", "--var", "workers_per_zone=3")
	if code != 3 || !strings.Contains(errs, "private.md") {
		t.Errorf("render with an unreadable file of root's: exit %d, want 3 naming private.md:\n%s", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(out, ".blueprint-files")); !bytes.Equal(before, after) {
		t.Error("a refused render changed the folder")
	}
	// Nothing to change: the file in the way does not matter.
	if code, stdout, errs := run("render", "../ha.hcl", "-o", "out", "--var", "workers_per_zone=2"); code != 0 || !strings.Contains(stdout, "No changes") {
		t.Errorf("an unchanged render with an unreadable file of root's: exit %d\n%s%s", code, stdout, errs)
	}
}
