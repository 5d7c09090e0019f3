package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/platformcrds"
)

// dryRunGitOps builds gitops/ and sends its objects to the API server with
// a server-side dry run, after creating what the GitOps tool's installation
// provides (its CRDs and namespace, from internal/platformcrds) and the
// tree's own Namespaces and CRDs. It returns how many objects were dry-run,
// and which tool's CRDs were installed; 0 when the tree has no gitops/.
func dryRunGitOps(t *testing.T, c *controlplane.Client, dir string) (int, []platformcrds.Set) {
	t.Helper()
	root := filepath.Join(dir, "gitops")
	if _, err := os.Stat(filepath.Join(root, "kustomization.yaml")); err != nil {
		return 0, nil
	}
	objs := kustomize(t, root)
	platform, sets, err := platformcrds.Needed(objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) == 0 {
		t.Errorf("gitops/ uses no kind of Argo CD or Flux: %v", objs)
	}
	ctx := context.Background()
	foundations := controlplane.Select(append(platform, objs...), controlplane.IsFoundation)
	for _, r := range c.ApplyAll(ctx, foundations, false) {
		t.Errorf("rejected: %s", r)
	}
	if err := c.WaitEstablished(ctx, foundations, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	rest := controlplane.Select(objs, func(o controlplane.Object) bool { return !controlplane.IsFoundation(o) })
	for _, r := range c.ApplyAll(ctx, rest, true) {
		t.Errorf("gitops/ object rejected: %s", r)
	}
	return len(rest), sets
}

func setNames(sets []platformcrds.Set) string {
	var names []string
	for _, s := range sets {
		names = append(names, s.Name)
	}
	return strings.Join(names, " and ")
}
