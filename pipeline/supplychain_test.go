package pipeline_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
	"github.com/blueprint-dev/blueprint/verify"
)

// pinnedSpec is e2e/testdata/images.hcl, whose lock file pins every image.
const pinnedSpec = "e2e/testdata/images.hcl"

func renderPinned(t *testing.T, vars ...string) (*plan.Plan, render.Tree) {
	t.Helper()
	s, diags := spec.NewLoader().Load(pinnedSpec, spec.Options{Vars: vars})
	diags = validate.Check(s, diags)
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("%s: %v", pinnedSpec, diags)
	}
	p := plan.Build(s)
	tree, err := render.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, tree
}

// TestLockPinsEveryImage checks that with a lock file every image of the
// tree is written with the lock's digest, images.txt included, and that
// the kubeadm patches carry kubeadm's images pinned.
func TestLockPinsEveryImage(t *testing.T) {
	p, tree := renderPinned(t)
	lock, err := os.ReadFile("e2e/testdata/images.lock")
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, line := range strings.Split(string(lock), "\n") {
		if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(line, "#") {
			digests[f[0]] = f[1]
		}
	}
	n := 0
	for _, path := range tree.Paths() {
		if !strings.HasSuffix(path, ".yaml") {
			continue
		}
		for _, line := range strings.Split(string(tree[path]), "\n") {
			_, ref, ok := strings.Cut(strings.TrimSpace(line), "image: ")
			if !ok {
				continue
			}
			ref = strings.Trim(ref, `"`)
			name, digest, _ := strings.Cut(ref, "@")
			if want := digests[name]; want == "" || digest != want {
				t.Errorf("%s: image %s is not %s@%s, as the lock says", path, ref, name, want)
			}
			n++
		}
	}
	for _, line := range strings.Split(string(tree["images.txt"]), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(line, "@sha256:") {
			t.Errorf("images.txt lists %s without its digest", line)
		}
	}
	if len(p.ImageSupply.Patches) != 6 {
		t.Errorf("want patches for the three control-plane components, etcd, CoreDNS and kube-proxy; got %v", p.ImageSupply.Patches)
	}
	t.Logf("%d image fields in the tree, each pinned by the lock's digest", n)
}

// TestKubeadmPatchesPinImages runs `kubeadm init --dry-run` with the
// rendered init config and patches, and finds the lock's digests in the
// static pods and the add-ons kubeadm writes.
func TestKubeadmPatchesPinImages(t *testing.T) {
	kubeadm := tool(t, "kubeadm")
	p, tree := renderPinned(t)
	dir := writeTree(t, tree, verify.Fill)
	cfgPath := filepath.Join(dir, "kubeadm/init", p.ControlPlane[0].Name+".yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// The patches folder of the node, /etc/kubernetes/patches, is the
	// tree's copy here.
	cfg = bytes.ReplaceAll(cfg, []byte(`"`+plan.PatchesDir+`"`), []byte(`"`+filepath.Join(dir, "kubeadm/patches")+`"`))
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	dry := t.TempDir()
	cmd := exec.Command(kubeadm, "init", "--dry-run", "--config", cfgPath, "--ignore-preflight-errors=all")
	cmd.Env = append(os.Environ(), "KUBEADM_INIT_DRYRUN_DIR="+dry)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubeadm init --dry-run: %v\n%s", err, out)
	}
	for _, c := range p.ImageSupply.ControlPlane {
		if c.Ref == c.Tagged {
			t.Errorf("%s is not pinned: %s", c.Component, c.Ref)
		}
		switch c.Component {
		case "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd":
			b, err := os.ReadFile(filepath.Join(dry, c.Component+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte("image: "+c.Ref+"\n")) {
				t.Errorf("kubeadm wrote the %s static pod without %s", c.Component, c.Ref)
			}
		case "coredns", "kube-proxy":
			if !bytes.Contains(out, []byte(c.Ref)) {
				t.Errorf("kubeadm's dry run does not create %s with %s", c.Component, c.Ref)
			}
		}
	}
}

// TestControlPlaneImagesMatchKubeadm compares blueprint's table of
// kubeadm's images with `kubeadm config images list` of the real kubeadm
// 1.37, for the default registry (where CoreDNS has its own path) and a
// mirror.
func TestControlPlaneImagesMatchKubeadm(t *testing.T) {
	kubeadm := tool(t, "kubeadm")
	for _, repo := range []string{spec.DefaultImageRepository, "mirror.example.com:5000/k8s"} {
		imgs, ok := spec.ControlPlaneImages(37, 2, repo)
		if !ok {
			t.Fatal("no table for 1.37")
		}
		var want []string
		for _, c := range imgs {
			want = append(want, c.Ref)
		}
		got := strings.Fields(run(t, kubeadm, "config", "images", "list", "--kubernetes-version", "v1.37.2", "--image-repository", repo))
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s:\nkubeadm lists %v\nblueprint has %v", repo, got, want)
		}
	}
}

