package verify_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/verify"
)

// gitopsTree copies the gitops/ folder of a rendered example.
func gitopsTree(t *testing.T, example string) string {
	t.Helper()
	owned, err := render.Owned(example)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range owned {
		if strings.HasPrefix(p, "gitops/") {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		t.Fatalf("%s has no gitops/ folder", example)
	}
	return copyTree(t, example, paths...)
}

// gitopsCheck runs verify and returns its kube-apiserver check of gitops/.
func gitopsCheck(t *testing.T, dir string) (verify.Check, verify.Report) {
	t.Helper()
	rep, err := verify.Run(context.Background(), options(dir))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rep.Checks, func(c verify.Check) bool { return c.Tool == "kube-apiserver" && c.Artifact == "gitops/" })
	if i < 0 {
		t.Fatalf("no kube-apiserver check of gitops/: %+v", rep.Checks)
	}
	return rep.Checks[i], rep
}

// TestGitOpsDryRun sends the Argo CD Applications of out/ha and the Flux
// objects of out/data-platform to the API server: each passes only once the
// tool's CRDs and namespace, which its installation provides, are created
// from blueprint's embedded copies, and a note says so.
func TestGitOpsDryRun(t *testing.T) {
	for example, want := range map[string]string{
		"../out/ha":            "github.com/argoproj/argo-cd/v3 v3.5.7",
		"../out/data-platform": "github.com/fluxcd/kustomize-controller v1.9.6",
	} {
		t.Run(filepath.Base(example), func(t *testing.T) {
			c, rep := gitopsCheck(t, gitopsTree(t, example))
			if c.Result == verify.Failed {
				t.Fatalf("the dry run failed:\n%s", c.Output)
			}
			requireTools(t, rep)
			if c.Result != verify.Passed {
				t.Fatalf("%s: %s", c.Result, c.Reason)
			}
			if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, "gitops/") && strings.Contains(n, want) }) {
				t.Errorf("no note says the CRDs from %s were supplied: %q", want, rep.Notes)
			}
		})
	}
}

// TestBrokenGitOpsObjectIsRejected damages an Application and a Flux
// Kustomization the way their CRDs' schemas refuse, and expects the API
// server's refusal naming the object.
func TestBrokenGitOpsObjectIsRejected(t *testing.T) {
	for _, c := range []struct {
		example, file, from, to, want string
	}{
		{"../out/ha", "gitops/applications.yaml", "limit: 10", "limit: ten", "Application.argoproj.io argocd/"},
		{"../out/data-platform", "gitops/flux.yaml", "interval: 10m", "interval: often", "Kustomization.kustomize.toolkit.fluxcd.io flux-system/"},
	} {
		t.Run(filepath.Base(c.example), func(t *testing.T) {
			dir := gitopsTree(t, c.example)
			p := filepath.Join(dir, c.file)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			broken := strings.Replace(string(b), c.from, c.to, 1)
			if broken == string(b) {
				t.Fatalf("%s has no %q to break", c.file, c.from)
			}
			if err := os.WriteFile(p, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			check, rep := gitopsCheck(t, dir)
			requireTools(t, rep)
			if check.Result != verify.Failed || !strings.Contains(check.Output, c.want) {
				t.Fatalf("want the dry run to refuse %s; got %s:\n%s", c.want, check.Result, check.Output)
			}
		})
	}
}
