package render

import (
	"fmt"

	"github.com/blueprint-dev/blueprint/plan"
)

// Fleet assembles a fleet's tree: each member's tree, rendered as the tree
// of a single-cluster spec, under clusters/NAME/; FLEET.md; and, when
// members use GitOps, gitops/ for a hub that deploys to every member.
// The result is written like any tree: one staging folder, one swap.
func Fleet(f *plan.Fleet, members map[string]Tree) (Tree, error) {
	r := &renderer{tree: Tree{}}
	for _, m := range f.Members {
		t, ok := members[m.Name]
		if !ok {
			return nil, fmt.Errorf("render: no tree for member %q", m.Name)
		}
		for _, p := range t.Paths() {
			r.put(m.Dir+"/"+p, t[p])
		}
	}
	r.file("FLEET.md", "FLEET.md.tmpl", f)
	if g := f.GitOps; g != nil {
		name := "kustomizations.yaml"
		if g.Argo {
			name = "applicationset.yaml"
		}
		r.file("gitops/"+name, name+".tmpl", g)
		r.put("gitops/kustomization.yaml", []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- "+name+"\n"))
	}
	r.flush()
	return r.tree, r.err
}