// TestLockFileProblemsArePositioned checks that every problem of a lock file
// is a diagnostic at its line (a malformed digest, a latest tag, two
// digests for one image) and that an image the lock lacks is one at the
// lock_file attribute, naming it.
func TestLockFileProblemsArePositioned(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(pinnedSpec)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile("e2e/testdata/images.lock")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(lock)), "\n")
	first := strings.Fields(lines[2])
	dropped := strings.Fields(lines[3])[0]
	bad := append([]string{}, lines[:3]...) // two comments, the first image
	bad = append(bad,
		"quay.io/x/y:1.0 sha256:1234",                        // line 4: short digest
		"quay.io/x/y:latest sha256:"+strings.Repeat("a", 64), // line 5: latest
		first[0]+" sha256:"+strings.Repeat("b", 64),          // line 6: a second digest
		"just-one-field", // line 7
	)
	bad = append(bad, lines[4:]...) // the rest, without lines[3]
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "images.hcl"), src, 0o644))
	must(os.WriteFile(filepath.Join(dir, "images.lock"), []byte(strings.Join(bad, "\n")+"\n"), 0o644))
	s, diags := spec.NewLoader().Load(filepath.Join(dir, "images.hcl"), spec.Options{})
	diags = validate.Check(s, diags)
	lockPath := filepath.Join(dir, "images.lock")
	wantLines := map[int]string{4: "Invalid digest", 5: "Invalid image reference", 6: "Conflicting digests", 7: "Invalid lock file line"}
	for line, summary := range wantLines {
		found := false
		for _, d := range diags {
			if d.Subject != nil && d.Subject.Filename == lockPath && d.Subject.Start.Line == line && strings.HasPrefix(d.Summary, summary) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q at images.lock:%d; got %v", summary, line, diags)
		}
	}
	var missing *hcl.Diagnostic
	for _, d := range diags {
		if d.Summary == "Images missing from the lock file" {
			missing = d
		}
	}
	switch {
	case missing == nil:
		t.Errorf("no diagnostic for %s, which the lock lacks; got %v", dropped, diags)
	case !strings.Contains(missing.Detail, dropped) || missing.Subject.Start.Line != lockFileLine(t, src):
		t.Errorf("the missing image's diagnostic should name %s at the lock_file line: %s at %v", dropped, missing.Detail, missing.Subject)
	}
}

// lockFileLine is the line of the spec that sets lock_file.
func lockFileLine(t *testing.T, src []byte) int {
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, "lock_file") {
			return i + 1
		}
	}
	t.Fatal("the spec sets no lock_file")
	return 0
}

// TestInstallOrderCopiesPatches checks that the install order (plan data,
// which ARCHITECTURE.md renders and blueprint rehearse runs) puts every
// kubeadm patch of the tree in place on every control-plane node before
// kubeadm writes a static pod; without that step kubeadm fails on the
// missing patches folder its config names.
func TestInstallOrderCopiesPatches(t *testing.T) {
	p, tree := renderPinned(t)
	if len(p.ImageSupply.Patches) == 0 {
		t.Fatal("the pinned spec has no kubeadm patches")
	}
	copied := map[string]bool{}
	for _, is := range p.Install {
		if is.Phase == plan.PhaseInit || is.Phase == plan.PhaseJoinMasters {
			break
		}
		for _, s := range is.Steps {
			if s.Kind == plan.StepRun && strings.Contains(s.Command, "-t "+plan.PatchesDir+" ") {
				for _, kp := range p.ImageSupply.Patches {
					f := "kubeadm/patches/" + kp.File
					if _, ok := tree[f]; !ok {
						t.Errorf("the install order copies %s, which the tree lacks", f)
					}
					if strings.Contains(s.Command, " "+f) {
						copied[s.Host+" "+f] = true
					}
				}
			}
		}
	}
	for _, n := range p.ControlPlane {
		for _, kp := range p.ImageSupply.Patches {
			if !copied[n.Name+" kubeadm/patches/"+kp.File] {
				t.Errorf("no install step before kubeadm puts kubeadm/patches/%s on %s", kp.File, n.Name)
			}
		}
	}
}
