package verify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/verify"
)

func TestNotOneTreeIsRefused(t *testing.T) {
	cfg, err := os.ReadFile("../out/ha/loadbalancer/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	tree := map[string]string{"loadbalancer/haproxy.cfg": string(cfg)}

	plain := t.TempDir()
	if err := os.WriteFile(filepath.Join(plain, "haproxy.cfg"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	for _, name := range []string{"ha", "data-platform"} {
		if err := os.Rename(writeTree(t, tree), filepath.Join(parent, name)); err != nil {
			t.Fatal(err)
		}
	}
	withNested := writeTree(t, tree)
	if err := os.Rename(writeTree(t, tree), filepath.Join(withNested, "old")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, dir, want string }{
		{"no .blueprint-files", plain, "it has no .blueprint-files"},
		{"trees below", parent, "holds 2 blueprint trees below it (data-platform, ha)"},
		{"a tree below a tree", withNested, "it holds other blueprint trees below it (old)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verify.Run(context.Background(), nowhere(tc.dir))
			if !errors.Is(err, verify.ErrNotATree) {
				t.Fatalf("got %v, want ErrNotATree", err)
			}
			for _, want := range []string{tc.want, "verify expects the folder one `blueprint render` wrote"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q lacks %q", err, want)
				}
			}
		})
	}
}

// TestListedPathsOutsideTheTreeAreIgnored: entries of .blueprint-files
// that leave the folder are ignored with a note, and never read.
func TestListedPathsOutsideTheTreeAreIgnored(t *testing.T) {
	cfg, err := os.ReadFile("../out/ha/loadbalancer/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	secret := filepath.Join(parent, "loadbalancer", "haproxy.cfg")
	if err := os.MkdirAll(filepath.Dir(secret), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("global\n    lua-load /secret-7a1f.lua\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "out")
	if err := os.Rename(writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": string(cfg)}), dir); err != nil {
		t.Fatal(err)
	}
	list := "loadbalancer/haproxy.cfg\n../loadbalancer/haproxy.cfg\n" + secret + "\nloadbalancer/../../loadbalancer/haproxy.cfg\nbad\x1b[2Jname\n"
	if err := os.WriteFile(filepath.Join(dir, ".blueprint-files"), []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(context.Background(), nowhere(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) != 1 || rep.Checks[0].Artifact != "loadbalancer/haproxy.cfg" {
		t.Errorf("want one check of loadbalancer/haproxy.cfg, got %+v", rep.Checks)
	}
	out := printed(t, rep)
	if strings.Contains(out, "secret-7a1f") {
		t.Errorf("a file outside the tree was read:\n%s", out)
	}
	for _, want := range []string{`line 2 ignored: "../loadbalancer/haproxy.cfg" is not a clean path inside the folder`, `line 3 ignored: "` + secret + `" is absolute`, "line 4 ignored", `line 5 ignored: "bad\x1b[2Jname" holds a control character`} {
		if !strings.Contains(strings.Join(rep.Notes, "\n"), want) {
			t.Errorf("notes lack %q: %q", want, rep.Notes)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("the report holds a raw escape character")
	}
}

// TestSymlinksAreNotFollowed: a symlinked haproxy.cfg, or a symlinked
// folder on the way to it, is a failed check that says so, and the file it
// points to is never read.
func TestSymlinksAreNotFollowed(t *testing.T) {
	outside := t.TempDir()
	shadow := filepath.Join(outside, "shadow")
	if err := os.WriteFile(shadow, []byte("root:$6$secret-shadow-9d2c:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(outside, "lb"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(shadow, filepath.Join(outside, "lb", "haproxy.cfg")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, link, target, want string }{
		{"file", "loadbalancer/haproxy.cfg", shadow, "loadbalancer/haproxy.cfg is a symbolic link, not a regular file"},
		{"folder", "loadbalancer", filepath.Join(outside, "lb"), "loadbalancer is a symbolic link, not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": "global\n"})
			if err := os.RemoveAll(filepath.Join(dir, tc.link)); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tc.target, filepath.Join(dir, tc.link)); err != nil {
				t.Fatal(err)
			}
			rep, err := verify.Run(context.Background(), options(dir))
			if err != nil {
				t.Fatal(err)
			}
			c := checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c")
			if c.Result != verify.Failed || !strings.Contains(c.Output, tc.want) {
				t.Errorf("%s, want %q: %s", c.Result, tc.want, c.Output)
			}
			if out := printed(t, rep); strings.Contains(out, "secret-shadow") {
				t.Errorf("the link's target was read:\n%s", out)
			}
		})
	}
}

// TestSpecialAndLargeFilesAreNotRead: a FIFO would block a reader forever
// and a huge file would fill memory.
func TestSpecialAndLargeFilesAreNotRead(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	dir := writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": "global\n", "manifests/big.yaml": ""})
	cfg := filepath.Join(dir, "loadbalancer/haproxy.cfg")
	if err := os.Remove(cfg); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(cfg, 0o644); err != nil {
		t.Skip("no FIFOs here: ", err)
	}
	rep, err := verify.Run(ctx, nowhere(dir))
	if err != nil {
		t.Fatal(err)
	}
	if c := checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c"); c.Result != verify.Failed || !strings.Contains(c.Output, "loadbalancer/haproxy.cfg is a named pipe, not a regular file") {
		t.Errorf("a FIFO haproxy.cfg: %s %s", c.Result, c.Output)
	}

	list := filepath.Join(dir, ".blueprint-files")
	if err := os.Remove(list); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(list, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := verify.Run(ctx, nowhere(dir)); !errors.Is(err, verify.ErrNotATree) || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("a FIFO .blueprint-files: %v", err)
	}

	big := writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": strings.Repeat("# padding\n", verify.MaxFileSize/10+1)})
	rep, err = verify.Run(ctx, nowhere(big))
	if err != nil {
		t.Fatal(err)
	}
	if c := checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c"); c.Result != verify.Failed || !strings.Contains(c.Output, "more than the") {
		t.Errorf("an oversized haproxy.cfg: %s %s", c.Result, c.Output)
	}
}

// TestMissingToolsSayHowToInstall: a missing program is reported with the
// command that installs it.
func TestMissingToolsSayHowToInstall(t *testing.T) {
	rep, err := verify.Run(context.Background(), nowhere("../out/ha"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"haproxy":        "apt-get install haproxy",
		"keepalived":     "apt-get install keepalived",
		"etcd":           "apt-get install etcd-server",
		"kubeadm":        "scripts/install-validators.sh kubeadm",
		"kube-apiserver": "scripts/install-validators.sh kube-apiserver",
		"promtool":       "scripts/install-promtool.sh",
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, tool := range rep.Tools {
		if w := want[tool.Name]; w == "" || !strings.Contains(tool.Install, w) {
			t.Errorf("%s: install %q, want %q", tool.Name, tool.Install, w)
		}
		if !strings.Contains(text.String(), "install: "+tool.Install) {
			t.Errorf("the text does not say how to install %s", tool.Name)
		}
	}
	if len(rep.Tools) != len(want) {
		t.Errorf("tools %+v", rep.Tools)
	}
}
