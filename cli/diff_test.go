//go:build linux || darwin || freebsd

package cli_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/render"
)

// TestDiffIsAPatchGitApplies renders the example with one worker per zone,
// edits the folder by hand (a script loses its execute bit, a file loses its
// last newline, one is deleted, a file of the user's is added), and diffs
// against the example with two: git apply, run in a copy of the folder,
// must turn it into exactly what render writes, modes included.
func TestDiffIsAPatchGitApplies(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is needed to apply diff's output")
		}
		t.Skip("SKIPPED, not passed: git is not installed")
	}
	root := t.TempDir()
	old := filepath.Join(root, "old")
	renderTo(t, old, 1)
	want := renderTo(t, filepath.Join(root, "want"), 2)
	script := filepath.Join(old, "loadbalancer", "check_apiserver.sh")
	if err := os.Chmod(script, 0o644); err != nil {
		t.Fatal(err)
	}
	arch := filepath.Join(old, "ARCHITECTURE.md")
	b, err := os.ReadFile(arch)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(arch, bytes.TrimSuffix(b, []byte("\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(old, "images.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "NOTES.md"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, patch, errs := runCLI("diff", haSpec, "-o", old)
	if code != cli.ExitOK {
		t.Fatalf("diff: exit %d\n%s", code, errs)
	}
	for _, w := range []string{
		"diff --git a/kubeadm/join-worker/worker04.yaml b/kubeadm/join-worker/worker04.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/kubeadm/join-worker/worker04.yaml\n@@ -0,0 +1,",
		"diff --git a/loadbalancer/check_apiserver.sh b/loadbalancer/check_apiserver.sh\nold mode 100644\nnew mode 100755\n",
		"\\ No newline at end of file\n",
		"new file mode 100644\n--- /dev/null\n+++ b/images.txt\n",
	} {
		if !strings.Contains(patch, w) {
			t.Errorf("the patch lacks %q", w)
		}
	}
	if !strings.Contains(errs, " files would change in ") {
		t.Errorf("no summary: %s", errs)
	}

	// git apply in a copy: no path of the patch may reach outside it.
	work := filepath.Join(root, "work")
	if out, err := exec.Command("cp", "-a", old, work).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	cmd := exec.Command(git, "apply", "--verbose", "-")
	cmd.Dir = work
	cmd.Stdin = strings.NewReader(patch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\npatch:\n%.3000s", err, out, patch)
	}
	got := map[string]string{}
	err = filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(work, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		got[filepath.ToSlash(rel)] = info.Mode().String() + " " + string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(root, "want", render.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	want[render.ManifestName] = manifest
	for p, b := range want {
		if g := got[p]; g != render.FileMode(p).String()+" "+string(b) {
			t.Errorf("%s after git apply: %.80q", p, g)
		}
		delete(got, p)
	}
	if len(got) != 1 || got["NOTES.md"] == "" {
		t.Errorf("after git apply, besides the tree: %v", keys(got))
	}
	// The patched folder is the one render would write: it takes it as its
	// own, with nothing to change.
	if code, out, errs := runCLI("render", haSpec, "-o", work, "--var", "workers_per_zone=2"); code != cli.ExitOK || !strings.Contains(out, "No changes") {
		t.Errorf("render into the patched folder: exit %d, want No changes:\n%s%s", code, out, errs)
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestDiffStaysInsideTheFolder lists, in .blueprint-files, paths outside
// the folder and links a written file to a secret: diff must show none of
// it. The old diff printed /etc/passwd and /proc/self/environ as removed.
func TestDiffStaysInsideTheFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	renderTo(t, dir, 2)
	secret := filepath.Join(root, "secret.env")
	if err := os.WriteFile(secret, []byte("TOKEN=hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, render.ManifestName)
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	extra := secret + "\n../secret.env\nkubeadm/../../secret.env\n"
	if err := os.WriteFile(manifest, append(b, extra...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("diff", haSpec, "-o", dir)
	if strings.Contains(out+errs, "hunter2") {
		t.Fatalf("diff printed the secret:\n%s%s", out, errs)
	}
	if code != cli.ExitOK || strings.Count(errs, "Warning: ignoring") != 3 || !strings.Contains(errs, "not a path inside the folder") {
		t.Errorf("want exit 0 and three warnings: exit %d\n%s", code, errs)
	}

	// A written file replaced by a link to the secret: render would refuse.
	arch := filepath.Join(dir, "ARCHITECTURE.md")
	if err := os.Remove(arch); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, arch); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI("diff", haSpec, "-o", dir)
	if strings.Contains(out+errs, "hunter2") {
		t.Fatalf("diff followed the link:\n%s%s", out, errs)
	}
	if code != cli.ExitFailure || !strings.Contains(errs, "ARCHITECTURE.md is a symbolic link") {
		t.Errorf("want exit %d and the link named: exit %d\n%s", cli.ExitFailure, code, errs)
	}
	if code, _, errs := runCLI("render", haSpec, "-o", dir); code != cli.ExitFailure || !strings.Contains(errs, "ARCHITECTURE.md is a symbolic link") {
		t.Errorf("render must refuse as diff said: exit %d\n%s", code, errs)
	}
}

// TestDiffCapsWhatItReads: a written file grown to 5 MB is reported, not
// read and printed (the old diff spent 2.4 GB on a 300 MB one).
func TestDiffCapsWhatItReads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	renderTo(t, dir, 2)
	big := bytes.Repeat([]byte("x: 1\n"), 1<<20)
	if err := os.WriteFile(filepath.Join(dir, "images.txt"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("diff", haSpec, "-o", dir)
	if code != cli.ExitOK || !strings.Contains(out, "# images.txt: changed (too large to show)\n") {
		t.Errorf("exit %d\n%.2000s\n%s", code, out, errs)
	}
	if len(out) > 10000 {
		t.Errorf("diff printed %d bytes for one file over the cap", len(out))
	}
	if !strings.Contains(errs, "1 file would change in ") {
		t.Errorf("want the singular: %s", errs)
	}
}

// TestDiffEscapesControlCharacters: a line of a written file that would
// clear the screen and print a fake "No changes" is shown escaped.
func TestDiffEscapesControlCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	renderTo(t, dir, 2)
	hostile := "\x1b[2J\x1b[H\rNo changes: out/ is up to date.\u202e\n"
	if err := os.WriteFile(filepath.Join(dir, "images.txt"), []byte(hostile), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("diff", haSpec, "-o", dir)
	if code != cli.ExitOK {
		t.Fatalf("exit %d %s", code, errs)
	}
	if strings.ContainsAny(out+errs, "\x1b\r\u202e") {
		t.Errorf("diff printed a control character:\n%q", out)
	}
	if !strings.Contains(out, `-\u001b[2J\u001b[H\u000dNo changes: out/ is up to date.\u202e`) {
		t.Errorf("the line is not shown escaped:\n%.2000s", out)
	}
	if !strings.Contains(errs, "images.txt holds control characters") {
		t.Errorf("no warning that the patch will not apply there: %s", errs)
	}
}

// TestDiffPredictsRefusals: where render would refuse the folder, diff
// fails too, naming the reason.
func TestDiffPredictsRefusals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(dir, "kubeadm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ARCHITECTURE.md"), []byte("hand written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"diff", "render"} {
		code, _, errs := runCLI(cmd, haSpec, "-o", dir)
		if code != cli.ExitFailure || !strings.Contains(errs, "ARCHITECTURE.md was not written by blueprint") {
			t.Errorf("%s: exit %d\n%s", cmd, code, errs)
		}
	}
}

// blockedWriter is a reader that takes its time, as `blueprint diff | less`
// is: its first Write waits until release is closed.
type blockedWriter struct {
	started, release chan struct{}
	once             sync.Once
	buf              bytes.Buffer
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.started); <-w.release })
	return w.buf.Write(p)
}

// TestDiffReleasesTheLockBeforePrinting: while diff's output waits for its
// reader, a render of the same folder goes ahead. diff used to hold its
// shared lock until it had printed everything, so the render failed (or
// waited) with "another render is writing", although none was.
func TestDiffReleasesTheLockBeforePrinting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	renderTo(t, dir, 1)
	w := &blockedWriter{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan int)
	var errs bytes.Buffer
	go func() { done <- cli.Main([]string{"diff", haSpec, "-o", dir}, strings.NewReader(""), w, &errs) }()
	select {
	case <-w.started:
	case code := <-done:
		t.Fatalf("diff ended (exit %d) without printing a patch:\n%s", code, errs.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("diff printed nothing within 2 minutes")
	}
	code, out, rerrs := runCLI("render", haSpec, "-o", dir, "--lock-timeout", "0", "--var", "workers_per_zone=3")
	close(w.release)
	if code != cli.ExitOK {
		t.Errorf("render while diff's reader waits: exit %d\n%s%s", code, out, rerrs)
	}
	if code := <-done; code != cli.ExitOK || !strings.Contains(w.buf.String(), "diff --git") {
		t.Errorf("diff: exit %d\n%s", code, errs.String())
	}
}
